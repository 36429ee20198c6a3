// Package yarac reads rules compiled by libyara 4.2 to 4.5's yarac (the
// arena format yr_arena_save_stream writes, versions 19 to 21) and turns
// them back into YARA source, which Vigie's compiler then compiles: `vigie
// yara -C rules.yarc` runs files users made with yarac.
//
// The file keeps everything the rules mean, in libyara's compiled form:
// the rules table (names, flags, tags, metadata, namespaces), the strings
// table (flags, literal bytes, chained parts of hex strings with their
// gaps), the regex code of hex strings and regular expressions (re.go
// decompiles libyara's forward code back into hex tokens or regexp
// syntax), the Aho-Corasick automaton (whose atoms give the key range of
// xor strings) and the condition bytecode, which cond.go runs
// symbolically: each opcode pops its operands' text and pushes the
// expression's, and loops are recognised by the fixed instruction
// sequences libyara's grammar emits around them. One decoder reads the
// three versions; what differs is in the arena's layout: YR_RULE's size
// (4.4 added a field), the condition opcodes (4.3 renumbered them from 58
// on; canonOp maps them to 4.2's), the loop sequences (4.3 compiles every
// loop, for-of included, with ITER_CONDITION and ITER_END) and the
// negated hex bytes of 4.3's regex code. The result is the rule
// set as source; names, order, namespaces, tags, metadata and string
// identifiers are kept, so matches print as `yara -C` prints them.
//
// Every input is hostile: each offset and pointer is bounds-checked
// (pointers must be relocations of the file), counts, nesting and text
// sizes are bounded, and a file this package cannot represent faithfully
// is refused with an error naming the rule and the reason: no rule is
// silently dropped or changed.
//
// # Limits
//
// Versions: arena formats 19 (yarac 4.2.x), 20 (4.3.x) and 21 (4.4.0 to
// 4.5.x), written on little-endian 64-bit hosts (x86-64, arm64; the
// structures have fixed-size fields, so the files are the same whatever
// the system); 4.0 and 4.1 write other structures and opcodes, and are
// refused naming their version. The rules run as Vigie runs source, with
// yara 4.2.3's semantics: the few cases later libyara changed (4.3: an
// undefined operand of "at" makes the expression undefined, not false;
// 4.5: \b and \B at the ends of the data) match as in 4.2.3, not as that
// version's yara -C (yarac_diff_test.go logs them). What cannot be written
// back as YARA is refused naming the rule: a string set naming some but
// not all anonymous strings (YARA's "$" in a set names all of them; a
// subset has no syntax), an xor string
// whose atoms do not give one key range, a NaN or infinite external
// float. Base64 strings come back as the regexp of their encodings
// (libyara keeps no other form), which matches the same.
// Sizes: at most yara.MaxCompiledSize bytes; regex nesting 1000;
// condition text 64 MB plus 64 bytes per byte of condition code; loops
// nested 8 deep; the automaton walk 16 M states.
package yarac
