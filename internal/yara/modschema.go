package yara

// moduleSchema lists, for every module, the identifiers libyara 4.2.3
// declares, in declaration order (its begin_declarations blocks; functions
// left out). yara -D prints a module's data in this order, with
// YR_UNDEFINED for what a file does not set, and so does Dump.
//
// One declaration a line: "i NAME" integer, "f" float, "s" string, "ai"
// "af" "as" arrays, "di" "df" "ds" dictionaries of them, "{ NAME" a
// structure, "[ NAME" an array of structures, "< NAME" a dictionary of
// structures, "}" the end of one of these; "module NAME" ... "end".
// "fn NAME ARGS RET" declares one overload of a function (ARGS "-" for
// none; libyara 4.2.3's declare_function lines). The compiler types
// module expressions from these declarations and, as libyara, refuses a
// name a module does not declare (compile.go's fieldExtensions lists the
// few later-YARA fields Vigie accepts beyond them).
const moduleSchema = `
module pe
i MACHINE_UNKNOWN
i MACHINE_AM33
i MACHINE_AMD64
i MACHINE_ARM
i MACHINE_ARMNT
i MACHINE_ARM64
i MACHINE_EBC
i MACHINE_I386
i MACHINE_IA64
i MACHINE_M32R
i MACHINE_MIPS16
i MACHINE_MIPSFPU
i MACHINE_MIPSFPU16
i MACHINE_POWERPC
i MACHINE_POWERPCFP
i MACHINE_R4000
i MACHINE_SH3
i MACHINE_SH3DSP
i MACHINE_SH4
i MACHINE_SH5
i MACHINE_THUMB
i MACHINE_WCEMIPSV2
i MACHINE_TARGET_HOST
i MACHINE_R3000
i MACHINE_R10000
i MACHINE_ALPHA
i MACHINE_SH3E
i MACHINE_ALPHA64
i MACHINE_AXP64
i MACHINE_TRICORE
i MACHINE_CEF
i MACHINE_CEE
i SUBSYSTEM_UNKNOWN
i SUBSYSTEM_NATIVE
i SUBSYSTEM_WINDOWS_GUI
i SUBSYSTEM_WINDOWS_CUI
i SUBSYSTEM_OS2_CUI
i SUBSYSTEM_POSIX_CUI
i SUBSYSTEM_NATIVE_WINDOWS
i SUBSYSTEM_WINDOWS_CE_GUI
i SUBSYSTEM_EFI_APPLICATION
i SUBSYSTEM_EFI_BOOT_SERVICE_DRIVER
i SUBSYSTEM_EFI_RUNTIME_DRIVER
i SUBSYSTEM_EFI_ROM_IMAGE
i SUBSYSTEM_XBOX
i SUBSYSTEM_WINDOWS_BOOT_APPLICATION
i HIGH_ENTROPY_VA
i DYNAMIC_BASE
i FORCE_INTEGRITY
i NX_COMPAT
i NO_ISOLATION
i NO_SEH
i NO_BIND
i APPCONTAINER
i WDM_DRIVER
i GUARD_CF
i TERMINAL_SERVER_AWARE
i RELOCS_STRIPPED
i EXECUTABLE_IMAGE
i LINE_NUMS_STRIPPED
i LOCAL_SYMS_STRIPPED
i AGGRESIVE_WS_TRIM
i LARGE_ADDRESS_AWARE
i BYTES_REVERSED_LO
i MACHINE_32BIT
i DEBUG_STRIPPED
i REMOVABLE_RUN_FROM_SWAP
i NET_RUN_FROM_SWAP
i SYSTEM
i DLL
i UP_SYSTEM_ONLY
i BYTES_REVERSED_HI
i IMAGE_DIRECTORY_ENTRY_EXPORT
i IMAGE_DIRECTORY_ENTRY_IMPORT
i IMAGE_DIRECTORY_ENTRY_RESOURCE
i IMAGE_DIRECTORY_ENTRY_EXCEPTION
i IMAGE_DIRECTORY_ENTRY_SECURITY
i IMAGE_DIRECTORY_ENTRY_BASERELOC
i IMAGE_DIRECTORY_ENTRY_DEBUG
i IMAGE_DIRECTORY_ENTRY_ARCHITECTURE
i IMAGE_DIRECTORY_ENTRY_COPYRIGHT
i IMAGE_DIRECTORY_ENTRY_GLOBALPTR
i IMAGE_DIRECTORY_ENTRY_TLS
i IMAGE_DIRECTORY_ENTRY_LOAD_CONFIG
i IMAGE_DIRECTORY_ENTRY_BOUND_IMPORT
i IMAGE_DIRECTORY_ENTRY_IAT
i IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT
i IMAGE_DIRECTORY_ENTRY_COM_DESCRIPTOR
i IMAGE_NT_OPTIONAL_HDR32_MAGIC
i IMAGE_NT_OPTIONAL_HDR64_MAGIC
i IMAGE_ROM_OPTIONAL_HDR_MAGIC
i SECTION_NO_PAD
i SECTION_CNT_CODE
i SECTION_CNT_INITIALIZED_DATA
i SECTION_CNT_UNINITIALIZED_DATA
i SECTION_LNK_OTHER
i SECTION_LNK_INFO
i SECTION_LNK_REMOVE
i SECTION_LNK_COMDAT
i SECTION_NO_DEFER_SPEC_EXC
i SECTION_GPREL
i SECTION_MEM_FARDATA
i SECTION_MEM_PURGEABLE
i SECTION_MEM_16BIT
i SECTION_MEM_LOCKED
i SECTION_MEM_PRELOAD
i SECTION_ALIGN_1BYTES
i SECTION_ALIGN_2BYTES
i SECTION_ALIGN_4BYTES
i SECTION_ALIGN_8BYTES
i SECTION_ALIGN_16BYTES
i SECTION_ALIGN_32BYTES
i SECTION_ALIGN_64BYTES
i SECTION_ALIGN_128BYTES
i SECTION_ALIGN_256BYTES
i SECTION_ALIGN_512BYTES
i SECTION_ALIGN_1024BYTES
i SECTION_ALIGN_2048BYTES
i SECTION_ALIGN_4096BYTES
i SECTION_ALIGN_8192BYTES
i SECTION_ALIGN_MASK
i SECTION_LNK_NRELOC_OVFL
i SECTION_MEM_DISCARDABLE
i SECTION_MEM_NOT_CACHED
i SECTION_MEM_NOT_PAGED
i SECTION_MEM_SHARED
i SECTION_MEM_EXECUTE
i SECTION_MEM_READ
i SECTION_MEM_WRITE
i SECTION_SCALE_INDEX
i RESOURCE_TYPE_CURSOR
i RESOURCE_TYPE_BITMAP
i RESOURCE_TYPE_ICON
i RESOURCE_TYPE_MENU
i RESOURCE_TYPE_DIALOG
i RESOURCE_TYPE_STRING
i RESOURCE_TYPE_FONTDIR
i RESOURCE_TYPE_FONT
i RESOURCE_TYPE_ACCELERATOR
i RESOURCE_TYPE_RCDATA
i RESOURCE_TYPE_MESSAGETABLE
i RESOURCE_TYPE_GROUP_CURSOR
i RESOURCE_TYPE_GROUP_ICON
i RESOURCE_TYPE_VERSION
i RESOURCE_TYPE_DLGINCLUDE
i RESOURCE_TYPE_PLUGPLAY
i RESOURCE_TYPE_VXD
i RESOURCE_TYPE_ANICURSOR
i RESOURCE_TYPE_ANIICON
i RESOURCE_TYPE_HTML
i RESOURCE_TYPE_MANIFEST
i IMAGE_DEBUG_TYPE_UNKNOWN
i IMAGE_DEBUG_TYPE_COFF
i IMAGE_DEBUG_TYPE_CODEVIEW
i IMAGE_DEBUG_TYPE_FPO
i IMAGE_DEBUG_TYPE_MISC
i IMAGE_DEBUG_TYPE_EXCEPTION
i IMAGE_DEBUG_TYPE_FIXUP
i IMAGE_DEBUG_TYPE_OMAP_TO_SRC
i IMAGE_DEBUG_TYPE_OMAP_FROM_SRC
i IMAGE_DEBUG_TYPE_BORLAND
i IMAGE_DEBUG_TYPE_RESERVED10
i IMAGE_DEBUG_TYPE_CLSID
i IMAGE_DEBUG_TYPE_VC_FEATURE
i IMAGE_DEBUG_TYPE_POGO
i IMAGE_DEBUG_TYPE_ILTCG
i IMAGE_DEBUG_TYPE_MPX
i IMAGE_DEBUG_TYPE_REPRO
i is_pe
i machine
i number_of_sections
i timestamp
i pointer_to_symbol_table
i number_of_symbols
i size_of_optional_header
i characteristics
i entry_point
i entry_point_raw
i image_base
i number_of_rva_and_sizes
i number_of_version_infos
ds version_info
[ version_info_list
s key
s value
}
i opthdr_magic
i size_of_code
i size_of_initialized_data
i size_of_uninitialized_data
i base_of_code
i base_of_data
i section_alignment
i file_alignment
{ linker_version
i major
i minor
}
{ os_version
i major
i minor
}
{ image_version
i major
i minor
}
{ subsystem_version
i major
i minor
}
i win32_version_value
i size_of_image
i size_of_headers
i checksum
i subsystem
i dll_characteristics
i size_of_stack_reserve
i size_of_stack_commit
i size_of_heap_reserve
i size_of_heap_commit
i loader_flags
[ data_directories
i virtual_address
i size
}
[ sections
s name
s full_name
i characteristics
i virtual_address
i virtual_size
i raw_data_offset
i raw_data_size
i pointer_to_relocations
i pointer_to_line_numbers
i number_of_relocations
i number_of_line_numbers
}
{ overlay
i offset
i size
}
{ rich_signature
i offset
i length
i key
s raw_data
s clear_data
fn version i i
fn version ii i
fn toolid i i
fn toolid ii i
}
i IMPORT_DELAYED
i IMPORT_STANDARD
i IMPORT_ANY
i number_of_imports
i number_of_imported_functions
i number_of_delayed_imports
i number_of_delayed_imported_functions
i number_of_exports
s dll_name
i export_timestamp
[ export_details
i offset
s name
s forward_name
i ordinal
}
[ import_details
s library_name
i number_of_functions
[ functions
s name
i ordinal
}
}
[ delay_import_details
s library_name
i number_of_function
[ functions
s name
i ordinal
}
}
i resource_timestamp
{ resource_version
i major
i minor
}
[ resources
i rva
i offset
i length
i type
i id
i language
s type_string
s name_string
s language_string
}
i number_of_resources
s pdb_path
[ signatures
s thumbprint
s issuer
s subject
i version
s algorithm
s algorithm_oid
s serial
i not_before
i not_after
fn valid_on i i
}
i number_of_signatures
fn calculate_checksum - i
fn imphash - s
fn section_index s i
fn section_index i i
fn exports s i
fn exports r i
fn exports i i
fn exports_index s i
fn exports_index i i
fn exports_index r i
fn imports ss i
fn imports si i
fn imports s i
fn imports rr i
fn imports iss i
fn imports isi i
fn imports is i
fn imports irr i
fn locale i i
fn language i i
fn is_dll - i
fn is_32bit - i
fn is_64bit - i
fn rva_to_offset i i
end
module elf
i ET_NONE
i ET_REL
i ET_EXEC
i ET_DYN
i ET_CORE
i EM_NONE
i EM_M32
i EM_SPARC
i EM_386
i EM_68K
i EM_88K
i EM_860
i EM_MIPS
i EM_MIPS_RS3_LE
i EM_PPC
i EM_PPC64
i EM_ARM
i EM_X86_64
i EM_AARCH64
i SHT_NULL
i SHT_PROGBITS
i SHT_SYMTAB
i SHT_STRTAB
i SHT_RELA
i SHT_HASH
i SHT_DYNAMIC
i SHT_NOTE
i SHT_NOBITS
i SHT_REL
i SHT_SHLIB
i SHT_DYNSYM
i SHF_WRITE
i SHF_ALLOC
i SHF_EXECINSTR
i type
i machine
i entry_point
i number_of_sections
i sh_offset
i sh_entry_size
i number_of_segments
i ph_offset
i ph_entry_size
[ sections
i type
i flags
i address
s name
i size
i offset
}
i PT_NULL
i PT_LOAD
i PT_DYNAMIC
i PT_INTERP
i PT_NOTE
i PT_SHLIB
i PT_PHDR
i PT_TLS
i PT_GNU_EH_FRAME
i PT_GNU_STACK
i DT_NULL
i DT_NEEDED
i DT_PLTRELSZ
i DT_PLTGOT
i DT_HASH
i DT_STRTAB
i DT_SYMTAB
i DT_RELA
i DT_RELASZ
i DT_RELAENT
i DT_STRSZ
i DT_SYMENT
i DT_INIT
i DT_FINI
i DT_SONAME
i DT_RPATH
i DT_SYMBOLIC
i DT_REL
i DT_RELSZ
i DT_RELENT
i DT_PLTREL
i DT_DEBUG
i DT_TEXTREL
i DT_JMPREL
i DT_BIND_NOW
i DT_INIT_ARRAY
i DT_FINI_ARRAY
i DT_INIT_ARRAYSZ
i DT_FINI_ARRAYSZ
i DT_RUNPATH
i DT_FLAGS
i DT_ENCODING
i STT_NOTYPE
i STT_OBJECT
i STT_FUNC
i STT_SECTION
i STT_FILE
i STT_COMMON
i STT_TLS
i STB_LOCAL
i STB_GLOBAL
i STB_WEAK
i PF_X
i PF_W
i PF_R
[ segments
i type
i flags
i offset
i virtual_address
i physical_address
i file_size
i memory_size
i alignment
}
i dynamic_section_entries
[ dynamic
i type
i val
}
i symtab_entries
[ symtab
s name
i value
i size
i type
i bind
i shndx
}
i dynsym_entries
[ dynsym
s name
i value
i size
i type
i bind
i shndx
}
end
module math
f MEAN_BYTES
fn in_range fff i
fn deviation iif f
fn deviation sf f
fn mean ii f
fn mean s f
fn serial_correlation ii f
fn serial_correlation s f
fn monte_carlo_pi ii f
fn monte_carlo_pi s f
fn entropy ii f
fn entropy s f
fn min ii i
fn max ii i
fn to_number b i
fn abs i i
fn count iii i
fn count i i
fn percentage iii f
fn percentage i f
fn mode ii i
fn mode - i
end
module hash
fn md5 ii s
fn md5 s s
fn sha1 ii s
fn sha1 s s
fn sha256 ii s
fn sha256 s s
fn checksum32 ii i
fn checksum32 s i
fn crc32 ii i
fn crc32 s i
end
module time
fn now - i
end
module dotnet
i is_dotnet
s version
s module_name
[ streams
s name
i offset
i size
}
i number_of_streams
as guids
i number_of_guids
[ resources
i offset
i length
s name
}
i number_of_resources
[ assembly_refs
{ version
i major
i minor
i build_number
i revision_number
}
s public_key_or_token
s name
}
i number_of_assembly_refs
{ assembly
{ version
i major
i minor
i build_number
i revision_number
}
s name
s culture
}
as modulerefs
i number_of_modulerefs
as user_strings
i number_of_user_strings
s typelib
as constants
i number_of_constants
ai field_offsets
i number_of_field_offsets
end
module macho
i MH_MAGIC
i MH_CIGAM
i MH_MAGIC_64
i MH_CIGAM_64
i FAT_MAGIC
i FAT_CIGAM
i FAT_MAGIC_64
i FAT_CIGAM_64
i CPU_ARCH_ABI64
i CPU_SUBTYPE_LIB64
i CPU_TYPE_MC680X0
i CPU_TYPE_X86
i CPU_TYPE_I386
i CPU_TYPE_X86_64
i CPU_TYPE_MIPS
i CPU_TYPE_MC98000
i CPU_TYPE_ARM
i CPU_TYPE_ARM64
i CPU_TYPE_MC88000
i CPU_TYPE_SPARC
i CPU_TYPE_POWERPC
i CPU_TYPE_POWERPC64
i CPU_SUBTYPE_INTEL_MODEL_ALL
i CPU_SUBTYPE_386
i CPU_SUBTYPE_I386_ALL
i CPU_SUBTYPE_X86_64_ALL
i CPU_SUBTYPE_486
i CPU_SUBTYPE_486SX
i CPU_SUBTYPE_586
i CPU_SUBTYPE_PENT
i CPU_SUBTYPE_PENTPRO
i CPU_SUBTYPE_PENTII_M3
i CPU_SUBTYPE_PENTII_M5
i CPU_SUBTYPE_CELERON
i CPU_SUBTYPE_CELERON_MOBILE
i CPU_SUBTYPE_PENTIUM_3
i CPU_SUBTYPE_PENTIUM_3_M
i CPU_SUBTYPE_PENTIUM_3_XEON
i CPU_SUBTYPE_PENTIUM_M
i CPU_SUBTYPE_PENTIUM_4
i CPU_SUBTYPE_PENTIUM_4_M
i CPU_SUBTYPE_ITANIUM
i CPU_SUBTYPE_ITANIUM_2
i CPU_SUBTYPE_XEON
i CPU_SUBTYPE_XEON_MP
i CPU_SUBTYPE_ARM_ALL
i CPU_SUBTYPE_ARM_V4T
i CPU_SUBTYPE_ARM_V6
i CPU_SUBTYPE_ARM_V5
i CPU_SUBTYPE_ARM_V5TEJ
i CPU_SUBTYPE_ARM_XSCALE
i CPU_SUBTYPE_ARM_V7
i CPU_SUBTYPE_ARM_V7F
i CPU_SUBTYPE_ARM_V7S
i CPU_SUBTYPE_ARM_V7K
i CPU_SUBTYPE_ARM_V6M
i CPU_SUBTYPE_ARM_V7M
i CPU_SUBTYPE_ARM_V7EM
i CPU_SUBTYPE_ARM64_ALL
i CPU_SUBTYPE_SPARC_ALL
i CPU_SUBTYPE_POWERPC_ALL
i CPU_SUBTYPE_MC980000_ALL
i CPU_SUBTYPE_POWERPC_601
i CPU_SUBTYPE_MC98601
i CPU_SUBTYPE_POWERPC_602
i CPU_SUBTYPE_POWERPC_603
i CPU_SUBTYPE_POWERPC_603e
i CPU_SUBTYPE_POWERPC_603ev
i CPU_SUBTYPE_POWERPC_604
i CPU_SUBTYPE_POWERPC_604e
i CPU_SUBTYPE_POWERPC_620
i CPU_SUBTYPE_POWERPC_750
i CPU_SUBTYPE_POWERPC_7400
i CPU_SUBTYPE_POWERPC_7450
i CPU_SUBTYPE_POWERPC_970
i MH_OBJECT
i MH_EXECUTE
i MH_FVMLIB
i MH_CORE
i MH_PRELOAD
i MH_DYLIB
i MH_DYLINKER
i MH_BUNDLE
i MH_DYLIB_STUB
i MH_DSYM
i MH_KEXT_BUNDLE
i MH_NOUNDEFS
i MH_INCRLINK
i MH_DYLDLINK
i MH_BINDATLOAD
i MH_PREBOUND
i MH_SPLIT_SEGS
i MH_LAZY_INIT
i MH_TWOLEVEL
i MH_FORCE_FLAT
i MH_NOMULTIDEFS
i MH_NOFIXPREBINDING
i MH_PREBINDABLE
i MH_ALLMODSBOUND
i MH_SUBSECTIONS_VIA_SYMBOLS
i MH_CANONICAL
i MH_WEAK_DEFINES
i MH_BINDS_TO_WEAK
i MH_ALLOW_STACK_EXECUTION
i MH_ROOT_SAFE
i MH_SETUID_SAFE
i MH_NO_REEXPORTED_DYLIBS
i MH_PIE
i MH_DEAD_STRIPPABLE_DYLIB
i MH_HAS_TLV_DESCRIPTORS
i MH_NO_HEAP_EXECUTION
i MH_APP_EXTENSION_SAFE
i SG_HIGHVM
i SG_FVMLIB
i SG_NORELOC
i SG_PROTECTED_VERSION_1
i SECTION_TYPE
i SECTION_ATTRIBUTES
i S_REGULAR
i S_ZEROFILL
i S_CSTRING_LITERALS
i S_4BYTE_LITERALS
i S_8BYTE_LITERALS
i S_LITERAL_POINTERS
i S_NON_LAZY_SYMBOL_POINTERS
i S_LAZY_SYMBOL_POINTERS
i S_SYMBOL_STUBS
i S_MOD_INIT_FUNC_POINTERS
i S_MOD_TERM_FUNC_POINTERS
i S_COALESCED
i S_GB_ZEROFILL
i S_INTERPOSING
i S_16BYTE_LITERALS
i S_DTRACE_DOF
i S_LAZY_DYLIB_SYMBOL_POINTERS
i S_THREAD_LOCAL_REGULAR
i S_THREAD_LOCAL_ZEROFILL
i S_THREAD_LOCAL_VARIABLES
i S_THREAD_LOCAL_VARIABLE_POINTERS
i S_THREAD_LOCAL_INIT_FUNCTION_POINTERS
i S_ATTR_PURE_INSTRUCTIONS
i S_ATTR_NO_TOC
i S_ATTR_STRIP_STATIC_SYMS
i S_ATTR_NO_DEAD_STRIP
i S_ATTR_LIVE_SUPPORT
i S_ATTR_SELF_MODIFYING_CODE
i S_ATTR_DEBUG
i S_ATTR_SOME_INSTRUCTIONS
i S_ATTR_EXT_RELOC
i S_ATTR_LOC_RELOC
i magic
i cputype
i cpusubtype
i filetype
i ncmds
i sizeofcmds
i flags
i reserved
i number_of_segments
[ segments
s segname
i vmaddr
i vmsize
i fileoff
i fsize
i maxprot
i initprot
i nsects
i flags
[ sections
s sectname
s segname
i addr
i size
i offset
i align
i reloff
i nreloc
i flags
i reserved1
i reserved2
i reserved3
}
}
i entry_point
i stack_size
i fat_magic
i nfat_arch
[ fat_arch
i cputype
i cpusubtype
i offset
i size
i align
}
[ file
i magic
i cputype
i cpusubtype
i filetype
i ncmds
i sizeofcmds
i flags
i reserved
i number_of_segments
[ segments
s segname
i vmaddr
i vmsize
i fileoff
i fsize
i maxprot
i initprot
i nsects
i flags
[ sections
s sectname
s segname
i addr
i size
i offset
i align
i reloff
i nreloc
i flags
i reserved1
i reserved2
i reserved3
}
}
i entry_point
i stack_size
}
fn file_index_for_arch i i
fn file_index_for_arch ii i
fn entry_point_for_arch i i
fn entry_point_for_arch ii i
end
module console
fn log s i
fn log ss i
fn log i i
fn log si i
fn log f i
fn log sf i
fn hex i i
fn hex si i
end
module tests
{ constants
i one
i two
s foo
s empty
}
{ undefined
i i
f f
}
s module_data
ai integer_array
as string_array
di integer_dict
ds string_dict
[ struct_array
i i
s s
}
< struct_dict
i i
s s
}
< empty_struct_dict
i unused
}
[ empty_struct_array
[ struct_array
s unused
}
< struct_dict
s unused
}
}
fn match rs i
fn isum ii i
fn isum iii i
fn fsum ff f
fn fsum fff f
fn length s i
fn empty - s
fn foobar i s
end
`
