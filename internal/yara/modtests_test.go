package yara

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// testsModuleCases are libyara's own test-rules.c cases on its "tests"
// module (libyara/modules/tests/tests.c, v4.2.3): constants, undefined
// values, sparse arrays, dictionaries, structure arrays and functions.
var testsModuleCases = []struct {
	cond string
	want bool
}{
	{`tests.constants.one + 1 == tests.constants.two`, true},
	{`tests.constants.foo == "foo"`, true},
	{`tests.constants.empty == ""`, true},
	{`tests.empty() == ""`, true},
	{`tests.struct_array[1].i == 1`, true},
	{`tests.struct_array[0].i == 1 or true`, true},
	{`tests.struct_array[0].i == 1`, false},
	{`tests.integer_array[0] == 0 and tests.integer_array[1] == 1 and tests.integer_array[256] == 256`, true},
	{`tests.integer_array[5] == 5`, false},
	{`tests.string_array[0] == "foo" and tests.string_array[2] == "baz"`, true},
	{`tests.string_array[3] == "foo\x00bar"`, true},
	{`tests.string_dict["foo"] == "foo" and tests.string_dict["bar"] == "bar"`, true},
	{`not tests.string_dict["undefined"] matches /foo/`, false},
	{`tests.isum(1,2) == 3 and tests.isum(1,2,3) == 6`, true},
	{`tests.fsum(1.0,2.0) == 3.0 and tests.fsum(1.0,2.0,3.0) == 6.0`, true},
	{`tests.isum(1,1) == 3`, false},
	{`tests.foobar(1) == "foo" and tests.foobar(2) == "bar" and tests.foobar(3) == "oops"`, true},
	{`tests.length("dummy") == 5`, true},
	{`tests.length(tests.string_array[3]) == 3`, true},
	{`tests.match(/foo/,"foo") == 3 and tests.match(/foo/,"bar") == -1`, true},
	{`tests.match(/foo.bar/i,"FOO\nBAR") == -1 and tests.match(/foo.bar/is,"FOO\nBAR") == 7`, true},
	{`tests.match(/b+/,"aabbbc") == 5`, true},
	{`tests.undefined.i`, false},
	{`not tests.undefined.i`, false},
	{`tests.undefined.i or true`, true},
	{`not (tests.undefined.i and true)`, true},
	{`tests.isum(tests.undefined.i, 1) == 1`, false},
	{`for any item in tests.struct_array : ( item.i == 1 )`, true},
	{`for any item in tests.integer_array : ( item == 2 )`, true},
	{`for any item in tests.string_array : ( item == "bar" )`, true},
	{`for any k,v in tests.empty_struct_dict : ( true )`, false},
	{`for any k,v in tests.struct_dict : ( k == "foo" and v.s == "foo" and v.i == 1 )`, true},
	{`for any item in tests.empty_struct_array[0].struct_array : ( item.unused == "foo" )`, false},
	{`for all i in (1..tests.undefined.i) : ( true )`, false},
}

// TestTestsModule checks the tests module's values and functions, and
// with VIGIE_YARA_BIN that libyara (built with the module, as Debian's
// is) agrees.
func TestTestsModule(t *testing.T) {
	bin := yaraBin(t)
	for _, c := range testsModuleCases {
		src := `import "tests" rule test { condition: ` + c.cond + ` }`
		rules, _, err := Compile([]Source{{Name: "t.yar", Data: []byte(src)}}, CompileOptions{})
		if err != nil {
			t.Errorf("%s: %v", c.cond, err)
			continue
		}
		ms, err := rules.ScanBytes(context.Background(), []byte("dummy"), ScanOptions{})
		if err != nil {
			t.Fatalf("%s: %v", c.cond, err)
		}
		if got := len(ms) > 0; got != c.want {
			t.Errorf("%s: match %v, want %v", c.cond, got, c.want)
		}
		if bin != "" {
			got, ok := yaraMatches(t, bin, src, []byte("dummy"))
			if !ok {
				t.Errorf("%s: yara failed: %s", c.cond, got)
			} else if (got == "test") != c.want {
				t.Errorf("%s: yara matches %v, table says %v", c.cond, got == "test", c.want)
			}
		}
	}
}

// TestTestsModuleDump compares the tests module's -D output with yara's
// (an undefined float prints as "nan" there).
func TestTestsModuleDump(t *testing.T) {
	src := `import "tests" rule test { condition: true }`
	rules, _, err := Compile([]Source{{Name: "t.yar", Data: []byte(src)}}, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := rules.DumpModules(&b, []byte("dummy"), rules.ImportedModules()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\t\tf = nan\n") {
		t.Errorf("undefined float not printed as nan:\n%s", b.String())
	}
	bin, err := exec.LookPath("yara")
	if err != nil {
		t.Skip("yara is not installed: module data not compared")
	}
	dir := t.TempDir()
	rf, df := filepath.Join(dir, "r.yar"), filepath.Join(dir, "d")
	os.WriteFile(rf, []byte(src), 0o644)
	os.WriteFile(df, []byte("dummy"), 0o644)
	out, err := exec.Command(bin, "-D", rf, df).Output()
	if err != nil {
		t.Fatal(err)
	}
	want := strings.TrimSuffix(string(out), "test "+df+"\n")
	if b.String() != want {
		t.Errorf("-D differs from yara's\nvigie:\n%s\nyara:\n%s", b.String(), want)
	}
}
