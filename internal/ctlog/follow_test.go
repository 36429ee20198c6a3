package ctlog_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/ctlog"
	"github.com/vigie-project/vigie/internal/ctlog/ctlogtest"
)

func follower(t *testing.T, l *ctlogtest.Log, api ctlog.API) *ctlog.Follower {
	t.Helper()
	v, err := ctlog.NewVerifier(l.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	return &ctlog.Follower{URL: l.URL, API: api, Verifier: v, Batch: 7}
}

func poll(t *testing.T, f *ctlog.Follower, st *ctlog.State, fromStart bool) ([]ctlog.Entry, ctlog.PollResult, error) {
	t.Helper()
	var got []ctlog.Entry
	res, err := f.Poll(context.Background(), st, fromStart, func(e *ctlog.Entry) bool {
		for _, n := range e.Names {
			if strings.Contains(n, "-march") {
				return true
			}
		}
		return false
	}, func(e ctlog.Entry) error { got = append(got, e); return nil })
	return got, res, err
}

// TestFollowBothAPIs: the same log read through RFC 6962 and through
// tiles; entries are proven, precertificates read, malformed entries
// counted and skipped, and a second poll resumes where the first stopped.
func TestFollowBothAPIs(t *testing.T) {
	for _, api := range []ctlog.API{ctlog.RFC6962, ctlog.Static} {
		t.Run(string(api), func(t *testing.T) {
			l := ctlogtest.Start(t)
			for i := 0; i < 300; i++ { // more than one data tile
				l.AddCert([]string{"www.example" + string(rune('a'+i%26)) + ".org"}, i%3 == 0)
			}
			l.AddRaw([]byte("not a certificate"))
			l.AddCert([]string{"onedrive-en-marche.fr", "www.onedrive-en-marche.fr"}, true)
			l.Publish()
			f := follower(t, l, api)
			var st ctlog.State
			got, res, err := poll(t, f, &st, true)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Names[0] != "onedrive-en-marche.fr" || !got[0].Precert || got[0].Verified != "tree" || got[0].Index != 301 {
				t.Fatalf("got %+v", got)
			}
			if !strings.Contains(got[0].Issuer, "Test CA") || got[0].NotBefore.IsZero() {
				t.Errorf("evidence: %+v", got[0])
			}
			if res.Read != 302 || res.Malformed != 1 || st.Bad != 1 || st.Next != 302 {
				t.Errorf("res %+v state next %d bad %d", res, st.Next, st.Bad)
			}
			// new entries: only those are read
			l.AddCert([]string{"mail-en-march.fr"}, false)
			l.AddCert([]string{"unrelated.net"}, false)
			l.Publish()
			got, res, err = poll(t, f, &st, true)
			if err != nil || len(got) != 1 || got[0].Names[0] != "mail-en-march.fr" || res.Read != 2 {
				t.Fatalf("second poll: %+v %+v %v", got, res, err)
			}
		})
	}
}

// TestFollowFromTip: a new follower starts at the current end of the log;
// with the classic API it proves each wanted entry by an inclusion proof
// until it has rebuilt a tree, with tiles it rebuilds the frontier.
func TestFollowFromTip(t *testing.T) {
	for _, api := range []ctlog.API{ctlog.RFC6962, ctlog.Static} {
		t.Run(string(api), func(t *testing.T) {
			l := ctlogtest.Start(t)
			for i := 0; i < 270; i++ {
				l.AddCert([]string{"old.example.org"}, false)
			}
			l.Publish()
			f := follower(t, l, api)
			var st ctlog.State
			if got, _, err := poll(t, f, &st, false); err != nil || len(got) != 0 || st.Next != 270 {
				t.Fatalf("first poll from tip: %v %v next %d", got, err, st.Next)
			}
			l.AddCert([]string{"accounts-en-marche.fr"}, false)
			l.Publish()
			got, _, err := poll(t, f, &st, false)
			if err != nil || len(got) != 1 {
				t.Fatalf("%+v %v", got, err)
			}
			want := map[ctlog.API]string{ctlog.RFC6962: "inclusion", ctlog.Static: "tree"}[api]
			if got[0].Verified != want {
				t.Errorf("verified %q, want %q", got[0].Verified, want)
			}
		})
	}
}

// TestLyingLog: a bad signature or a forked tree is reported and the log
// is no longer trusted.
func TestLyingLog(t *testing.T) {
	for _, api := range []ctlog.API{ctlog.RFC6962, ctlog.Static} {
		t.Run(string(api)+"/signature", func(t *testing.T) {
			l := ctlogtest.Start(t)
			l.AddCert([]string{"a.example.org"}, false)
			l.BadSignature = true
			l.Publish()
			var st ctlog.State
			if _, _, err := poll(t, follower(t, l, api), &st, true); !errors.Is(err, ctlog.ErrUntrusted) {
				t.Fatalf("bad signature accepted: %v", err)
			}
		})
		t.Run(string(api)+"/fork", func(t *testing.T) {
			l := ctlogtest.Start(t)
			for i := 0; i < 5; i++ {
				l.AddCert([]string{"a.example.org"}, false)
			}
			l.Publish()
			f := follower(t, l, api)
			var st ctlog.State
			if _, _, err := poll(t, f, &st, true); err != nil {
				t.Fatal(err)
			}
			l.AddCert([]string{"b.example.org"}, false)
			l.Fork(2)
			_, _, err := poll(t, f, &st, true)
			if !errors.Is(err, ctlog.ErrUntrusted) || st.Untrusted == "" {
				t.Fatalf("fork accepted: %v", err)
			}
			if _, _, err := poll(t, f, &st, true); !errors.Is(err, ctlog.ErrUntrusted) {
				t.Fatalf("untrusted log read again: %v", err)
			}
		})
	}
}

func TestTilePath(t *testing.T) {
	for _, c := range []struct {
		n    uint64
		w    int
		want string
	}{{0, 256, "/tile/0/000"}, {1234067, 256, "/tile/0/x001/x234/067"}, {5, 17, "/tile/0/005.p/17"}} {
		if got := ctlog.TilePath("0", c.n, c.w); got != c.want {
			t.Errorf("TilePath(%d,%d) = %s, want %s", c.n, c.w, got, c.want)
		}
	}
}
