package mime

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

func TestParseSimple(t *testing.T) {
	m, err := Parse(crlf("From: \"Doe, John\" <john@example.org>\nSubject: =?iso-8859-1?q?caf=E9?= ok\nContent-Type: text/plain; charset=\"koi8-r\"\nContent-Transfer-Encoding: quoted-printable\n\n=F0=D2=C9=D7=C5=D4 soft=\nline\n"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Header.Get("Subject"); got != "café ok" {
		t.Errorf("subject %q", got)
	}
	if m.Text != "Привет softline\r\n" {
		t.Errorf("text %q", m.Text)
	}
	a := ParseAddressList(m.Header.Get("From"))
	if len(a) != 1 || a[0].Name != "Doe, John" || a[0].Addr != "john@example.org" || a[0].Domain() != "example.org" {
		t.Errorf("from %+v", a)
	}
	if len(m.Defects) != 0 {
		t.Errorf("defects %v", m.Defects)
	}
}

func TestParseMultipartTolerant(t *testing.T) {
	raw := "Content-Type: multipart/mixed; boundary=\"b1\"\nSubject: x\n\npreamble\n--b1\nContent-Type: text/html; charset=windows-1251\n\n<p>\xcf\xf0\xe8\xe2\xe5\xf2</p>\n--b1\nContent-Type: application/octet-stream\nContent-Disposition: attachment;\n filename*0*=utf-8''%E2%82%AC; filename*1=\"rest.exe\"\nContent-Transfer-Encoding: base64\n\nTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAA\n!!bad\n--b1\nContent-Type: multipart/alternative; boundary=b1x\n\n--b1x\n\nplain\n--b1x--\n"
	m, err := Parse([]byte(raw), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Parts) != 3 {
		t.Fatalf("parts %d", len(m.Parts))
	}
	if m.Parts[0].Text != "<p>Привет</p>" {
		t.Errorf("html %q", m.Parts[0].Text)
	}
	a := m.Parts[1]
	if a.Filename != "€rest.exe" || !a.IsAttachment() || !bytes.HasPrefix(a.Body, []byte("MZ")) {
		t.Errorf("attachment %q %v %q", a.Filename, a.IsAttachment(), a.Body[:4])
	}
	if len(m.Parts[2].Parts) != 1 || m.Parts[2].Parts[0].Text != "plain" || m.Parts[2].Parts[0].Path != "3.1" {
		t.Errorf("nested %+v", m.Parts[2].Parts)
	}
	kinds := map[string]bool{}
	for _, d := range m.Defects {
		kinds[d.Kind] = true
	}
	if !kinds["boundary"] || !kinds["encoding"] {
		t.Errorf("want boundary and encoding defects, got %v", m.Defects)
	}
}

func TestParseDefects(t *testing.T) {
	tests := []struct {
		name, raw, kind string
	}{
		{"no boundary param", "Content-Type: multipart/mixed\n\nbody", "boundary"},
		{"boundary absent", "Content-Type: multipart/mixed; boundary=zz\n\nbody", "boundary"},
		{"unknown charset", "Content-Type: text/plain; charset=x-klingon\n\nbody", "charset"},
		{"bare CR", "Subject: a\rBcc: victim@x\n\nbody", "header-injection"},
		{"no colon", "Subject: a\nthis is not a header\n\nbody", "malformed-header"},
		{"unknown cte", "Content-Transfer-Encoding: x-magic\n\nbody", "encoding"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse([]byte(tt.raw), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range m.Defects {
				if d.Kind == tt.kind {
					return
				}
			}
			t.Errorf("no %s defect in %v", tt.kind, m.Defects)
		})
	}
}

func TestParseNotMail(t *testing.T) {
	for _, raw := range []string{"", "   \n", "\n\nbody only"} {
		if _, err := Parse([]byte(raw), Limits{}); err == nil {
			t.Errorf("%q: want error", raw)
		}
	}
}

func TestLimits(t *testing.T) {
	// deep nesting
	var b strings.Builder
	for i := 0; i < 100; i++ {
		b.WriteString("Content-Type: multipart/mixed; boundary=\"b" + strings.Repeat("x", i) + "\"\n\n--b" + strings.Repeat("x", i) + "\n")
	}
	m, err := Parse([]byte(b.String()), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !hasKind(m, "limit") {
		t.Errorf("deep nesting: no limit defect")
	}
	// many parts
	b.Reset()
	b.WriteString("Content-Type: multipart/mixed; boundary=b\n\n")
	for i := 0; i < 2000; i++ {
		b.WriteString("--b\n\nx\n")
	}
	m, err = Parse([]byte(b.String()), Limits{MaxParts: 100})
	if err != nil {
		t.Fatal(err)
	}
	if !hasKind(m, "limit") || len(m.Parts) > 100 {
		t.Errorf("many parts: %d parts", len(m.Parts))
	}
	// many headers
	b.Reset()
	for i := 0; i < 5000; i++ {
		b.WriteString("X-A: b\n")
	}
	m, err = Parse([]byte(b.String()+"\nbody"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Header) > DefaultLimits.MaxHeaderFields || !hasKind(m, "limit") {
		t.Errorf("many headers: %d", len(m.Header))
	}
	// size
	m, err = Parse([]byte("Subject: a\n\n"+strings.Repeat("a", 5000)), Limits{MaxMessageBytes: 1000})
	if err != nil || !m.Truncated {
		t.Errorf("size: %v %v", err, m)
	}
}

func hasKind(m *Message, k string) bool {
	for _, d := range m.Defects {
		if d.Kind == k {
			return true
		}
	}
	return false
}

func TestDecoders(t *testing.T) {
	b, bad, _ := decodeBase64([]byte("aGVs\r\nbG8"), -1)
	if string(b) != "hello" || bad {
		t.Errorf("base64 %q %v", b, bad)
	}
	q, _, _ := decodeQP([]byte("a=3Db=\r\nc = d=zz"), -1)
	if string(q) != "a=bc = d=zz" {
		t.Errorf("qp %q", q)
	}
	u, name, bad, _ := decodeUU([]byte("begin 644 a.txt\n#86)C\n`\nend\n"), -1)
	if string(u) != "abc" || name != "a.txt" || bad {
		t.Errorf("uu %q %q %v", u, name, bad)
	}
}

func TestParams(t *testing.T) {
	mt, p, _ := parseMediaType(`Text/HTML; name="a;b.htm"; charset=utf-8; name*=iso-8859-1''%E9t%E9.htm`)
	if mt != "text/html" || p["name"] != "été.htm" || p["charset"] != "utf-8" {
		t.Errorf("%q %v", mt, p)
	}
}

func TestAddresses(t *testing.T) {
	got := ParseAddressList(`"Google" <no-reply@accounts.google.com>, bob@x.org (Bob), undisclosed-recipients:;`)
	if len(got) < 2 || got[0].Name != "Google" || got[0].Domain() != "accounts.google.com" || got[1].Addr != "bob@x.org" {
		t.Errorf("%+v", got)
	}
}

// TestDecodeBase64FastPath: well-formed input decodes to the same bytes
// through the one-pass path as through the tolerant one, and input the
// one-pass path refuses still decodes tolerantly.
func TestDecodeBase64FastPath(t *testing.T) {
	data := make([]byte, 1000)
	for i := range data {
		data[i] = byte(i * 7)
	}
	enc := base64.StdEncoding.EncodeToString(data)
	var wrapped strings.Builder
	for len(enc) > 76 {
		wrapped.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	wrapped.WriteString(enc + "\r\n")
	for _, in := range []string{wrapped.String(), strings.ReplaceAll(wrapped.String(), "\r\n", "\n"), "aGVsbG8=\r\n", "aGVs\r\nbG8", "aGV sbG8=", "aGVsbG8=trailing", "a-_b"} {
		got, gbad, gtr := decodeBase64([]byte(in), -1)
		want, wbad, wtr := decodeBase64Tolerant([]byte(in), -1)
		if !bytes.Equal(got, want) || gbad != wbad || gtr != wtr {
			t.Errorf("%.30q: %q %v %v, tolerant path %q %v %v", in, got, gbad, gtr, want, wbad, wtr)
		}
	}
	if got, _, tr := decodeBase64([]byte(wrapped.String()), 10); len(got) != 10 || !tr {
		t.Errorf("max 10: %d bytes, truncated %v", len(got), tr)
	}
}
