package yara

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// rejectCases are rules libyara 4.2.3 refuses to compile; Vigie must
// refuse them too, with a message close to libyara's.
var rejectCases = []struct{ name, src, want string }{
	// rules compile as they are parsed: the first error in source order
	// is reported, as libyara does (not a later syntax error)
	{"first error in source order", "rule a { condition: nosuch }\nrule b { condition: ( }", `undefined identifier "nosuch"`},
	{"hex literal overflow", `rule a { condition: 0x8000000000000000 }`, `integer overflow in "0x8000000000000000"`},
	{"decimal literal overflow", `rule a { condition: 9223372036854775808 }`, `integer overflow in "9223372036854775808"`},
	{"regex repeat {0}", `rule a { strings: $a = /ax{0}/ condition: $a }`, `bad repeat interval`},
	{"regex repeat {0,0}", `rule a { strings: $a = /ax{0,0}/ condition: $a }`, `bad repeat interval`},
	{"regex repeat {,0}", `rule a { strings: $a = /ax{,0}/ condition: $a }`, `bad repeat interval`},
	{"octal literal overflow", `rule a { condition: 0o1000000000000000000000 }`, `integer overflow`},
	{"KB overflow", `rule a { condition: 9007199254740992KB > 0 }`, `integer overflow`},
	{"folding multiply", `rule a { condition: 0x4000000000000000 * 2 }`, `integer overflow in "4611686018427387904 * 2"`},
	{"folding negative multiply", `rule a { condition: -0x4000000000000000 * 2 == 0 }`, `integer overflow in "-4611686018427387904 * 2"`},
	{"folding add", `rule a { condition: 0x7FFFFFFFFFFFFFFF + 1 }`, `integer overflow in "9223372036854775807 + 1"`},
	{"folding sub", `rule a { condition: -9223372036854775807 - 2 }`, `integer overflow in "-9223372036854775807 - 2"`},
	{"folding nested", `rule a { condition: (0x4000000000000000 + 0) * (1 + 1) > 0 }`, `integer overflow`},
	{"negative shift left", `rule a { condition: 1 << -1 }`, `negative shift`},
	{"negative shift right", `rule a { condition: filesize >> -1 }`, `negative shift`},
	{"at string", `rule a { strings: $a = "x" condition: $a at "x" }`, `wrong type "string" for at operator`},
	{"of at string", `rule a { strings: $a = "x" condition: 1 of them at "x" }`, `wrong type "string" for at operator`},
	{"hex jump zero", `rule a { strings: $a = { 01 [0] 02 } condition: $a }`, `invalid jump length`},
	{"hex unbounded jump in alternation", `rule a { strings: $a = { 01 ( 02 [-] 03 | 04 ) 05 } condition: $a }`, `unbounded jumps not allowed inside alternation (|)`},
	{"hex open jump in alternation", `rule a { strings: $a = { 01 ( 02 [3-] 03 | 04 ) 05 } condition: $a }`, `unbounded jumps not allowed inside alternation (|)`},
	{"hex long jump in alternation", `rule a { strings: $a = { 01 ( 02 [1-300] 03 | 04 ) 05 } condition: $a }`, `jumps over 200 not allowed inside alternation (|)`},
	{"percent over 100", `rule a { strings: $a = "x" condition: 101% of them }`, `percentage must be between 1 and 100 (inclusive)`},
	{"percent zero", `rule a { strings: $a = "x" condition: 0% of them }`, `percentage must be between 1 and 100 (inclusive)`},
	{"for percent over 100", `rule a { strings: $a = "x" condition: for 200% of them : ( $ ) }`, `percentage must be between 1 and 100 (inclusive)`},
	{"enumeration mixed", `rule a { condition: for any i in ("a", 0) : ( true ) }`, `wrong type for enumeration item`},
	{"enumeration float", `rule a { condition: for any i in (1, 2.5) : ( true ) }`, `wrong type for enumeration item`},
	{"regex empty first alternative", `rule a { strings: $a = /(|abc)ef/ condition: $a }`, `empty alternative`},
	{"regex leading bar", `rule a { strings: $a = /|a/ condition: $a }`, `empty alternative`},
	{"regex empty group", `rule a { strings: $a = /a()b/ condition: $a }`, `empty alternative`},
	{"later rule in earlier wildcard", `rule r1 { condition: true } rule b { condition: any of (r*) } rule r2 { condition: true }`, `rule identifier "r2" matches previously used wildcard rule set`},
	{"modulo zero", `rule a { condition: 5 % 0 }`, `division by zero`},
	{"modulo zero runtime lhs", `rule a { condition: filesize % 0 }`, `division by zero`},
	{"division zero", `rule a { condition: 5 \ 0 }`, `division by zero`},
	{"float modulo", `rule a { condition: 1.5 % 2 }`, `wrong type "float" for % operator`},
	{"too many strings", manyStrings(10001), `too many strings in rule "a" (limit: 10000)`},
	{"long text string", `rule a { strings: $a = "` + strings.Repeat("a", 8191) + `" condition: $a }`, `text string too long`},
	{"500 KB text string", `rule a { strings: $a = "` + strings.Repeat("a", 500_000) + `" condition: $a }`, `text string too long`},
	{"long regex", `rule a { strings: $a = /` + strings.Repeat("a", 8191) + `/ condition: $a }`, `regular expression too long`},
	{"string compared to integer", `rule a { condition: filesize == "a" }`, `type mismatch`},
	{"string plus integer", `rule a { condition: "a" + 1 == 2 }`, `type mismatch`},
	{"string plus string", `rule a { condition: "a" + "b" == "ab" }`, `strings don't support "+" operation`},
	{"contains integer", `rule a { condition: "a" contains 1 }`, `wrong type "integer" for contains operator`},
	{"integer matches", `rule a { condition: filesize matches /a/ }`, `wrong type "integer" for matches operator`},
	{"negated string", `rule a { condition: -"a" }`, `wrong type "string" for - operator`},
	{"bitwise float", `rule a { condition: 1 & 2.0 }`, `wrong type "float" for & operator`},
	{"range variable compared to string", `rule a { condition: for any i in (1..2) : ( i == "foo" ) }`, `type mismatch`},
	{"module field type", `import "pe" rule a { condition: pe.number_of_sections == "a" }`, `type mismatch`},
	{"module array with two variables", `import "pe" rule a { condition: for any k,v in pe.sections : ( false ) }`, `yields a single item on each iteration, but the loop expects 2`},
	{"module dictionary with one variable", `import "pe" rule a { condition: for any i in pe.version_info : ( false ) }`, `yields a key,value pair item on each iteration`},
	{"module item field type", `import "pe" rule a { condition: for any s in pe.sections : ( s.name == 1 ) }`, `type mismatch`},
	{"module structure as value", `import "pe" rule a { condition: pe.sections }`, `wrong usage of identifier "sections"`},
	{"tests array with two variables", `import "tests" rule a { condition: for any k,v in tests.integer_array : ( false ) }`, `yields a single item`},
	{"tests dictionary with three variables", `import "tests" rule a { condition: for any a,b,c in tests.struct_dict : ( false ) }`, `yields a key,value pair`},
	{"tests integer item compared to string", `import "tests" rule a { condition: for any i in tests.integer_array : ( i == "foo" ) }`, `type mismatch`},
	{"tests unknown field", `import "tests" rule a { condition: tests.nosuch == 1 }`, `invalid field name "nosuch"`},
	{"tests wrong argument types", `import "tests" rule a { condition: tests.fsum(1, 2) == 3 }`, `wrong arguments for function "fsum"`},
	{"tests dictionary integer key", `import "tests" rule a { condition: tests.string_dict[1] == "a" }`, `dictionary keys must be of string type`},
	{"tests array string index", `import "tests" rule a { condition: tests.integer_array["a"] == 1 }`, `array indexes must be of integer type`},
	{"math integer arguments for floats", `import "math" rule a { condition: math.in_range(1, 2, 3) }`, `wrong arguments for function "in_range"`},
	{"math to_number of integer", `import "math" rule a { condition: math.to_number(filesize) == 1 }`, `wrong arguments for function "to_number"`},
	{"hash one integer", `import "hash" rule a { condition: hash.md5(0) == "" }`, `wrong arguments for function "md5"`},
	{"pe three arguments", `import "pe" rule a { condition: pe.exports(1, 2, 3) }`, `wrong arguments for function "exports"`},
	{"pe string result compared to integer", `import "pe" rule a { condition: pe.imphash() == 1 }`, `type mismatch`},
	{"pe function as value", `import "pe" rule a { condition: pe.is_dll }`, `wrong usage of identifier "is_dll"`},
	{"pe unknown function", `import "pe" rule a { condition: pe.nosuchfunc(1) }`, `invalid field name "nosuchfunc"`},
	{"pe unknown item field", `import "pe" rule a { condition: pe.sections[0].nosuch == 1 }`, `invalid field name "nosuch"`},
	{"pe item function argument", `import "pe" rule a { condition: for any s in pe.signatures : ( s.valid_on("a") ) }`, `wrong arguments for function "valid_on"`},
	{"elf unknown field", `import "elf" rule a { condition: elf.nosuch }`, `invalid field name "nosuch"`},
	{"console two integers", `import "console" rule a { condition: console.log(1, 2) }`, `wrong arguments for function "log"`},
	{"boolean in comparison", `rule a { strings: $a = "x" condition: $a == 1 }`, `wrong type "boolean" for == operator`},
	{"boolean in arithmetic", `rule a { condition: (1 < 2) + 1 > 0 }`, `wrong type "boolean" for + operator`},
	{"boolean in bitwise", `rule a { strings: $a = "x" condition: ($a & 1) }`, `wrong type "boolean" for & operator`},
	{"boolean contains", `rule a { condition: true contains "a" }`, `wrong type "boolean" for contains operator`},
	{"negated boolean", `rule a { condition: -(1 < 2) }`, `wrong type "boolean" for - operator`},
	{"string offset to uint8", `rule a { condition: uint8("a") == 0 }`, `wrong type "string" for uint8`},
	{"greedy and lazy mixed", `rule a { strings: $a = /a+b*?/ condition: $a }`, `greedy and ungreedy quantifiers can't be mixed`},
	{"greedy range and lazy star", `rule a { strings: $a = /a{2}c*?/ condition: $a }`, `greedy and ungreedy quantifiers can't be mixed`},
	{"long meta", `rule a { meta: m = "` + strings.Repeat("a", 9000) + `" condition: true }`, `text string too long`},
}

func manyStrings(n int) string {
	var b strings.Builder
	b.WriteString("rule a { strings: ")
	for i := 0; i < n; i++ {
		b.WriteString("$s" + itoa(i) + " = \"str" + itoa(i) + "\" ")
	}
	b.WriteString("condition: any of them }")
	return b.String()
}

// acceptCases are rules libyara 4.2.3 compiles that Vigie once refused.
var acceptCases = []struct{ name, src string }{
	{"10000 strings", manyStrings(10000)},
	{"8190-byte text string", `rule a { strings: $a = "` + strings.Repeat("a", 8190) + `" condition: $a }`},
	{"1000 nested parentheses", `rule a { condition: ` + strings.Repeat("(", 1000) + "true" + strings.Repeat(")", 1000) + ` }`},
	{"5000 nested parentheses", `rule a { condition: ` + strings.Repeat("(", 5000) + "true" + strings.Repeat(")", 5000) + ` }`},
	{"2000 nots", `rule a { condition: ` + strings.Repeat("not ", 2000) + `true }`},
	{"3000 and", `rule a { condition: true` + strings.Repeat(" and true", 3000) + ` }`},
	{"regex 1000 nested groups", `rule a { strings: $a = /x` + strings.Repeat("(", 1000) + "a" + strings.Repeat(")", 1000) + `/ condition: $a }`},
	{"hex 1000 nested groups", `rule a { strings: $a = { 61 ` + strings.Repeat("( ", 1000) + "61" + strings.Repeat(" )", 1000) + ` } condition: $a }`},
	{"regex empty last alternative", `rule a { strings: $a = /(abc|)ef/ condition: $a }`},
	{"regex empty middle alternative", `rule a { strings: $a = /a||b/ condition: $a }`},
	{"hex jump 0-0", `rule a { strings: $a = { 01 [0-0] 02 } condition: $a }`},
	{"hex short jump in alternation", `rule a { strings: $a = { 01 ( 02 [1-200] 03 | 04 ) 05 } condition: $a }`},
	{"shift by 64", `rule a { condition: (1 << 64) == 0 }`},
	{"negation wraps", `rule a { condition: -(-9223372036854775807-1) == 1 }`},
	{"rule set wildcard before unrelated rule", `rule r1 { condition: true } rule b { condition: any of (r*) } rule x2 { condition: true }`},
	{"float division by zero", `rule a { condition: 1.5 \ 0 == 0 }`},
	{"module fields typed", `import "pe" rule a { condition: pe.exports("a") and pe.sections[0].name == ".text" and pe.version_info["a"] == "b" and pe.number_of_sections + 1 > 2 }`},
	{"module functions typed", `import "pe" import "math" import "hash" import "console" import "macho" rule a { condition: pe.imports("a", "b") or pe.imports(/a/, /b/) or pe.imports(pe.IMPORT_ANY, "a", 1) or pe.exports(/x/) or pe.rich_signature.version(1) or pe.rich_signature.toolid(1, 2) or pe.is_dll() or pe.imphash() == "x" or pe.section_index(".text") == 0 or math.in_range(math.entropy(0, filesize), 7.0, 8.0) or math.to_number(filesize > 1) == 1 or math.count(0x41) >= 0 or math.mode() >= 0 or hash.md5(0, filesize) == "x" or hash.crc32("a") == 1 or console.log("a", 1) or console.hex(1) or macho.entry_point_for_arch(1, 2) == 0 or for any s in pe.signatures : ( s.valid_on(0) ) }`},
	{"lazy only", `rule a { strings: $a = /a+?b*?c??/ condition: $a }`},
	{"greedy and lazy in matches", `rule a { condition: "ab" matches /a+b*?/ }`},
	{"mixed numbers", `rule a { condition: 1 + 1.5 > 2 and 5 % 2 == 1 and "ab" contains "a" and -filesize < 0 }`},
	{"tests loops", `import "tests" rule a { condition: for any k,v in tests.struct_dict : ( k == "foo" and v.s == "foo" and v.i == 1 ) and for any s in tests.string_array : ( s == "bar" ) }`},
}

// TestCompileRejects checks each rejectCases rule fails to compile with
// the expected message, and (with VIGIE_YARA_BIN) that libyara also
// rejects it; acceptCases must compile in both.
func TestCompileRejects(t *testing.T) {
	bin := yaraBin(t)
	yaraOK := func(src string) (bool, string) {
		dir := t.TempDir()
		rf := filepath.Join(dir, "r.yar")
		os.WriteFile(rf, []byte(src), 0o644)
		out, err := exec.Command(bin, "-w", rf, rf).CombinedOutput()
		return err == nil, string(out)
	}
	for _, c := range rejectCases {
		_, _, err := Compile([]Source{{Name: "test.yar", Data: []byte(c.src)}}, CompileOptions{})
		var ce *CompileError
		switch {
		case err == nil:
			t.Errorf("%s: compiled, want error %q", c.name, c.want)
		case !errors.As(err, &ce):
			t.Errorf("%s: %v is not a *CompileError", c.name, err)
		case !strings.Contains(err.Error(), c.want):
			t.Errorf("%s:\n got %v\nwant %s", c.name, err, c.want)
		}
		if bin != "" {
			if ok, _ := yaraOK(c.src); ok {
				t.Errorf("%s: libyara accepts it", c.name)
			}
		}
	}
	for _, c := range acceptCases {
		if _, _, err := Compile([]Source{{Name: "test.yar", Data: []byte(c.src)}}, CompileOptions{}); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if bin != "" {
			if ok, out := yaraOK(c.src); !ok {
				t.Errorf("%s: libyara rejects it: %s", c.name, out)
			}
		}
	}
}

// TestFieldExtensions checks that the module fields Vigie binds beyond
// libyara 4.2.3's declarations (fieldExtensions) compile.
func TestFieldExtensions(t *testing.T) {
	src := `import "pe" rule a { condition: pe.is_signed or for any d in pe.delayed_import_details : ( d.library_name == "x" ) }`
	if _, _, err := Compile([]Source{{Name: "t.yar", Data: []byte(src)}}, CompileOptions{}); err != nil {
		t.Error(err)
	}
}

// TestDotStarWarning checks libyara's warning for a dot repeated without
// bound in a regex string (yr_re_ast_has_unbounded_quantifier_for_dot),
// and that bounded or non-dot repeats do not warn.
func TestDotStarWarning(t *testing.T) {
	cases := []struct {
		re   string
		warn bool
	}{
		{`abcd.*efgh`, true}, {`abcd.+efgh`, true}, {`abcd.{1,}efgh`, true}, {`abcd.{10,}efgh`, true},
		{`abcd.*?efgh`, true}, {`abcd.{0,10}efgh`, false}, {`abcd[a-z]*efgh`, false}, {`abcd\.*efgh`, false}, {`abcdx+efgh`, false},
	}
	for _, c := range cases {
		src := `rule test { strings: $a = /` + c.re + `/ condition: $a }`
		_, warns, err := Compile([]Source{{Name: "t.yar", Data: []byte(src)}}, CompileOptions{})
		if err != nil {
			t.Fatalf("%s: %v", c.re, err)
		}
		got := false
		for _, w := range warns {
			if strings.Contains(w.Msg, "$a contains .*, .+ or .{x,}") {
				got = true
			}
		}
		if got != c.warn {
			t.Errorf("/%s/: warning %v, want %v (%v)", c.re, got, c.warn, warns)
		}
	}
}
