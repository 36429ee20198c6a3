package yara

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// streamRules is a rule source with every kind of token, comments inside
// and outside hex strings, and "% of" (which the parser looks ahead for
// and moves back from).
func streamRules(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "private rule r%d_x_%d { condition: 1 > 2 }\n", i, i)
		fmt.Fprintf(&b, `/* rule %d */ rule r%d : tag%d { // a comment
	meta: author = "someone \x41\"" score = %d
	strings:
		$a = "literal-%d" nocase wide ascii
		$h = { 4D 5A [2-4] ( 90 | 00 ) /* inside */ 50 45 // here
		       ?? 0? }
		$r = /ab+c[0-9]{2}\/x/is
	condition: (50%% of them or #a > 0x10 or filesize < 1MB) and not r%d_x_%d
}
`, i, i, i, i, i, i, i)
	}
	return b.String()
}

// TestStreamedSource checks that a source compiled from a Reader, even one
// that returns one byte at a time, gives the rules the same text gives,
// and that a streamed source's window stays bounded.
func TestStreamedSource(t *testing.T) {
	src := streamRules(40)
	want, _, err := Compile([]Source{{Name: "a.yar", Data: []byte(src)}}, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for name, rd := range map[string]io.Reader{
		"whole":    strings.NewReader(src),
		"one byte": iotest.OneByteReader(strings.NewReader(src)),
		"half":     iotest.HalfReader(strings.NewReader(src)),
	} {
		got, _, err := Compile([]Source{{Name: "a.yar", Reader: rd}}, CompileOptions{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(got.MarshalCompiled(), want.MarshalCompiled()) {
			t.Errorf("%s: compiled rules differ from those of the same text", name)
		}
	}
	data := []byte("xx MZ\x00\x00\x90PE\x00\x04 ab")
	rs, _, err := Compile([]Source{{Name: "a.yar", Reader: iotest.OneByteReader(strings.NewReader(streamRules(1)))}}, CompileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := rs.ScanBytes(context.Background(), data, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := matchNames(ms); got != "r0" {
		t.Errorf("matches %q, want r0", got)
	}

	// 3 MB of rules: the lexer's window holds a chunk or two
	big := streamRules(8000)
	l := newLexer("big.yar", nil, strings.NewReader(big))
	maxWin, strID := 0, false
	for {
		tok, err := l.next()
		if err != nil {
			t.Fatal(err)
		}
		maxWin = max(maxWin, cap(l.src))
		if tok.kind == tEOF {
			break
		}
		if strID && tok.kind == tPunct && tok.s == "=" {
			// hex strings and regexes are lexed on demand, as the parser does
			if err := l.skipSpace(); err != nil {
				t.Fatal(err)
			}
			switch l.peekc() {
			case '{':
				_, _, err = l.hexLiteral()
			case '/':
				_, _, _, _, err = l.regexLiteral()
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		strID = tok.kind == tStrID
	}
	if len(big) < 2<<20 || maxWin > 4*lexChunk {
		t.Errorf("%d bytes of rules lexed through a window of %d bytes, want at most %d", len(big), maxWin, 4*lexChunk)
	}
}

// TestStreamedSourceReadError checks that a read error is reported as
// such, not as the syntax error the truncated text makes.
func TestStreamedSourceReadError(t *testing.T) {
	src := streamRules(3)
	rd := io.MultiReader(strings.NewReader(src[:len(src)/2]), iotest.ErrReader(errors.New("disk on fire")))
	_, _, err := Compile([]Source{{Name: "a.yar", Reader: rd}}, CompileOptions{})
	if err == nil || !strings.Contains(err.Error(), "disk on fire") || !strings.Contains(err.Error(), "a.yar") {
		t.Errorf("error %v, want the read error naming a.yar", err)
	}
}
