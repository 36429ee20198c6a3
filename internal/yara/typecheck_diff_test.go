package yara

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// randomCondition builds a random condition mixing integers, floats,
// strings, booleans, module objects and functions (most of it ill-typed),
// to compare what the compiler accepts with libyara.
func randomCondition(rng *rand.Rand, depth int) string {
	pick := func(p []string) string { return p[rng.Intn(len(p))] }
	ints := []string{"1", "0", "filesize", "#a", "@a[1]", "!a[1]", "uint8(0)", "pe.number_of_sections", "tests.constants.one",
		"tests.integer_array[1]", "tests.isum(1,2)", "math.max(1,2)", "tests.undefined.i", "var_one", "-1", "0x10", "(1+2)",
		"tests.integer_dict[\"x\"]", "tests.struct_array[1].i", "math.abs(-3)"}
	floats := []string{"1.5", "math.entropy(0, filesize)", "tests.fsum(1.0,2.0)", "tests.undefined.f", "math.MEAN_BYTES", `math.mean("abc")`}
	strs := []string{`"abc"`, "tests.constants.foo", "tests.string_array[0]", `tests.string_dict["foo"]`, "pe.imphash()", "tests.foobar(1)",
		"hash.md5(0, filesize)", "tests.empty()", "var_str"}
	objs := []string{"tests.constants", "tests.integer_array", "tests.struct_dict", "pe.sections", "tests.isum", "math.entropy", "tests.struct_array[0]"}
	bools := []string{"true", "false", "$a", "var_true", `tests.match(/a/, "ba") == 2`}
	if depth > 2 || rng.Intn(10) < 3 {
		switch r := rng.Intn(13); {
		case r < 5:
			return pick(ints)
		case r < 7:
			return pick(floats)
		case r < 10:
			return pick(strs)
		case r < 11:
			return pick(objs)
		default:
			return pick(bools)
		}
	}
	a, b := randomCondition(rng, depth+1), randomCondition(rng, depth+1)
	switch r := rng.Intn(20); {
	case r < 6:
		return a + " " + pick([]string{"==", "!=", "<", ">", "<=", ">="}) + " " + b
	case r < 10:
		return "(" + a + " " + pick([]string{"+", "-", "*", `\`, "%", "&", "|", "^", "<<", ">>"}) + " " + b + ")"
	case r < 12:
		if rng.Intn(4) == 0 {
			return a + " matches /ab/"
		}
		return a + " " + pick([]string{"contains", "icontains", "startswith", "endswith", "iequals"}) + " " + b
	case r < 15:
		return "(" + a + " and " + b + ")"
	case r < 17:
		return "(not " + a + ")"
	case r < 18:
		return "-" + a
	case r < 19:
		// a loop whose body is a boolean (libyara sums integer bodies)
		return "for any x in " + pick([]string{"tests.integer_array", "tests.string_array", "tests.struct_dict", "(1..3)", "pe.sections"}) + " : ( (" + a + ") == 1 )"
	}
	return "defined " + a
}

// typedCondition builds a random well-typed boolean condition over the
// same values, so that matches are compared too.
func typedCondition(rng *rand.Rand, depth int) string {
	pick := func(p []string) string { return p[rng.Intn(len(p))] }
	var num func(d int) string
	num = func(d int) string {
		if d > 2 || rng.Intn(3) == 0 {
			return pick([]string{"1", "0", "filesize", "#a", "@a[2]", "uint8(1)", "tests.constants.two", "tests.integer_array[256]",
				"tests.isum(1,2,3)", "math.min(5,2)", "tests.undefined.i", "var_one", "tests.integer_array[7]", "tests.struct_array[0].i",
				"1.5", "tests.fsum(1.0,2.0,0.5)", "math.entropy(0, filesize)", "tests.undefined.f", "tests.match(/b+c/, \"abbbc\")"})
		}
		return "(" + num(d+1) + " " + pick([]string{"+", "-", "*"}) + " " + num(d+1) + ")"
	}
	str := func() string {
		return pick([]string{`"abc"`, "tests.constants.foo", "tests.string_array[1]", `tests.string_dict["bar"]`, "tests.foobar(2)",
			"tests.empty()", "var_str", "tests.string_array[9]", `tests.string_dict["nope"]`})
	}
	if depth > 2 || rng.Intn(4) == 0 {
		switch rng.Intn(5) {
		case 0:
			return num(0) + " " + pick([]string{"==", "!=", "<", ">", "<=", ">="}) + " " + num(0)
		case 1:
			return str() + " " + pick([]string{"==", "!=", "contains", "startswith", "iequals"}) + " " + str()
		case 2:
			return str() + " matches /a|o/"
		case 3:
			return pick([]string{"$a", "true", "false", "var_true", "tests.undefined.i", "defined tests.undefined.f"})
		}
		// "for none" is left out: libyara 4.2.3 makes it true whenever
		// the loop iterates (fixed in 4.5; doc.go)
		return "for " + pick([]string{"any", "all", "2", "tests.undefined.i"}) + " x in " +
			pick([]string{"tests.integer_array : ( x == 2 )", "tests.string_array : ( x contains \"a\" )",
				"tests.struct_array : ( x.i == 1 )", "(1..3) : ( x > 1 )", "(1..tests.undefined.i) : ( true )"})
	}
	a, b := typedCondition(rng, depth+1), typedCondition(rng, depth+1)
	switch rng.Intn(3) {
	case 0:
		return "(" + a + " and " + b + ")"
	case 1:
		return "(" + a + " or " + b + ")"
	}
	return "not (" + a + ")"
}

// TestTypeCheckDifferential compiles and runs random conditions with
// libyara (VIGIE_YARA_BIN, built with its tests module as Debian's is)
// and Vigie: both must accept the same ones, and match the same.
func TestTypeCheckDifferential(t *testing.T) {
	bin := yaraBin(t)
	if bin == "" {
		t.Skip("no yara to compare with (install Debian's yara or set VIGIE_YARA_BIN)")
	}
	rng := rand.New(rand.NewSource(3))
	data := []byte("abcabcabc zz abc")
	accepted := 0
	for i := 0; i < 250; i++ {
		cond := randomCondition(rng, 0)
		if i%2 == 1 {
			// #a >= 0 references $a (an unreferenced string is an error)
			cond = "#a >= 0 and (" + typedCondition(rng, 0) + ")"
		}
		src := `import "tests" import "pe" import "math" import "hash" rule test { strings: $a = "abc" condition: ` + cond + ` }`
		want, ok := yaraRun(t, bin, src, data)
		rules, _, err := Compile([]Source{{Name: "t.yar", Data: []byte(src)}}, CompileOptions{Externals: map[string]any{"var_one": int64(1), "var_true": true, "var_str": "abc"}})
		if (err == nil) != ok {
			t.Errorf("%s: vigie compiles %v (%v), yara %v", cond, err == nil, err, ok)
			continue
		}
		if err != nil {
			continue
		}
		accepted++
		ms, err := rules.ScanBytes(context.Background(), data, ScanOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(ms) > 0; got != want {
			t.Errorf("%s: vigie matches %v, yara %v", cond, got, want)
		}
	}
	t.Logf("250 conditions, %d accepted by both", accepted)
}

// yaraRun runs libyara on one rule source with the externals of
// TestTypeCheckDifferential: whether it matched, and whether it compiled.
func yaraRun(t *testing.T, bin, src string, data []byte) (matched, compiled bool) {
	t.Helper()
	dir := t.TempDir()
	rf, df := dir+"/r.yar", dir+"/d.bin"
	os.WriteFile(rf, []byte(src), 0o644)
	os.WriteFile(df, data, 0o644)
	out, err := runCmd(bin, "-w", "-d", "var_one=1", "-d", "var_true=true", "-d", "var_str=abc", rf, df)
	if err != nil {
		return false, false
	}
	return strings.Contains(out, "test "), true
}

func runCmd(bin string, args ...string) (string, error) {
	cmd := exec.Command(bin, args...)
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s: %w", bin, err)
	}
	return string(out), nil
}
