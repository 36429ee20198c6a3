// Package yara is Vigie's pure-Go YARA engine, compatible with libyara 4.2:
// the same rule language, the same matches, the same module fields, no cgo.
//
// # Use
//
//	rules, warnings, err := yara.Compile([]yara.Source{{Name: "r.yar", Data: src}},
//		yara.CompileOptions{Externals: map[string]any{"filename": ""}})
//	matches, err := rules.ScanFile(ctx, path, yara.ScanOptions{Timeout: time.Minute})
//
// A *Rules is read-only after Compile: any number of goroutines may scan
// with it at once. Compile errors are *CompileError values carrying
// file:line:column.
//
// # Language
//
// include, import, global and private rules, tags, metadata; text strings
// with escapes and the modifiers nocase ascii wide fullword private xor
// xor(a-b) base64 base64wide (custom alphabets); hex strings with
// wildcards, nibble wildcards, jumps [n-m] / [n-] and alternatives, and
// "~" negation (YARA 4.3); regular expressions in YARA's byte-oriented
// dialect (classes, \w \s \d \b, {n,m} greedy and lazy, /i /s); conditions
// with boolean, arithmetic and bitwise operators, contains icontains
// startswith istartswith endswith iendswith iequals matches, #s, #s in
// (a..b), @s[i], !s[i], at, in, filesize, entrypoint, intXX/uintXX and
// their big-endian forms, "of" over string and rule sets, "for ... of",
// "for ... in" over ranges, lists, module arrays and dictionaries, rule
// references, external variables and "defined". Undefined values follow
// libyara: an operation on undefined is undefined, "not undefined" is
// undefined, and a rule whose condition is undefined does not match.
// A "for" loop counts the iterations whose body is true (non-zero);
// libyara (4.2.3 and 4.5 alike) adds the body's integer value to its
// count instead, so "for any i in (1..3) : ( -1 )" is false there and
// "for all i in (0..2) : ( i )" true: a bug Vigie does not copy; nor
// does it copy libyara 4.2.3's "for none ... in" being true whenever the
// loop iterates (libyara 4.5 fixed it). As in libyara, a "for ... in"
// loop over no items (an empty array, a range with an undefined bound)
// is false, not undefined, and an undefined quantifier means "all"; a
// "<" between floats with an undefined operand is false, not undefined
// (libyara's OP_DBL_LT), while the other comparisons stay undefined.
//
// # Modules
//
// pe, elf, dotnet and macho bind the parsers of internal/yara/pe, elf,
// dotnet and macho (bind_*.go); math, hash, time and console are in
// modules.go; dex, magic and cuckoo are unknown modules. The "tests"
// module (modtests.go) is libyara's internal test module, with its exact
// declarations and values: it exists only so that Vigie passes libyara's
// own test suite (bench/yara/libyara-tests.py), as Debian's yara, built
// with it, does; it reads nothing of the scanned file.
//
// The compiler types conditions as libyara's grammar does: module fields
// and functions take their declared types (modschema.go, libyara 4.2.3's
// declarations), so a string compared to an integer, a dictionary looped
// over with one variable, a structure used as a value, a name the module
// does not declare, or a function called with argument types none of its
// overloads declares is a compile error. Vigie accepts a few fields of
// later YARA versions beyond those (pe.is_signed,
// pe.delayed_import_details: compile.go's fieldExtensions). A module is
// parsed only when a condition being evaluated reads it, once per file;
// costly pe parts (signatures, import details) are computed on first
// access. console.log and console.hex hand their messages to
// ScanOptions.OnConsoleLog (vigie yara prints them as yara). moddump.go prints a
// module's data as yara -D does, from libyara 4.2.3's declarations
// (modschema.go); cliview.go turns string matches into what yara -s
// prints.
//
// # How scanning works
//
// Every string becomes one or more patterns (a literal per ascii/wide/xor/
// base64 variant; a program for hex strings and regexes). For each pattern
// the compiler picks an atom: the 1-4 byte window of required literal
// bytes with the best quality score (rare bytes good; 00, FF, 20, CC, 90
// and repeated bytes bad; nocase letters expand to their case variants).
// All atoms of all rules go into one index (bucketed by their first two
// bytes) that the scanner runs over the data once. Each atom hit is
// verified: a literal compare, or for hex strings and regexes a Pike VM
// run anchored at the match start (when the atom sits after a
// variable-length prefix, a reversed program finds the possible starts
// first). Hex jumps are lazy, so a hex string matches its shortest extent
// from each start, as in libyara; a hex string with a jump longer than 200
// bytes or unbounded is split there into a chain of parts (libyara's
// string chaining), each found through its own atoms, and the parts are
// joined after the scan in time linear in their matches. A regular
// expression is chained the same at an ungreedy '.' repeated more than
// 200 times ("/ab.{300,400}?cd/"), and, as in libyara, the gap is then
// any bytes, newlines too, and counts bytes in the wide form; an ascii
// wide one is chained in each form on its own, where libyara would also
// join an ascii part to a wide one.
// An "ascii wide" regular expression is looked for in both forms at each
// atom hit. libyara 4.2.3 tries the wide form only when the ascii one fails
// forward from the atom, so when the atom lies after the expression's start
// and the rest matches, as ascii, the first character of wide text, the
// wide match is lost ("/x(a|:)/ ascii wide" on "x\0a\0"; Yara-Rules' IP
// rule misses "::" in UTF-16): a bug Vigie does not copy. The VM's time is linear in the data
// it reads for a given program, with no backtracking, so catastrophic regexes cannot hang a
// scan; matches are bounded to 4096 bytes past the start as libyara's
// RE_SCAN_LIMIT, or to the maximum length of a bounded hex string.
// Patterns without a usable atom are tried at every position whose byte
// can start a match. The "may slow down scanning" warning does not come
// from Vigie's atoms: atomwarn.go scores each string as libyara 4.2.3
// does (its heuristic atom quality and atom tree), so Vigie warns for
// exactly the strings libyara warns for.
//
// A rule whose condition cannot be true without one of its strings
// matching (the usual "uint16(0) == 0x5A4D and any of them") is not
// evaluated when none of its strings matched.
//
// # Saved rules
//
// Rules.MarshalCompiled writes the compiled form (compiled.go): rules,
// strings, patterns with their literals and Pike-VM programs, atoms,
// resolved condition trees, metadata, namespaces, imports and externals,
// behind a header with the format and engine versions and a SHA-256 of
// the payload. LoadCompiled checks the header and checksum, then decodes
// without parsing or atom selection (it only rebuilds the atom index
// buckets) and validates every count and index, so a crafted file is
// rejected rather than trusted. A file from another version is refused
// with ErrIncompatibleCompiled.
//
// # Limits
//
// Matches per string: 1,000,000 (libyara's default; reaching it is reported
// through ScanOptions.OnTooManyMatches); match data kept: 512
// bytes; condition evaluation: 50 million steps per rule and 4 million
// iterations per loop; expression nesting: about 10,000 parentheses
// (where libyara's parser stack ends); regex and hex group nesting: 5,000;
// strings per rule: 10,000; text strings and regular expressions: 8,190
// bytes (libyara's lexer buffer); program size 32768 instructions per
// string; ScanFile reads at most MaxFileSize (default
// 2 GiB) into memory. ScanOptions.Timeout and the context bound each scan.
package yara
