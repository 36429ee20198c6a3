package yara

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// FuzzCompile feeds arbitrary rule text to the compiler: it must return a
// rules set or a *CompileError, never panic or hang.
func FuzzCompile(f *testing.F) {
	for _, c := range scanCases {
		f.Add(c.rule)
	}
	f.Add(`rule a { strings: $a = { 4D 5A [2-] ( 00 | ?1 ) } condition: $a }`)
	f.Add(`rule a { condition: for all i in (1..3) : ( i > 0 ) }`)
	f.Add("rule a { strings: $a = /(((a)))/ condition: $a }")
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 1<<14 {
			return
		}
		_, _, err := Compile([]Source{{Name: "f.yar", Data: []byte(src)}}, CompileOptions{Externals: map[string]any{"ext_int": int64(5), "ext_str": "v", "ext_bool": true}, DisableIncludes: true})
		var ce *CompileError
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("error is not a CompileError: %v", err)
		}
	})
}

// FuzzScan compiles a rule (when valid) and scans arbitrary data with it in
// bounded time.
func FuzzScan(f *testing.F) {
	for _, c := range scanCases {
		f.Add(c.rule, []byte(c.data))
	}
	f.Fuzz(func(t *testing.T, src string, data []byte) {
		if len(src) > 1<<12 || len(data) > 1<<16 {
			return
		}
		r, _, err := Compile([]Source{{Name: "f.yar", Data: []byte(src)}}, CompileOptions{Externals: map[string]any{"ext_int": int64(5), "ext_str": "v", "ext_bool": true}, DisableIncludes: true})
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = r.ScanBytes(ctx, data, ScanOptions{Timeout: 5 * time.Second})
	})
}

// offsetConds are conditions whose offsets, counts, ranges and operands
// come from the externals x and y, so that they are evaluated at scan
// time with any int64 (the compiler folds and checks constants).
var offsetConds = []string{
	"uint8(x) == 0", "uint16(x) == 0", "uint32(x) == 0", "int8(x) == 0", "int16(x) == 0", "int32(x) == 0",
	"uint8be(x) == 0", "uint16be(x) == 0", "uint32be(x) == 0", "int16be(x) == 0", "int32be(x) == 0",
	"$a at x", "$a in (x..y)", "#a in (x..y) == 0", "@a[x] == y", "!a[x] == y", "any of them in (x..y)",
	"for any i in (x..y) : ( i == y )", "for all i in (x..y) : ( uint8(i) == 0 )", "for any i in (x, y) : ( @a[i] == 0 )",
	"x \\ y == 0", "x % y == 0", "(x << y) == 0", "(x >> y) == 0", "x + y == 0", "x - y == 0", "x * y == 0", "-x == y", "~x == y",
	"x of them", "y of ($a, $b)", "for x of them : ( @[1] == y )", "math.entropy(x, y) == 0", "math.mean(x, y) == 0",
	"math.deviation(x, y, 1.0) == 0", "math.serial_correlation(x, y) == 0", "math.monte_carlo_pi(x, y) == 0",
	"math.count(0, x, y) == 0", "math.percentage(0, x, y) == 0", "math.mode(x, y) == 0", "math.in_range(x * 1.0, y * 1.0, 1.0) == 0",
	"hash.md5(x, y) == \"\"", "hash.sha1(x, y) == \"\"", "hash.sha256(x, y) == \"\"", "hash.crc32(x, y) == 0", "hash.checksum32(x, y) == 0",
}

func offsetRules(t testing.TB) *Rules {
	var src strings.Builder
	src.WriteString("import \"math\" import \"hash\"\n")
	for i, c := range offsetConds {
		fmt.Fprintf(&src, "rule r%d { strings: $a = \"ab\" $b = { 61 [1-3] 62 } condition: (%s) or ($a and $b and false) }\n", i, c)
	}
	r, _, err := Compile([]Source{{Name: "offsets.yar", Data: []byte(src.String())}}, CompileOptions{Externals: map[string]any{"x": int64(0), "y": int64(0)}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// offsetValues are the int64 values most likely to break offset arithmetic.
var offsetValues = []int64{0, 1, 2, 3, -1, -2, 1 << 31, 1<<31 - 1, 1 << 32, math.MaxInt64, math.MaxInt64 - 1, math.MaxInt64 - 3, math.MinInt64, math.MinInt64 + 1, 63, 64, 65, -64, 100, 101}

// TestEvalExtremeOffsets evaluates every offset-taking construct with
// extreme values: each must give a result (undefined where out of range),
// never a panic or a hang; uint8(0x7FFFFFFFFFFFFFFF) used to panic.
func TestEvalExtremeOffsets(t *testing.T) {
	r := offsetRules(t)
	data := []byte("xxabyyaab.ab")
	for _, x := range offsetValues {
		for _, y := range offsetValues {
			if _, err := r.ScanBytes(context.Background(), data, ScanOptions{Externals: map[string]any{"x": x, "y": y}, Timeout: 10 * time.Second}); err != nil && !strings.Contains(err.Error(), "step limit") {
				t.Errorf("x=%d y=%d: %v", x, y, err)
			}
		}
	}
	for _, c := range []string{"uint8(0x7FFFFFFFFFFFFFFF)", "uint16(0x7FFFFFFFFFFFFFFF)", "uint32(0x7FFFFFFFFFFFFFFE)", "int32be(0x7FFFFFFFFFFFFFFF)", "uint16be(0x7FFFFFFFFFFFFFFF)"} {
		src := "rule a { condition: not defined " + c + " }"
		if got := scanNames(t, src, "abcd"); got != "a" {
			t.Errorf("%s: got %q, want undefined", c, got)
		}
	}
}

func scanNames(t *testing.T, src, data string) string {
	t.Helper()
	ms, err := compileOne(t, src).ScanBytes(context.Background(), []byte(data), ScanOptions{})
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	return matchNames(ms)
}

// FuzzEvalOffsets evaluates the offsetConds rules with arbitrary x, y and
// data.
func FuzzEvalOffsets(f *testing.F) {
	for _, v := range offsetValues {
		f.Add(v, v-1, []byte("abab"))
	}
	r := offsetRules(f)
	f.Fuzz(func(t *testing.T, x, y int64, data []byte) {
		if len(data) > 1<<12 {
			return
		}
		_, _ = r.ScanBytes(context.Background(), data, ScanOptions{Externals: map[string]any{"x": x, "y": y}, Timeout: 5 * time.Second})
	})
}
