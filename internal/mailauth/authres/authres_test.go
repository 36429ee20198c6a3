package authres

import (
	"testing"
)

func TestParse(t *testing.T) {
	// RFC 8601 Appendix B style examples.
	r, err := Parse(` example.com 1; (a comment (nested))
      spf=pass smtp.mailfrom=example.net;
      dkim=pass (good signature) header.d=example.org header.i=@mail-router.example.net header.b="abc def";
      dmarc=fail reason="policy says so" header.from=example.org;
      auth/1=pass smtp.auth=sender@example.com`)
	if err != nil {
		t.Fatal(err)
	}
	if r.AuthServID != "example.com" || r.Version != 1 || len(r.Results) != 4 {
		t.Fatalf("%+v", r)
	}
	if m := r.Results[0]; m.Method != "spf" || m.Result != "pass" || m.Get("smtp", "mailfrom") != "example.net" {
		t.Errorf("spf: %+v", m)
	}
	if m := r.Results[1]; m.Get("header", "d") != "example.org" || m.Get("header", "i") != "@mail-router.example.net" || m.Get("header", "b") != "abc def" {
		t.Errorf("dkim: %+v", m)
	}
	if m := r.Results[2]; m.Result != "fail" || m.Reason != "policy says so" {
		t.Errorf("dmarc: %+v", m)
	}
	if m := r.Results[3]; m.Method != "auth" || m.Version != 1 || m.Get("smtp", "auth") != "sender@example.com" {
		t.Errorf("auth: %+v", m)
	}
}

func TestParseNone(t *testing.T) {
	r, err := Parse("mx.example.org; none")
	if err != nil || r.AuthServID != "mx.example.org" || len(r.Results) != 0 {
		t.Errorf("%+v %v", r, err)
	}
	r, err = Parse("mx.example.org")
	if err != nil || len(r.Results) != 0 {
		t.Errorf("no results: %+v %v", r, err)
	}
}

func TestParseARC(t *testing.T) {
	r, err := ParseARC(" i=1; mx.provider.example; dkim=pass header.d=campaign.example header.s=rsa2048;\r\n  spf=pass smtp.mailfrom=campaign.example")
	if err != nil {
		t.Fatal(err)
	}
	if r.Instance != 1 || r.AuthServID != "mx.provider.example" || len(r.Results) != 2 || r.Results[0].Get("header", "s") != "rsa2048" {
		t.Errorf("%+v", r)
	}
	if _, err := ParseARC("mx.example; spf=pass"); err == nil {
		t.Error("ARC results without i= accepted")
	}
}

func TestParseErrors(t *testing.T) {
	for _, bad := range []string{
		"",
		"example.com; spf",
		"example.com; spf=",
		"example.com; spf=pass smtp",
		"example.com; spf=pass (unterminated",
		`example.com; dkim=pass header.b="open`,
		"example.com; dkim=pass header=x",
		"example.com x",
	} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("example.com 1; spf=pass smtp.mailfrom=example.net; dkim=pass (ok) header.d=example.org")
	f.Add("i=2; mx.example; arc=pass (chain ok) smtp.remote-ip=192.0.2.1")
	f.Add("mx; none")
	f.Fuzz(func(t *testing.T, s string) {
		for _, arc := range []bool{false, true} {
			r, err := parse(s, arc)
			if err != nil {
				continue
			}
			if r.AuthServID == "" {
				t.Error("empty authserv-id accepted")
			}
			for _, m := range r.Results {
				if m.Method == "" || m.Result == "" {
					t.Errorf("empty method or result: %+v", m)
				}
			}
		}
	})
}
