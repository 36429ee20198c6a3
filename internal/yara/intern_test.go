package yara

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// sharedRuleSet is n rules that repeat the same hex strings and regexes
// (as signature-base does), each with a literal of its own.
func sharedRuleSet(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `rule r%d { strings:
	$h1 = { 4D 5A ( 90 | 00 ) [2-6] 50 45 00 00 ?? 01 }
	$h2 = { 68 ?? ?? ?? ?? E8 [4-12] 83 C4 ?4 85 C0 }
	$r1 = /https?:\/\/[a-z0-9.-]{4,40}\/gate\.php/ nocase
	$r2 = /cmd(\.exe)? \/c [a-z]{2,8}/ wide ascii
	$u = "unique-%d"
	condition: 2 of them }
`, i, i)
	}
	return b.String()
}

// TestInternShares checks that equal programs and byte-set sequences of
// different rules are one copy after compile, and that the shared
// patterns still match for each rule.
func TestInternShares(t *testing.T) {
	r := compileOne(t, sharedRuleSet(3))
	byStr := map[string][]*pattern{}
	for _, p := range r.pats {
		id := r.strs[p.str].id
		if p.wide {
			id += " wide"
		}
		byStr[id] = append(byStr[id], p)
	}
	for _, id := range []string{"h1", "h2", "r1", "r2", "r2 wide"} {
		ps := byStr[id]
		if len(ps) < 3 {
			t.Fatalf("$%s: %d patterns", id, len(ps))
		}
		a, b := ps[0], ps[len(ps)-1]
		if a.prog != b.prog || a.rev != b.rev || a.restProg != b.restProg {
			t.Errorf("$%s: programs not shared", id)
		}
		if len(a.sets) > 0 && &a.sets[0] != &b.sets[0] {
			t.Errorf("$%s: byte sets not shared", id)
		}
		if len(a.prefix) > 0 && &a.prefix[0] != &b.prefix[0] {
			t.Errorf("$%s: prefix sets not shared", id)
		}
	}
	data := []byte("MZ\x90\x00\x00PE\x00\x00\x4c\x01 unique-1 http://evil.example.com/gate.php")
	ms, err := r.ScanBytes(context.Background(), data, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := matchNames(ms); got != "r0 r1 r2" {
		t.Errorf("matches %q, want r0 r1 r2", got)
	}
}

// BenchmarkCompileShared compiles 2,000 rules repeating the same strings
// and reports the live heap the compiled rules keep (live-MB).
func BenchmarkCompileShared(b *testing.B) {
	src := []byte(sharedRuleSet(2000))
	b.SetBytes(int64(len(src)))
	var keep *Rules
	for i := 0; i < b.N; i++ {
		r, _, err := Compile([]Source{{Name: "shared.yar", Data: src}}, CompileOptions{})
		if err != nil {
			b.Fatal(err)
		}
		keep = r
	}
	b.StopTimer()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/1e6, "live-MB")
	runtime.KeepAlive(keep)
}

// TestMaskedAtoms checks that hex strings made of nibbles and single bytes
// get multi-byte atoms (a nibble expanded in the first two bytes, masked
// after), not one-byte atoms hit at every common byte, and still match
// exactly where they should.
func TestMaskedAtoms(t *testing.T) {
	r := compileOne(t, `rule a { strings: $a = { 8B C? [2-3] F6 D? 1A C? [4-6] 30 0? ?? 4? } condition: #a == 2 }
rule b { strings: $b = { 10 ?? 00 00 ?? ?? ?? 00 ?? ?? ?? ?? 61 61 61 61 } condition: $b }`)
	short := 0
	for _, e := range r.index.ent2 {
		if e.n < 3 {
			short++
		}
	}
	for b := range r.index.one {
		short += len(r.index.one[b])
	}
	if short > 0 {
		t.Errorf("%d atoms shorter than 3 bytes", short)
	}
	hit := "\x8b\xc1xx\xf6\xd2\x1a\xc3yyyy\x30\x05z\x41"
	miss := "\x8b\xc1xx\xf6\xd2\x1a\xd3yyyy\x30\x05z\x41" // C? is D3
	data := []byte(hit + "...." + miss + "...." + hit + "\x10\x01\x00\x00abc\x00defgaaaa")
	ms, err := r.ScanBytes(context.Background(), data, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := matchNames(ms); got != "a b" {
		t.Errorf("matches %q, want a b", got)
	}
}

// TestByteSetTable checks that set sequences and programs index one table
// of the rule set's distinct byte sets, compiled and loaded from a saved
// file, instead of keeping 32 bytes a position or a program's own copy.
func TestByteSetTable(t *testing.T) {
	r := compileOne(t, sharedRuleSet(3))
	loaded, err := LoadCompiled(r.MarshalCompiled())
	if err != nil {
		t.Fatal(err)
	}
	for name, rs := range map[string]*Rules{"compiled": r, "loaded": loaded} {
		// the distinct sets of the two hex strings and two regexes
		// (ascii, wide, nocase, classes): a few dozen
		if n := len(rs.setTab); n == 0 || n > 64 {
			t.Errorf("%s: %d byte sets in the table, want 1..64", name, n)
		}
		seqs := 0
		for _, p := range rs.pats {
			for _, q := range []*regexProg{p.prog, p.rev, p.restProg} {
				if q != nil && (!q.shared || len(q.sets) != len(rs.setTab) || &q.sets[0] != &rs.setTab[0]) {
					t.Errorf("%s: a program of $%s keeps byte sets of its own", name, rs.strs[p.str].id)
				}
			}
			for _, s := range [][]uint16{p.sets, p.prefix} {
				seqs += len(s)
				for _, x := range s {
					if int(x) >= len(rs.setTab) {
						t.Fatalf("%s: set index %d past the table", name, x)
					}
				}
			}
		}
		if seqs == 0 {
			t.Errorf("%s: no set sequence", name)
		}
		data := []byte("MZ\x90\x00\x00PE\x00\x00\x4c\x01 unique-1 h\x00e\x00 \x68\x01\x02\x03\x04\xE8....\x83\xC4\x14\x85\xC0")
		ms, err := rs.ScanBytes(context.Background(), data, ScanOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := matchNames(ms); got != "r0 r1 r2" {
			t.Errorf("%s: matches %q, want r0 r1 r2", name, got)
		}
	}
}

// TestByteSetTableFull checks that past a full table (65,536 sets, 8
// here) patterns are verified by their programs, which keep their own
// sets, and match as before, compiled and loaded.
func TestByteSetTableFull(t *testing.T) {
	defer func(n int) { maxSetTab = n }(maxSetTab)
	maxSetTab = 8
	var b strings.Builder
	b.WriteString("rule many { strings:\n")
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&b, "\t$r%d = /abcd[\\x%02x\\x%02x]x/\n\t$h%d = { 71 72 73 74 ( %02X | %02X ) [1-3] 7A }\n", i, 2*i+1, 2*i+2, i, 0x80+2*i, 0x81+2*i)
	}
	b.WriteString("condition: any of them }\n")
	for i := 0; i < 20; i += 7 {
		fmt.Fprintf(&b, "rule r%d { strings: $a = /abcd[\\x%02x\\x%02x]x/ $b = { 71 72 73 74 ( %02X | %02X ) [1-3] 7A } condition: $a and $b }\n", i, 2*i+1, 2*i+2, 0x80+2*i, 0x81+2*i)
	}
	r := compileOne(t, b.String())
	loaded, err := LoadCompiled(r.MarshalCompiled())
	if err != nil {
		t.Fatal(err)
	}
	for name, rs := range map[string]*Rules{"compiled": r, "loaded": loaded} {
		if len(rs.setTab) > 8 {
			t.Errorf("%s: %d sets in a table of at most 8", name, len(rs.setTab))
		}
		own := 0
		for _, p := range rs.pats {
			for _, q := range []*regexProg{p.prog, p.rev, p.restProg} {
				if q != nil && !q.shared {
					own++
				}
			}
		}
		if own == 0 {
			t.Errorf("%s: no program keeps its own sets", name)
		}
		for i := 0; i < 20; i += 7 {
			data := []byte("..abcd?x..qrst?\x00\x00z..")
			data[6], data[14] = byte(2*i+2), byte(0x81+2*i)
			ms, err := rs.ScanBytes(context.Background(), data, ScanOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := matchNames(ms), fmt.Sprintf("many r%d", i); got != want {
				t.Errorf("%s: %q: matches %q, want %q", name, data, got, want)
			}
		}
	}
}
