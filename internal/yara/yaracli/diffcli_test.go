package yaracli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// yaraBin returns the path of Debian's yara (4.2.3), or skips the test.
func yaraBin(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("yara")
	if err != nil {
		t.Skip("yara is not installed (apt-get install yara): differential test skipped")
	}
	return p
}

// runYara runs the real yara and returns stdout, stderr and its exit code.
func runYara(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(yaraBin(t), args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// runVigie compiles ruleFile and runs Run with o; the exit code is the one
// `vigie yara` gives (0, or 1 for any error, as yara).
func runVigie(t *testing.T, ruleFile, target string, o Options) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	rules, err := Prepare([]string{ruleFile}, o, &out, &errb)
	if err != nil {
		return out.String(), err.Error(), 1
	}
	if _, err := Run(context.Background(), rules, target, o, &out, &errb); err != nil {
		return out.String(), errb.String(), 1
	}
	return out.String(), errb.String(), 0
}

// TestDiffCLIOutput compares `vigie yara` output with yara 4.2.3's, byte
// for byte, on the cases where they used to differ.
func TestDiffCLIOutput(t *testing.T) {
	yaraBin(t)
	dir := t.TempDir()
	data := append([]byte("abc abc abc a\x00b\x00A"), bytes.Repeat([]byte("z"), 80)...)
	data = append(data, 'B')
	data = append(data, bytes.Repeat([]byte("q"), 520)...)
	data = append(data, "xa\x00b\x00 a\x00\x00"...)
	target := filepath.Join(dir, "s.bin")
	os.WriteFile(target, data, 0o644)
	rules := filepath.Join(dir, "r.yar")
	os.WriteFile(rules, []byte(`
rule at_only { strings: $x = "abc" condition: $x at 4 }
rule at_and_count { strings: $x = "abc" condition: $x at 4 and #x > 1 }
rule at_two_offsets { strings: $x = "abc" condition: $x at 4 or $x at 8 }
rule at_hex_literal { strings: $x = { 61 62 63 } condition: $x at 8 }
rule ascii_wide { strings: $y = "a" wide ascii condition: $y }
rule ascii_wide2 { strings: $y = "ab" ascii wide condition: $y }
rule anonymous_ascii_wide { strings: $ = "abc" ascii wide $ = "abc abc" ascii wide condition: all of them }
rule ascii_wide_regex { strings: $a = /a/ wide ascii condition: $a }
rule ascii_wide_nocase { strings: $a = "A" nocase wide ascii condition: $a }
rule ascii_wide_class { strings: $a = /a[^b]/ wide ascii condition: $a }
rule ascii_wide_fullword { strings: $a = "a" fullword wide ascii condition: $a }
rule long_hex { strings: $h = { 41 [0-100] 42 } condition: $h }
rule long_regex { strings: $r = /q+/ condition: $r }
rule metas : t1 t2 { meta: a = "caf\xc3\xa9 'x' \"y\" \\ \t\n\x01\x7f" b = -3 c = true condition: true }
rule never { condition: false }
rule strings_but_false { strings: $a = "abc" $b = "zzz" condition: ($a or $b) and filesize > 100000000 }
rule at_only_false { strings: $x = "abc" condition: $x at 4 and filesize > 100000000 }
private rule priv { condition: true }
`), 0o644)
	cases := []struct {
		name  string
		flags []string
		o     Options
	}{
		{"strings", []string{"-s"}, Options{PrintStrings: true}},
		{"strings_length", []string{"-s", "-L"}, Options{PrintStrings: true, PrintLength: true}},
		{"meta_tags_ns", []string{"-m", "-g", "-e"}, Options{PrintMeta: true, PrintTags: true, PrintNS: true}},
		{"negate", []string{"-n"}, Options{Negate: true}},
		{"negate_count", []string{"-n", "-c"}, Options{Negate: true, Count: true}},
		{"count_tag", []string{"-c", "-t", "t1"}, Options{Count: true, Tags: []string{"t1"}}},
		{"count_identifier", []string{"-c", "-i", "never"}, Options{Count: true, Identifiers: []string{"never"}}},
		{"max_rules", []string{"-l", "2"}, Options{MaxRules: 2}},
		{"max_rules_negate", []string{"-n", "-l", "1"}, Options{Negate: true, MaxRules: 1}},
		{"negate_strings", []string{"-n", "-s", "-L"}, Options{Negate: true, PrintStrings: true, PrintLength: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			args := append(append([]string{"-w"}, c.flags...), rules, target)
			wantOut, wantErr, wantCode := runYara(t, args...)
			if wantCode != 0 {
				t.Fatalf("yara failed on the test rules: %s", wantErr)
			}
			c.o.NoWarnings = true
			gotOut, gotErr, gotCode := runVigie(t, rules, target, c.o)
			if gotOut != wantOut || gotCode != wantCode {
				t.Errorf("yara %s: vigie exit %d, yara exit %d; stderr %q\n%s", strings.Join(args, " "), gotCode, wantCode, gotErr, lineDiff(gotOut, wantOut))
			}
		})
	}
}

// TestDiffCLIConsole compares the console module's messages (yara prints
// them after the module data and before the rules' output).
func TestDiffCLIConsole(t *testing.T) {
	yaraBin(t)
	dir := t.TempDir()
	target := filepath.Join(dir, "s.bin")
	os.WriteFile(target, []byte("abc abc"), 0o644)
	rules := filepath.Join(dir, "r.yar")
	os.WriteFile(rules, []byte(`import "console"
import "math"
rule logs { strings: $a = "abc" condition: console.log("count ", #a) and console.hex("hex ", -1) and console.hex(255) and console.log("s\x01\xff") and console.log(1.5) and console.log("f", math.entropy(0, filesize)) and console.log("p\x00q", "r") }
rule undefined_arg { condition: console.log(math.mean(0, 0)) or true }
rule second { condition: console.log("second") and filesize > 1 }
`), 0o644)
	for _, c := range []struct {
		flags []string
		o     Options
	}{{nil, Options{}}, {[]string{"-D"}, Options{ModuleData: true}}} {
		args := append(append([]string{"-w"}, c.flags...), rules, target)
		wantOut, wantErr, wantCode := runYara(t, args...)
		if wantCode != 0 {
			t.Fatalf("yara failed on the test rules: %s", wantErr)
		}
		c.o.NoWarnings = true
		gotOut, gotErr, gotCode := runVigie(t, rules, target, c.o)
		if gotOut != wantOut || gotCode != wantCode {
			t.Errorf("yara %s: vigie exit %d, yara exit %d; stderr %q\n%s", strings.Join(args, " "), gotCode, wantCode, gotErr, lineDiff(gotOut, wantOut))
		}
	}
}

// TestDiffCLIModuleData compares -x: the tests module reads its data
// (tests.module_data), in conditions and in -D.
func TestDiffCLIModuleData(t *testing.T) {
	yaraBin(t)
	dir := t.TempDir()
	target, md, rules := filepath.Join(dir, "s.bin"), filepath.Join(dir, "md"), filepath.Join(dir, "r.yar")
	os.WriteFile(target, []byte("abc"), 0o644)
	os.WriteFile(md, []byte("hello\x00world"), 0o644)
	os.WriteFile(rules, []byte(`import "tests"
rule data { condition: tests.module_data == "hello\x00world" }
rule length { condition: tests.length(tests.module_data) == 5 }
`), 0o644)
	for _, c := range []struct {
		flags []string
		o     Options
	}{
		{[]string{"-x", "tests=" + md}, Options{ModuleDataFiles: []string{"tests=" + md}}},
		{[]string{"-D", "-x", "tests=" + md}, Options{ModuleData: true, ModuleDataFiles: []string{"tests=" + md}}},
		{nil, Options{}},
	} {
		args := append(append([]string{"-w"}, c.flags...), rules, target)
		wantOut, wantErr, wantCode := runYara(t, args...)
		if wantCode != 0 {
			t.Fatalf("yara failed on the test rules: %s", wantErr)
		}
		c.o.NoWarnings = true
		gotOut, gotErr, gotCode := runVigie(t, rules, target, c.o)
		if gotOut != wantOut || gotCode != wantCode {
			t.Errorf("yara %s: vigie exit %d, yara exit %d; stderr %q\n%s", strings.Join(args, " "), gotCode, wantCode, gotErr, lineDiff(gotOut, wantOut))
		}
	}
}

// TestDiffCLIDirectory compares directory and scan-list runs (one thread,
// output sorted: the directory order differs) and their exit codes.
func TestDiffCLIDirectory(t *testing.T) {
	yaraBin(t)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "d", "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "d", "a.txt"), []byte("needle"), 0o644)
	os.WriteFile(filepath.Join(dir, "d", "b.txt"), []byte("nothing"), 0o644)
	os.WriteFile(filepath.Join(dir, "d", "sub", "c.txt"), []byte("a needle"), 0o644)
	os.WriteFile(filepath.Join(dir, "d", "big.txt"), bytes.Repeat([]byte("needle"), 100), 0o644)
	// a link to a directory elsewhere (yara -r follows it, -N does not),
	// a link to a file and a link to "."
	os.MkdirAll(filepath.Join(dir, "other"), 0o755)
	os.WriteFile(filepath.Join(dir, "other", "o.txt"), []byte("needle in other"), 0o644)
	os.Symlink(filepath.Join(dir, "other"), filepath.Join(dir, "d", "linkdir"))
	os.Symlink(filepath.Join(dir, "other", "o.txt"), filepath.Join(dir, "d", "linkfile"))
	os.Symlink(".", filepath.Join(dir, "d", "dot"))
	rules := filepath.Join(dir, "r.yar")
	os.WriteFile(rules, []byte(`rule hit { strings: $a = "needle" condition: $a }
rule other { condition: filesize < 8 }`), 0o644)
	list := filepath.Join(dir, "list.txt")
	os.WriteFile(list, []byte(filepath.Join(dir, "d", "a.txt")+"\n"+filepath.Join(dir, "d", "missing.txt")+"\n"+filepath.Join(dir, "d", "sub")+"\n"), 0o644)
	d := filepath.Join(dir, "d")
	cases := []struct {
		name   string
		flags  []string
		target string
		o      Options
	}{
		{"dir", nil, d, Options{}},
		{"dir_recursive_count", []string{"-r", "-c"}, d, Options{Recursive: true, Count: true}},
		{"dir_negate_count", []string{"-r", "-n", "-c"}, d, Options{Recursive: true, Negate: true, Count: true}},
		{"dir_trailing_slash", []string{"-r"}, d + "/", Options{Recursive: true}},
		{"dir_no_follow", []string{"-r", "-N"}, d, Options{Recursive: true, NoFollowLinks: true}},
		{"skip_larger", []string{"-r", "-z", "100"}, d, Options{Recursive: true, SkipLarger: 100}},
		{"scan_list", []string{"--scan-list"}, list, Options{ScanList: true}},
		{"scan_list_dir", []string{"--scan-list"}, d, Options{ScanList: true}},
		{"missing_file", nil, filepath.Join(dir, "nope"), Options{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			args := append(append([]string{"-p", "1"}, c.flags...), rules, c.target)
			wantOut, wantErr, wantCode := runYara(t, args...)
			c.o.Threads = 1
			gotOut, gotErr, gotCode := runVigie(t, rules, c.target, c.o)
			if sortLines(gotOut) != sortLines(wantOut) || gotCode != wantCode || sortLines(gotErr) != sortLines(wantErr) {
				t.Errorf("yara %s: vigie exit %d, yara exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), gotCode, wantCode, lineDiff(sortLines(gotOut), sortLines(wantOut)), lineDiff(sortLines(gotErr), sortLines(wantErr)))
			}
		})
	}
}

func sortLines(s string) string { return sortBlocks(s) }

// lineDiff lists the first lines that differ (vigie "-", yara "+").
func lineDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(g), len(w)) && shown < 8; i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			fmt.Fprintf(&b, "line %d:\n- %.200s\n+ %.200s\n", i+1, gl, wl)
			shown++
		}
	}
	return b.String()
}

// TestDiffModuleData compares -D with yara's for the modules whose data
// does not depend on a PE (elf on this test's own executable, math, hash,
// time, console).
func TestDiffModuleData(t *testing.T) {
	yaraBin(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	text := filepath.Join(dir, "t.txt")
	os.WriteFile(text, []byte("not an executable"), 0o644)
	for _, c := range []struct{ mod, target string }{
		{"elf", exe}, {"elf", text}, {"math", text}, {"hash", text}, {"time", text}, {"console", text},
		{"math hash elf", text}, {"time pe", text},
	} {
		t.Run(strings.ReplaceAll(c.mod, " ", "_")+"_"+filepath.Base(c.target), func(t *testing.T) {
			t.Parallel()
			rules := filepath.Join(dir, strings.ReplaceAll(c.mod, " ", "_")+".yar")
			var src string
			for _, m := range strings.Fields(c.mod) {
				src += "import \"" + m + "\"\n"
			}
			os.WriteFile(rules, []byte(src+"rule r { condition: true }\n"), 0o644)
			wantOut, _, wantCode := runYara(t, "-D", rules, c.target)
			gotOut, gotErr, gotCode := runVigie(t, rules, c.target, Options{ModuleData: true})
			if gotOut != wantOut || gotCode != wantCode {
				t.Errorf("yara -D: vigie exit %d, yara exit %d; stderr %q\n%s", gotCode, wantCode, gotErr, lineDiff(gotOut, wantOut))
			}
		})
	}
}

// TestDiffCLIFlags compares the exit code (and stdout) of yara and vigie
// for the flags that check the command line or the rules.
func TestDiffCLIFlags(t *testing.T) {
	yaraBin(t)
	dir := t.TempDir()
	target := filepath.Join(dir, "f.txt")
	os.WriteFile(target, []byte("abc"), 0o644)
	plain := filepath.Join(dir, "plain.yar")
	os.WriteFile(plain, []byte(`rule a { strings: $a = "abc" condition: $a }`), 0o644)
	slow := filepath.Join(dir, "slow.yar")
	os.WriteFile(slow, []byte(`rule slow { strings: $a = /[a-z]+/ condition: $a }`), 0o644)
	three := filepath.Join(dir, "three.yar")
	os.WriteFile(three, []byte(`rule three { strings: $a = "abc" $b = "bcd" $c = "cde" condition: any of them }`), 0o644)
	table := filepath.Join(dir, "aqt.bin")
	os.WriteFile(table, []byte("abcd\x10abce\x20"), 0o644)
	cases := []struct {
		name  string
		flags []string
		rules string
		o     Options
	}{
		{"fail_on_warnings", []string{"--fail-on-warnings"}, slow, Options{FailOnWarn: true}},
		{"fail_on_warnings_no_warnings", []string{"--fail-on-warnings", "-w"}, slow, Options{FailOnWarn: true, NoWarnings: true}},
		{"max_strings_over", []string{"--max-strings-per-rule=2"}, three, Options{MaxStringsPerRule: 2}},
		{"max_strings_at", []string{"--max-strings-per-rule=3"}, three, Options{MaxStringsPerRule: 3}},
		{"module_data_syntax", []string{"-x", "cuckoo"}, plain, Options{ModuleDataFiles: []string{"cuckoo"}}},
		{"module_data_missing", []string{"-x", "cuckoo=" + filepath.Join(dir, "nope")}, plain, Options{ModuleDataFiles: []string{"cuckoo=" + filepath.Join(dir, "nope")}}},
		{"module_data_ok", []string{"-x", "pe=" + target}, plain, Options{ModuleDataFiles: []string{"pe=" + target}}},
		{"atom_quality_table", []string{"--atom-quality-table=" + table}, plain, Options{AtomQualityTable: table}},
		{"atom_quality_table_missing", []string{"--atom-quality-table=" + filepath.Join(dir, "nope")}, plain, Options{AtomQualityTable: filepath.Join(dir, "nope")}},
		{"stack_size", []string{"-k", "100"}, plain, Options{StackSize: 100}},
		{"threads_over_max", []string{"-p", "33"}, plain, Options{Threads: 33}},
		{"threads_max", []string{"-p", "32"}, plain, Options{Threads: 32}},
		{"max_process_memory_chunk", []string{"--max-process-memory-chunk=4096"}, plain, Options{MaxProcessMemoryChunk: 4096}},
		{"compiled_two_files", []string{"-C", plain}, plain, Options{Compiled: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			args := append(append([]string{}, c.flags...), c.rules, target)
			wantOut, wantErr, wantCode := runYara(t, args...)
			gotOut, gotErr, gotCode := runVigie(t, c.rules, target, c.o)
			if gotOut != wantOut || gotCode != wantCode {
				t.Errorf("yara %s: vigie exit %d out %q err %q; yara exit %d out %q err %q", strings.Join(args, " "), gotCode, gotOut, gotErr, wantCode, wantOut, wantErr)
			}
		})
	}
}

func TestStats(t *testing.T) {
	rules, err := Compile([]string{"testdata/rules.yar"}, nil, true, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	PrintStats(&b, rules)
	for _, want := range []string{"number of rules                    : ", "number of strings                  : "} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("-S output lacks %q:\n%s", want, b.String())
		}
	}
	if n := rules.Stats().Rules; n != len(rules.RuleInfos()) || n == 0 {
		t.Errorf("Stats().Rules = %d, want %d", n, len(rules.RuleInfos()))
	}
}

// TestYaracFile: -C loads a file compiled by libyara's yarac (made here
// by yarac when installed, else the shipped testdata/rules.yarc) with the
// same output as yara -C; a file of another arena version, or a corrupt
// one, fails with a message naming the file and the problem.
func TestYaracFile(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "r.yar")
	os.WriteFile(src, []byte(`rule a { strings: $a = "hello" condition: $a }`), 0o644)
	target := filepath.Join(dir, "t.txt")
	os.WriteFile(target, []byte("say hello"), 0o644)
	compiled := filepath.Join(dir, "r.yarc")
	want := "a " + target + "\n"
	if p, err := exec.LookPath("yarac"); err == nil {
		if out, err := exec.Command(p, src, compiled).CombinedOutput(); err != nil {
			t.Fatalf("yarac: %v %s", err, out)
		}
	} else {
		b, err := os.ReadFile("testdata/rules.yarc")
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(compiled, b, 0o644)
		fresh, err := Compile([]string{"testdata/rules.yar"}, nil, true, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		var o bytes.Buffer
		if _, err := Run(context.Background(), fresh, target, Options{}, &o, io.Discard); err != nil {
			t.Fatal(err)
		}
		want = o.String()
	}
	var out, errb bytes.Buffer
	rules, err := Prepare([]string{compiled}, Options{Compiled: true}, &out, &errb)
	if err != nil {
		t.Fatalf("-C on a yarac file: %v", err)
	}
	if _, err := Run(context.Background(), rules, target, Options{}, &out, &errb); err != nil || out.String() != want {
		t.Errorf("-C on a yarac file: %q %v, want %q", out.String(), err, want)
	}
	// as yara -C: a -d must name an external variable of the rules
	if _, err := Load("testdata/rules.yarc", []string{"foo=1"}); err == nil || !strings.Contains(err.Error(), "foo") || !strings.Contains(err.Error(), "rules.yarc") {
		t.Errorf("-d of an undeclared variable on a yarac file: %v", err)
	}
	for _, c := range []struct{ name, data, msg string }{
		{"v22", "YARA\x16\x0c", "arena format 22 (yara unknown)"},
		{"v18", "YARA\x12\x0c", "arena format 18 (yara 4.1)"},
		{"v17", "YARA\x11\x0c", "arena format 17 (yara 4.0)"},
		{"truncated v21", "YARA\x15\x0c\x00", "truncated"},
		{"truncated", "YARA\x13\x0c\x00", "truncated"},
	} {
		f := filepath.Join(dir, c.name+".yarc")
		os.WriteFile(f, []byte(c.data), 0o644)
		_, err := Prepare([]string{f}, Options{Compiled: true}, &out, &errb)
		if err == nil || !strings.Contains(err.Error(), f) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: got %v, want an error naming the file and %q", c.name, err, c.msg)
		}
	}
}

// TestUnsupportedModules: dex, magic and cuckoo are refused at compile
// time with an error naming the module (yara 4.2.3 has them; Vigie does
// not), while dotnet and macho compile.
func TestUnsupportedModules(t *testing.T) {
	dir := t.TempDir()
	for _, m := range []string{"dex", "magic", "cuckoo", "dotnet", "macho"} {
		f := filepath.Join(dir, m+".yar")
		os.WriteFile(f, []byte("import \""+m+"\"\nrule a { condition: true }\n"), 0o644)
		_, err := Compile([]string{f}, nil, true, io.Discard)
		supported := m == "dotnet" || m == "macho"
		if supported && err != nil {
			t.Errorf("import %q: %v", m, err)
		}
		if !supported && (err == nil || !strings.Contains(err.Error(), `unknown module "`+m+`"`)) {
			t.Errorf("import %q: got %v, want an unknown module error naming it", m, err)
		}
	}
}

// TestSaveWithYaracFlags: `vigie yara compile` takes yarac's checks, with
// yarac's outcome (0 or 1) on the same rules.
func TestSaveWithYaracFlags(t *testing.T) {
	dir := t.TempDir()
	slow := filepath.Join(dir, "slow.yar")
	os.WriteFile(slow, []byte(`rule slow { strings: $a = /[a-z]+/ condition: $a }`), 0o644)
	three := filepath.Join(dir, "three.yar")
	os.WriteFile(three, []byte(`rule three { strings: $a = "abc" $b = "bcd" $c = "cde" condition: any of them }`), 0o644)
	yarac, _ := exec.LookPath("yarac")
	for _, c := range []struct {
		name    string
		flags   []string
		rules   string
		o       Options
		wantErr bool
	}{
		{"fail on warnings", []string{"--fail-on-warnings"}, slow, Options{FailOnWarn: true}, true},
		{"warnings allowed", nil, slow, Options{}, false},
		{"too many strings", []string{"--max-strings-per-rule=2"}, three, Options{MaxStringsPerRule: 2}, true},
		{"strings at the limit", []string{"--max-strings-per-rule=3"}, three, Options{MaxStringsPerRule: 3}, false},
	} {
		out := filepath.Join(dir, "out.vyc")
		os.Remove(out)
		err := SaveWith([]string{c.rules}, c.o, out, io.Discard)
		if (err != nil) != c.wantErr {
			t.Errorf("%s: SaveWith error %v, want error %v", c.name, err, c.wantErr)
		}
		if _, statErr := os.Stat(out); (statErr == nil) == c.wantErr {
			t.Errorf("%s: output written %v, want %v", c.name, statErr == nil, !c.wantErr)
		}
		if yarac != "" {
			args := append(append([]string{}, c.flags...), c.rules, filepath.Join(dir, "out.yarc"))
			yerr := exec.Command(yarac, args...).Run()
			if (yerr != nil) != c.wantErr {
				t.Errorf("%s: yarac error %v, want error %v", c.name, yerr, c.wantErr)
			}
		}
	}
}

// TestWalkLinkLoop: a link back to an ancestor directory does not make the
// walk loop (yara would follow it until its path buffer is full); every
// file is scanned once.
func TestWalkLinkLoop(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755)
	os.WriteFile(filepath.Join(dir, "a", "b", "f.txt"), []byte("needle"), 0o644)
	os.Symlink(filepath.Join(dir, "a"), filepath.Join(dir, "a", "b", "up"))
	rules := filepath.Join(dir, "r.yar")
	os.WriteFile(rules, []byte(`rule hit { strings: $a = "needle" condition: $a }`), 0o644)
	out, errOut, code := runVigie(t, rules, filepath.Join(dir, "a"), Options{Recursive: true})
	want := "hit " + filepath.Join(dir, "a", "b", "f.txt") + "\n"
	if code != 0 || out != want {
		t.Errorf("exit %d, out %q (stderr %q), want %q", code, out, errOut, want)
	}
}

// TestTimeoutWholeRun: -a bounds a directory run as a whole, as in yara:
// once the time is up the files left are not scanned and the run ends
// with exit 0.
func TestTimeoutWholeRun(t *testing.T) {
	dir := t.TempDir()
	d := filepath.Join(dir, "d")
	os.MkdirAll(d, 0o755)
	for i := 0; i < 20; i++ {
		os.WriteFile(filepath.Join(d, fmt.Sprintf("f%02d.txt", i)), []byte("needle"), 0o644)
	}
	rules := filepath.Join(dir, "r.yar")
	os.WriteFile(rules, []byte(`rule hit { strings: $a = "needle" condition: $a }`), 0o644)
	out, errOut, code := runVigie(t, rules, d, Options{Timeout: time.Nanosecond})
	if code != 0 || out != "" {
		t.Errorf("time already up: exit %d, out %q, stderr %q; want nothing scanned", code, out, errOut)
	}
	out, _, code = runVigie(t, rules, d, Options{Timeout: time.Minute})
	if code != 0 || strings.Count(out, "hit ") != 20 {
		t.Errorf("a minute: exit %d, %d matches, want 20", code, strings.Count(out, "hit "))
	}
}
