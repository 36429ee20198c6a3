// Package pe reads Portable Executable (PE/COFF) files the way libyara 4.2's
// "pe" module does, for the YARA-compatible engine in internal/yara.
//
// The reader works on a []byte and is written for hostile input: every read
// is bounds-checked, every table has a cap (sections, imports, exports,
// resources, resource-tree depth, version-info nodes, certificates), and a
// truncated or malformed file yields a partially filled *File with
// File.Flags and File.Anomalies describing what could not be read, never a
// panic. Like libyara, a structure that cannot be read is left empty (the
// engine then reports the YARA field as undefined) and parsing continues
// with the next structure.
//
// # Entry points
//
//	f, err := pe.Parse(data)   // nil, ErrNotPE when there is no MZ/PE header
//	f.Imphash()                // pe.imphash()
//	f.Imports("kernel32.dll", "CreateFileA")
//
// Every field and method below was checked against Debian's yara 4.2.3
// (`yara -D` module dumps and one-rule-per-function checks) on 144 real PE
// files, 1,476 malformed/synthetic ones and the synthetic PEs of the tests;
// see the report in /work/notes/bench-yara-pe-elf.md.
//
// Parse keeps a reference to data (no copy): the caller must not modify it
// while the File is in use.
//
// # What is lazy
//
// Parse eagerly reads headers, sections, data directories, rich signature,
// imports, delayed imports, exports, resources (including the VERSIONINFO
// strings), the CodeView PDB path and the overlay. These are all bounded
// and cheap (a few µs for a typical executable). The Authenticode
// signatures (PKCS#7 + X.509 parsing) are parsed on the first call to
// File.Signatures or File.NumberOfSignatures and cached; Imphash is
// computed on first call and cached (both safe for concurrent use).
// CalculateChecksum walks the whole file on each call: the engine should
// cache it per scan if a rule calls it in a loop.
//
// # YARA identifier → Go API (libyara 4.2 "pe" module)
//
// "undefined" below means the engine must treat the YARA value as
// undefined (libyara's YR_UNDEFINED), which the Go API signals as noted.
//
//	YARA                                  Go
//	pe.is_pe                              1 when Parse returned a File, else 0 (all other fields undefined)
//	pe.machine                            f.Machine
//	pe.number_of_sections                 f.NumberOfSections (header value; len(f.Sections) may be smaller)
//	pe.timestamp                          f.Timestamp
//	pe.pointer_to_symbol_table            f.PointerToSymbolTable
//	pe.number_of_symbols                  f.NumberOfSymbols
//	pe.size_of_optional_header            f.SizeOfOptionalHeader
//	pe.characteristics                    f.Characteristics
//	pe.entry_point                        f.EntryPoint (file offset; -1, a defined value, when unmapped, as libyara)
//	pe.entry_point_raw                    f.EntryPointRaw (RVA as in the header)
//	pe.image_base                         f.ImageBase
//	pe.number_of_rva_and_sizes            f.NumberOfRvaAndSizes
//	pe.opthdr_magic                       f.OptionalHeaderMagic
//	pe.size_of_code                       f.SizeOfCode
//	pe.size_of_initialized_data           f.SizeOfInitializedData
//	pe.size_of_uninitialized_data         f.SizeOfUninitializedData
//	pe.base_of_code                       f.BaseOfCode
//	pe.base_of_data                       f.BaseOfData (undefined when !f.HasBaseOfData, i.e. PE32+)
//	pe.section_alignment                  f.SectionAlignment
//	pe.file_alignment                     f.FileAlignment
//	pe.linker_version.major/.minor        f.LinkerVersion.Major/.Minor
//	pe.os_version.major/.minor            f.OSVersion.Major/.Minor
//	pe.image_version.major/.minor         f.ImageVersion.Major/.Minor
//	pe.subsystem_version.major/.minor     f.SubsystemVersion.Major/.Minor
//	pe.win32_version_value                f.Win32VersionValue
//	pe.size_of_image                      f.SizeOfImage
//	pe.size_of_headers                    f.SizeOfHeaders
//	pe.checksum                           f.Checksum
//	pe.calculate_checksum()               f.CalculateChecksum()
//	pe.subsystem                          f.Subsystem
//	pe.dll_characteristics                f.DllCharacteristics
//	pe.size_of_stack_reserve/_commit      f.SizeOfStackReserve / f.SizeOfStackCommit
//	pe.size_of_heap_reserve/_commit       f.SizeOfHeapReserve / f.SizeOfHeapCommit
//	pe.loader_flags                       f.LoaderFlags
//	pe.data_directories[i].virtual_address/.size   f.DataDirectories[i].VirtualAddress/.Size
//	                                      (min(NumberOfRvaAndSizes, 16) entries; parsers use f.Directory(i))
//	pe.sections[i].name                   f.Sections[i].Name (8-byte header name, trailing NULs trimmed)
//	pe.sections[i].full_name              f.Sections[i].FullName (long "/123" names via the COFF string table; undefined when !HasFullName)
//	pe.sections[i].characteristics        f.Sections[i].Characteristics
//	pe.sections[i].virtual_address        f.Sections[i].VirtualAddress
//	pe.sections[i].virtual_size           f.Sections[i].VirtualSize
//	pe.sections[i].raw_data_offset        f.Sections[i].RawDataOffset
//	pe.sections[i].raw_data_size          f.Sections[i].RawDataSize
//	pe.sections[i].pointer_to_relocations f.Sections[i].PointerToRelocations
//	pe.sections[i].pointer_to_line_numbers f.Sections[i].PointerToLineNumbers
//	pe.sections[i].number_of_relocations  f.Sections[i].NumberOfRelocations
//	pe.sections[i].number_of_line_numbers f.Sections[i].NumberOfLineNumbers
//	pe.overlay.offset/.size               f.Overlay.Offset/.Size (both 0 when no overlay; the overlay includes a trailing certificate table)
//	pe.rich_signature.offset/.length/.key f.RichSignature.Offset/.Length/.Key (undefined when f.RichSignature == nil)
//	pe.rich_signature.raw_data            f.RichSignature.RawData
//	pe.rich_signature.clear_data          f.RichSignature.ClearData
//	pe.rich_signature.version(v[, t])     f.RichSignature.Version(v, t) (t < 0 means "any toolid"); returns the summed count
//	pe.rich_signature.toolid(t[, v])      f.RichSignature.ToolID(t, v) (v < 0 means "any version")
//	pe.pdb_path                           f.PDBPath (undefined when empty)
//	pe.number_of_imports                  f.NumberOfImports (descriptors with a readable name, even without functions)
//	pe.number_of_imported_functions       f.NumberOfImportedFunctions (every non-zero thunk, named or not)
//	pe.number_of_delayed_imports          f.NumberOfDelayedImports
//	pe.number_of_delayed_imported_functions f.NumberOfDelayedImportedFunctions
//	pe.import_details[i].library_name     f.ImportDetails[i].DLL
//	pe.import_details[i].number_of_functions len(f.ImportDetails[i].Functions) (see "4.2.3 bugs" below)
//	pe.import_details[i].functions[j].name    f.ImportDetails[i].Functions[j].Name
//	pe.import_details[i].functions[j].ordinal f.ImportDetails[i].Functions[j].Ordinal (undefined when !HasOrdinal)
//	(pe.import_details[i].functions[j].rva: not in 4.2; f.ImportDetails[i].Functions[j].RVA has the IAT slot RVA)
//	pe.delayed_import_details[...]        f.DelayedImportDetails[...] (same shape; see "4.2.3 bugs")
//	pe.imports(dll, fn)                   f.Imports(dll, fn) → HasImport(ImportStandard, dll, fn)
//	pe.imports(dll, ordinal)              f.HasImportOrdinal(ImportStandard, dll, ord)
//	pe.imports(dll)                       f.CountImportsFrom(ImportStandard, dll) (number of functions; 0 = false)
//	pe.imports(/dll_re/, /fn_re/)         engine iterates f.ImportDetails (and DelayedImportDetails for IMPORT_DELAYED) with its regex
//	pe.imports(flags, dll, fn)            f.HasImport(flags, dll, fn); flags ImportStandard(1)|ImportDelayed(2); pe.IMPORT_ANY is -1 in
//	                                      YARA (all bits set): pass it through, HasImport only tests bits 1 and 2
//	pe.imports(flags, dll, ordinal)       f.HasImportOrdinal(flags, dll, ord)
//	pe.imports(flags, dll)                f.CountImportsFrom(flags, dll)
//	pe.imphash()                          f.Imphash() (md5 of "" when there is no import, as libyara)
//	pe.number_of_exports                  len(f.ExportDetails)
//	pe.export_details[i].name             f.ExportDetails[i].Name (undefined when !HasName)
//	pe.export_details[i].ordinal          f.ExportDetails[i].Ordinal
//	pe.export_details[i].offset           f.ExportDetails[i].Offset (-1 when unmapped; undefined when Forwarded)
//	pe.export_details[i].forward_name     f.ExportDetails[i].ForwardName (undefined when !Forwarded)
//	pe.dll_name                           f.DLLName (undefined when !f.HasDLLName)
//	pe.export_timestamp                   f.ExportTimestamp (undefined when !f.HasExportDirectory)
//	pe.exports(name)                      f.Exports(name) (case-insensitive, like libyara 4.2)
//	pe.exports(ordinal)                   f.ExportsOrdinal(ord) (false when ord > number of exports, as libyara)
//	pe.exports(/re/)                      engine iterates f.ExportDetails[i].Name (HasName) with its own regex
//	pe.exports_index(name|ordinal)        f.ExportsIndex(name) / f.ExportsIndexOrdinal(ord) (-1 = undefined)
//	pe.exports_index(/re/)                engine iterates f.ExportDetails
//	pe.number_of_resources                len(f.Resources)
//	pe.resource_timestamp                 f.ResourceTimestamp (undefined when !f.HasResourceDirectory)
//	pe.resource_version.major/.minor      f.ResourceVersion.Major/.Minor
//	pe.resources[i].rva/.offset/.length   f.Resources[i].RVA / .Offset (undefined when < 0) / .Length
//	pe.resources[i].type/.id/.language    f.Resources[i].Type / .ID / .Language (undefined when the matching *String is non-nil)
//	pe.resources[i].type_string/.name_string/.language_string
//	                                      f.Resources[i].TypeString / .NameString / .LanguageString (raw UTF-16LE bytes as libyara; undefined when nil)
//	                                      (.offset undefined when f.Resources[i].Offset < 0)
//	pe.version_info[key]                  f.VersionInfo(key) (value, ok; the last string with that key wins)
//	pe.version_info_list[i].key/.value    f.VersionInfoList[i].Key / .Value
//	pe.number_of_version_infos            len(f.VersionInfoList)
//	pe.locale(id)                         f.Locale(id)
//	pe.language(id)                       f.Language(id)
//	pe.is_dll()                           f.IsDLLValue() (characteristics & 0x2000: 8192, not 1, for a DLL; f.IsDLL() is the bool)
//	pe.is_32bit()                         f.Is32Bit()
//	pe.is_64bit()                         f.Is64Bit()
//	pe.section_index(name)                f.SectionIndex(name) (-1 = undefined)
//	pe.section_index(addr)                f.SectionIndexAddr(addr) (-1 = undefined)
//	pe.rva_to_offset(rva)                 f.RVAToOffset(rva) (-1 = undefined)
//	pe.number_of_signatures               f.NumberOfSignatures() (undefined when !f.HasSecurityDirectory())
//	(pe.is_signed: not in 4.2)            f.IsSigned()
//	pe.signatures[i].thumbprint           f.Signatures()[i].Thumbprint (lower-case hex SHA-1 of the signer certificate)
//	                                      one entry per signer certificate of each PKCS#7, nested signatures appended
//	pe.signatures[i].issuer/.subject      .Issuer / .Subject (OpenSSL one-line form "/C=US/O=.../CN=...")
//	pe.signatures[i].version              .Version (X.509 version, 1..3)
//	pe.signatures[i].algorithm            .Algorithm (OpenSSL long name, e.g. "sha256WithRSAEncryption")
//	pe.signatures[i].algorithm_oid        .AlgorithmOID
//	pe.signatures[i].serial               .Serial (DER content bytes, lower-case hex joined by ':'; undefined when !HasSerial)
//	pe.signatures[i].not_before/.not_after .NotBefore / .NotAfter (Unix seconds)
//	pe.signatures[i].valid_on(ts)         .ValidOn(ts)
//	(not in 4.2) digest_alg / digest / certificates[k].*
//	                                      .DigestAlg / .Digest / .Certificates[k]: Vigie extras, bind them only if
//	                                      the engine wants the libyara 4.3+ fields
//	constants (pe.MACHINE_I386, pe.DLL, pe.SECTION_*, ...)  Constants map[string]int64 (generated from `yara -D`)
//
// Vigie-only information: f.Flags and f.Anomalies say what could not be
// read and where; f.HeaderOffset is e_lfanew; f.Data() returns the input.
//
// # libyara 4.2.3 bugs Vigie does not reproduce
//
//   - import_details[i].number_of_functions: libyara reports the running
//     total over all DLLs so far, and numbers functions[] across DLLs (the
//     second DLL's first function is functions[n0], not functions[0]).
//     Vigie gives per-DLL counts and indexes. An engine aiming at bit-exact
//     4.2.3 output would have to re-create that.
//   - delayed_import_details: 4.2.3 declares the structure as
//     "delay_import_details" but fills "delayed_import_details", so it is
//     always empty there (the counters are right). Vigie fills
//     DelayedImportDetails; bind it under the 4.3 name delayed_import_details.
//
// # Deliberate bounds stricter than libyara 4.2
//
// DLL names over 256 bytes are invalid (later libyara does the same); at
// most 262,144 resource directory entries are walked, 16 VERSIONINFO
// resources and 16,384 VERSIONINFO nodes in total are parsed, UTF-16
// strings in VERSIONINFO are at most 4,096 units; at most 16 signatures
// and 64 certificates per PKCS#7. Each limit hit sets a Flag.
//
// # Not implemented (the engine must report these as undefined)
//
//   - Authenticode verification and the libyara 4.3+ signature fields
//     (verified, file_digest, signer_info.*, countersignatures[*]): Vigie
//     does not verify signatures, and 4.2 does not expose these.
//   - pe.rich_signature.version_data, pe.export_details[i].rva,
//     pe.import_details[i].functions[j].rva, pe.import_rva... (4.3+).
//   - Process-memory scanning semantics (entry_point as a virtual address).
//   - pe.dotnet: not part of this package.
package pe
