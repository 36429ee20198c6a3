package indicator

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"testing"
	"time"
)

func mustInd(t testing.TB, typ Type, v string) Indicator {
	t.Helper()
	n, err := Normalize(typ, v)
	if err != nil {
		t.Fatal(err)
	}
	return Indicator{Type: typ, Value: n}
}

func TestMatcher(t *testing.T) {
	sum := sha256.Sum256([]byte("x-agent"))
	inds := []Indicator{
		mustInd(t, SHA256, hex.EncodeToString(sum[:])),
		mustInd(t, MD5, "d41d8cd98f00b204e9800998ecf8427f"),
		mustInd(t, Domain, "onedrive-en-marche.fr"),
		mustInd(t, Domain, "evil.tk"),
		mustInd(t, IPv4, "45.32.129.185"),
		mustInd(t, IPv4, "198.51.100.0/24"),
		mustInd(t, IPv4, "198.51.100.128/25"),
		mustInd(t, IPv6, "2001:db8:bad::/48"),
		mustInd(t, URL, "http://myaccount.google.com-securitysettingpage.tk/security/signinoptions/password"),
		mustInd(t, Email, "phisher@mail-en-march.fr"),
		mustInd(t, Filename, "pagemgr.exe"),
		{Type: PathRegex, Value: `\\AppData\\Roaming\\[a-z]{6}\.exe$`, Exclude: `\\Microsoft\\`},
	}
	m := NewMatcher(inds, MatcherOptions{})
	if m.Len() != len(inds) {
		t.Fatalf("Len = %d, want %d", m.Len(), len(inds))
	}
	yes := []struct {
		typ  Type
		v    string
		want string
	}{
		{SHA256, hex.EncodeToString(sum[:]), inds[0].Value},
		{MD5, "D41D8CD98F00B204E9800998ECF8427F", inds[1].Value},
		{Domain, "onedrive-en-marche.fr", "onedrive-en-marche.fr"},
		{Domain, "Login.OneDrive-En-Marche.FR.", "onedrive-en-marche.fr"},
		{Domain, "a.b.c.evil.tk", "evil.tk"},
		{IPv4, "45.32.129.185", "45.32.129.185"},
		{IPv4, "198.51.100.200", "198.51.100.128/25"}, // most specific block wins
		{IPv4, "198.51.100.7", "198.51.100.0/24"},
		{IPv6, "2001:db8:bad:1::5", "2001:db8:bad::/48"},
		{IPv4, "::ffff:45.32.129.185", "45.32.129.185"},
		{URL, "HTTP://myaccount.google.com-securitysettingpage.tk:80/security/signinoptions/password#x", inds[8].Value},
		{Email, "Phisher@Mail-En-March.fr", "phisher@mail-en-march.fr"},
		{Filename, "PageMgr.EXE", "pagemgr.exe"},
		{PathRegex, `C:\Users\ann\AppData\Roaming\qwerty.exe`, inds[11].Value},
	}
	for _, y := range yes {
		got, ok := m.Lookup(y.typ, y.v)
		if !ok {
			t.Errorf("Lookup(%s, %q): no match, want %q", y.typ, y.v, y.want)
			continue
		}
		if got.Value != y.want {
			t.Errorf("Lookup(%s, %q) = %q, want %q", y.typ, y.v, got.Value, y.want)
		}
	}
	no := []struct {
		typ Type
		v   string
	}{
		{Domain, "en-marche.fr"},
		{Domain, "onedrive-en-marche.fr.example"},
		{Domain, "notevil.tk"},
		{IPv4, "198.51.101.1"},
		{IPv4, "45.32.129.186"},
		{IPv6, "2001:db8:bae::1"},
		{URL, "http://myaccount.google.com-securitysettingpage.tk/other"},
		{Email, "other@mail-en-march.fr"},
		{PathRegex, `C:\Users\ann\AppData\Roaming\Microsoft\qwerty.exe`}, // excluded
		{SHA256, "zz"},
	}
	for _, n := range no {
		if got, ok := m.Lookup(n.typ, n.v); ok {
			t.Errorf("Lookup(%s, %q) matched %q, want no match", n.typ, n.v, got.Value)
		}
	}
	if d, ok := m.Digest(sum[:]); !ok || d.Type != SHA256 {
		t.Error("Digest of the raw SHA-256 did not match")
	}
	if !m.Has(SHA256) || m.Has(SHA1) || !m.Has(PathRegex) {
		t.Error("Has reports the wrong types")
	}
}

func TestMatcherValidity(t *testing.T) {
	now := time.Date(2017, 5, 5, 18, 0, 0, 0, time.UTC)
	old := mustInd(t, Domain, "old.example")
	old.ValidUntil = now.Add(-time.Hour)
	future := mustInd(t, Domain, "future.example")
	future.ValidFrom = now.Add(time.Hour)
	info := mustInd(t, Domain, "context.example")
	info.Informational = true
	live := mustInd(t, Domain, "live.example")
	m := NewMatcher([]Indicator{old, future, info, live}, MatcherOptions{At: now})
	for _, d := range []string{"old.example", "future.example", "context.example"} {
		if _, ok := m.Domain(d); ok {
			t.Errorf("%s: matched, but it is not in force or only informational", d)
		}
	}
	if _, ok := m.Domain("live.example"); !ok {
		t.Error("live.example: want a match")
	}
}

func TestRequiredLiteral(t *testing.T) {
	for expr, want := range map[string]string{
		`\\Temp\\svchost\.exe`: `\temp\svchost.exe`,
		`[a-z]+\.dll`:          `.dll`,
		`(a|b)`:                "",
	} {
		if got := requiredLiteral(expr); got != want {
			t.Errorf("requiredLiteral(%q) = %q, want %q", expr, got, want)
		}
	}
}

// benchMatcher builds a matcher with n indicators of each of several types.
func benchMatcher(b *testing.B, n int) *Matcher {
	inds := make([]Indicator, 0, 4*n)
	for i := 0; i < n; i++ {
		s := sha256.Sum256([]byte(fmt.Sprint(i)))
		inds = append(inds,
			Indicator{Type: SHA256, Value: hex.EncodeToString(s[:])},
			Indicator{Type: Domain, Value: fmt.Sprintf("d%d.example%d.com", i, i%97)},
			Indicator{Type: IPv4, Value: netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}).String()},
		)
		if i%16 == 0 {
			inds = append(inds, Indicator{Type: IPv4, Value: fmt.Sprintf("172.%d.%d.0/24", 16+i%16, (i/16)%256)})
		}
	}
	return NewMatcher(inds, MatcherOptions{})
}

func BenchmarkMatcherLookup(b *testing.B) {
	m := benchMatcher(b, 1_000_000/3)
	hit := sha256.Sum256([]byte("12345"))
	miss := sha256.Sum256([]byte("no such thing"))
	b.Run("sha256-hit", func(b *testing.B) {
		for b.Loop() {
			if _, ok := m.Digest(hit[:]); !ok {
				b.Fatal("miss")
			}
		}
	})
	b.Run("sha256-miss", func(b *testing.B) {
		for b.Loop() {
			m.Digest(miss[:])
		}
	})
	b.Run("domain-subdomain-hit", func(b *testing.B) {
		for b.Loop() {
			if _, ok := m.Domain("www.login.d12345.example26.com"); !ok {
				b.Fatal("miss")
			}
		}
	})
	b.Run("domain-miss", func(b *testing.B) {
		for b.Loop() {
			m.Domain("www.login.accounts.google.com")
		}
	})
	ipHit := netip.MustParseAddr("10.0.48.57")
	cidrHit := netip.MustParseAddr("172.16.3.77")
	ipMiss := netip.MustParseAddr("192.0.2.1")
	b.Run("ip-hit", func(b *testing.B) {
		for b.Loop() {
			if _, ok := m.IP(ipHit); !ok {
				b.Fatal("miss")
			}
		}
	})
	b.Run("ip-cidr-hit", func(b *testing.B) {
		for b.Loop() {
			if _, ok := m.IP(cidrHit); !ok {
				b.Fatal("miss")
			}
		}
	})
	b.Run("ip-miss", func(b *testing.B) {
		for b.Loop() {
			m.IP(ipMiss)
		}
	})
}
