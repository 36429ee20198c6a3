package posture

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// seeds adds every file of testdata/<dir> as a seed.
func seeds(f *testing.F, dir string) {
	files, _ := filepath.Glob(filepath.Join("testdata", dir, "*"))
	if len(files) == 0 {
		f.Fatalf("no seeds in testdata/%s", dir)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
}

// FuzzSPF walks a record that includes and redirects to names whose
// records are the same fuzzed text: loops and fan-outs must end.
func FuzzSPF(f *testing.F) {
	seeds(f, "spf")
	f.Fuzz(func(t *testing.T, rec string) {
		lookup := func(ctx context.Context, name string) ([]string, error) {
			return strings.Split(rec, "\n"), nil
		}
		a, err := AnalyzeSPF(context.Background(), "fuzz.test", lookup)
		if err == nil && a.Lookups < 0 {
			t.Fatal("negative lookup count")
		}
	})
}

func FuzzDMARC(f *testing.F) {
	seeds(f, "dmarc")
	f.Fuzz(func(t *testing.T, rec string) {
		p, err := ParseDMARC(rec)
		if err == nil && p.Policy == "" {
			t.Fatalf("%q parsed without a policy", rec)
		}
		for _, u := range append([]string{rec}, strings.Split(rec, ",")...) {
			reportDomain(u)
		}
	})
}

func FuzzMTASTS(f *testing.F) {
	seeds(f, "mta-sts")
	f.Fuzz(func(t *testing.T, text string) {
		if p, err := ParseSTSPolicy(text); err == nil {
			if p.Mode != "enforce" && p.Mode != "testing" && p.Mode != "none" {
				t.Fatalf("mode %q accepted", p.Mode)
			}
			p.Covers("mx1.example.org")
		}
		ParseSTSRecord(text)
		ParseTLSRPT(text)
	})
}

func FuzzSecurityTxt(f *testing.F) {
	seeds(f, "security-txt")
	f.Fuzz(func(t *testing.T, text string) {
		now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
		if s, err := ParseSecurityTxt(text, now, "https://party.test/.well-known/security.txt"); err == nil && s.Valid() && (len(s.Contact) == 0 || s.Expires.Before(now)) {
			t.Fatalf("accepted without Contact or a future Expires: %+v", s)
		}
		CSPProblems(text, "party.test")
		ReferrerPolicyRating(text)
		ParseHSTS(text)
	})
}

// FuzzCAA checks CAA records given as "flags tag value".
func FuzzCAA(f *testing.F) {
	seeds(f, "caa")
	f.Fuzz(func(t *testing.T, text string) {
		fl, rest, _ := strings.Cut(text, " ")
		tag, value, _ := strings.Cut(rest, " ")
		flag, err := strconv.ParseUint(fl, 10, 8)
		if err != nil {
			return
		}
		if validateCAA(uint8(flag), tag, value) == nil && flag != 0 && flag != 128 {
			t.Fatalf("flags %d accepted", flag)
		}
	})
}
