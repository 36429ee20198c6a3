package mime

import (
	"os"
	"path/filepath"
	"testing"
)

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.eml")
	for _, fn := range files {
		if b, err := os.ReadFile(fn); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: message/rfc822\n\nSubject: x\nContent-Transfer-Encoding: base64\n\nQUJD\n--a--\n"))
	f.Add([]byte("Subject: =?utf-8?b?w6k=?=\nContent-Type: text/plain; charset*=''x\n\n=41"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b, Limits{MaxParts: 50, MaxDepth: 8, MaxPartBytes: 1 << 16, MaxDecodedBytes: 1 << 18})
		if err != nil {
			return
		}
		n := 0
		m.Walk(func(p *Part) {
			n++
			_ = p.IsAttachment()
		})
		if n > 50+1 {
			t.Fatalf("%d parts beyond the limit", n)
		}
		for _, f := range m.Header {
			_ = ParseAddressList(f.Value)
		}
	})
}
