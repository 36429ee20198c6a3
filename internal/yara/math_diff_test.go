package yara

import (
	"context"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

// mathEmptyRules checks the math module on empty input and on ranges at
// the edges of the data; each rule's outcome is compared with yara's.
const mathEmptyRules = `import "math"
import "hash"
rule ent_s { condition: math.entropy("") == 0.0 }
rule ent_d0 { condition: math.entropy(0, 0) == 0.0 }
rule ent_end_def { condition: defined math.entropy(8, 0) }
rule ent_past_def { condition: defined math.entropy(9, 1) }
rule ent_whole { condition: math.entropy(0, filesize) == 3.0 }
rule mean_s_def { condition: defined math.mean("") }
rule mean_s_nan { condition: math.mean("") != math.mean("") }
rule mean_d0_def { condition: defined math.mean(0, 0) }
rule dev_s_def { condition: defined math.deviation("", 1.0) }
rule dev_d0_def { condition: defined math.deviation(0, 0, 1.0) }
rule sc_s { condition: math.serial_correlation("") == -100000 }
rule sc_d0 { condition: math.serial_correlation(0, 0) == -100000 }
rule sc_end_def { condition: defined math.serial_correlation(8, 0) }
rule mc_s_def { condition: defined math.monte_carlo_pi("") }
rule mc_d0_def { condition: defined math.monte_carlo_pi(0, 0) }
rule cnt_d0 { condition: math.count(0x61, 0, 0) == 0 }
rule pct_d0_def { condition: defined math.percentage(0x61, 0, 0) }
rule mode_d0 { condition: math.mode(0, 0) == 0 }
rule mode_whole { condition: defined math.mode() }
rule pct_whole_def { condition: defined math.percentage(0x61) }
rule cnt_whole { condition: math.count(0x61) == 1 or filesize == 0 }
rule md5_end_def { condition: defined hash.md5(8, 0) }
rule md5_d0 { condition: hash.md5(0, 0) == "d41d8cd98f00b204e9800998ecf8427e" }
rule crc_d0_def { condition: defined hash.crc32(0, 0) }
rule md5_s { condition: hash.md5("") == "d41d8cd98f00b204e9800998ecf8427e" }
`

// TestMathEmptyInput: math.entropy("") == 0.0 is true in libyara; the
// other functions follow libyara 4.2.3 on empty input. The expectations
// hold without yara; with yara installed they are checked against it.
func TestMathEmptyInput(t *testing.T) {
	rules, _, err := Compile([]Source{{Name: "m.yar", Data: []byte(mathEmptyRules)}}, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"abcdefgh": "cnt_d0 cnt_whole crc_d0_def ent_d0 ent_s ent_whole md5_d0 md5_s mode_d0 mode_whole pct_whole_def sc_d0 sc_s",
		"":         "cnt_whole ent_s md5_s sc_s",
	}
	bin, _ := exec.LookPath("yara")
	for data, w := range want {
		ms, err := rules.ScanBytes(context.Background(), []byte(data), ScanOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, m := range ms {
			names = append(names, m.Rule)
		}
		sort.Strings(names)
		got := strings.Join(names, " ")
		if got != w {
			t.Errorf("data %q: matched %q, want %q", data, got, w)
		}
		if bin != "" {
			y, ok := yaraMatches(t, bin, mathEmptyRules, []byte(data))
			if !ok {
				t.Fatalf("yara: %s", y)
			}
			if y != got {
				t.Errorf("data %q: vigie %q, yara %q", data, got, y)
			}
		}
	}
}
