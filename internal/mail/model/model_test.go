package model

import (
	"bytes"
	"errors"
	"hash/fnv"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func toyExamples() []Example {
	phish := []string{
		"verify your account now or it will be suspended",
		"your mailbox is full click here to verify your password",
		"unusual sign in activity confirm your identity now",
		"your account has been suspended verify your details",
	}
	ham := []string{
		"minutes of the meeting on tuesday attached for review",
		"the patch looks good to me, applied to the tree",
		"can we move the volunteers meeting to thursday evening",
		"here are the leaflets for the market on saturday",
	}
	var ex []Example
	for _, s := range phish {
		ex = append(ex, Example{Features: Features(Input{Text: s, LinkHosts: []string{"secure-login.xyz"}}), Phish: true})
	}
	for _, s := range ham {
		ex = append(ex, Example{Features: Features(Input{Text: s}), Phish: false})
	}
	return ex
}

func TestTrainScoreExplain(t *testing.T) {
	m, err := Train(toyExamples(), TrainOptions{Epochs: 30})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		in    Input
		phish bool
		word  string // a feature that must be among the top
	}{
		{"credential lure", Input{Subject: "Action required", Text: "please verify your account or it will be suspended", LinkHosts: []string{"login-check.xyz"}}, true, "w:verify"},
		{"meeting note", Input{Text: "the meeting minutes are attached, see you thursday"}, false, "w:meeting"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := m.Score(Features(tc.in))
			if (s.P >= 0.5) != tc.phish {
				t.Fatalf("P = %.3f, want phishing=%v", s.P, tc.phish)
			}
			if !slices.ContainsFunc(s.Top, func(c Contribution) bool { return c.Feature == tc.word }) {
				t.Errorf("top features %v lack %s", s.Top, tc.word)
			}
			for _, c := range s.Top {
				if (c.Weight > 0) != tc.phish {
					t.Errorf("top feature %s weighs %.2f, against the verdict", c.Feature, c.Weight)
				}
			}
		})
	}
}

func TestFeaturesLeaveOutArtefacts(t *testing.T) {
	f := Features(Input{
		Subject: "Meeting 2002-08-23",
		Text:    "Dear communication, call 0612345678 at 10:30, on 23 Aug 2002 about the budget",
		Drop:    []string{"communication", "collectif", "test", "fr"},
	})
	for _, x := range f {
		if strings.ContainsAny(x, "0123456789") {
			t.Errorf("feature %q holds digits (dates, numbers describe the sample, not phishing)", x)
		}
		if strings.Contains(x, "communication") {
			t.Errorf("feature %q holds the recipient's name", x)
		}
	}
	if !slices.Contains(f, "w:budget") || !slices.Contains(f, "s:meeting") || !slices.Contains(f, "b:about budget") {
		t.Errorf("features %v lack the content words", f)
	}
}

func TestLinkDomainFeatures(t *testing.T) {
	f := Features(Input{LinkHosts: []string{"login.paypa1-secure.com.br", "192.0.2.1"}})
	for _, want := range []string{"tld:br", "d:^pa", "d:re$"} {
		if !slices.Contains(f, want) {
			t.Errorf("features %v lack %s", f, want)
		}
	}
	for _, x := range f {
		if strings.Contains(x, "192") {
			t.Errorf("an IP address became a name feature: %s", x)
		}
	}
}

func TestSaveLoadUpdate(t *testing.T) {
	m, err := Train(toyExamples(), TrainOptions{Epochs: 5})
	if err != nil {
		t.Fatal(err)
	}
	m.Note = "toy"
	p := filepath.Join(t.TempDir(), "m.bin")
	if err := m.Save(p); err != nil {
		t.Fatal(err)
	}
	l, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(l.Encode(), m.Encode()) || l.Note != "toy" || l.Ham != 4 || l.Phish != 4 {
		t.Fatalf("model changed through Save/Load (note %q, %d ham, %d phish)", l.Note, l.Ham, l.Phish)
	}
	// learning a party's own legitimate mail lowers its score
	in := Input{Text: "please verify the donation receipts for the account of the association"}
	before := l.Score(Features(in)).P
	var ex []Example
	for i := 0; i < 5; i++ {
		ex = append(ex, Example{Features: Features(in)})
	}
	if err := l.Update(ex, TrainOptions{Epochs: 4}); err != nil {
		t.Fatal(err)
	}
	if after := l.Score(Features(in)).P; after >= before {
		t.Errorf("after learning it as legitimate, P went from %.3f to %.3f", before, after)
	}
	if l.Ham != 9 {
		t.Errorf("ham count %d, want 9", l.Ham)
	}
}

func TestDecodeRejects(t *testing.T) {
	m, _ := New(8)
	good := m.Encode()
	for name, b := range map[string][]byte{
		"empty":     nil,
		"magic":     append([]byte("NOTAMODL"), good[8:]...),
		"truncated": good[:len(good)-4],
		"long":      append(append([]byte{}, good...), 0, 0, 0, 0),
	} {
		if _, err := Decode(b); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: err %v, want ErrFormat", name, err)
		}
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.bin")); err == nil || !strings.Contains(err.Error(), "missing.bin") {
		t.Errorf("Load of a missing file: %v", err)
	}
}

func TestDefaultModel(t *testing.T) {
	m, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if m.Ham < 1000 || m.Phish < 1000 {
		t.Errorf("built-in model trained on %d ham and %d phishing, want thousands", m.Ham, m.Phish)
	}
	if len(embedded) > 2<<20 {
		t.Errorf("built-in model is %d bytes, over 2 MiB", len(embedded))
	}
}

func FuzzDecode(f *testing.F) {
	m, _ := New(8)
	f.Add(m.Encode())
	f.Add([]byte(magic))
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := Decode(b); err == nil {
			m.Score([]string{"w:x"})
		}
	})
}

func FuzzFeatures(f *testing.F) {
	f.Add("Re: verify", "Name", "text with words and 123 digits", "a.b.example.com")
	f.Fuzz(func(t *testing.T, subj, name, text, host string) {
		for _, x := range Features(Input{Subject: subj, FromName: name, Text: text, LinkHosts: []string{host}}) {
			if x == "" {
				t.Fatal("empty feature")
			}
		}
	})
}

func TestDescribe(t *testing.T) {
	for f, want := range map[string]string{
		"w:verify":        "“verify”",
		"b:your account":  "“your account”",
		"s:urgent":        "“urgent” in the subject",
		"n:support":       "“support” in the sender's name",
		"tld:top":         "links to .top sites",
		"t:att-pdf":       "a .pdf attachment",
		"t:links-foreign": "links that all lead away from the sender's domain",
	} {
		if got := Describe(f); got != want {
			t.Errorf("Describe(%q) = %q, want %q", f, got, want)
		}
	}
}

// TestBucketIsFNV: the hash that picks a feature's weight is hash/fnv's
// FNV-1a, so models trained before stay valid.
func TestBucketIsFNV(t *testing.T) {
	m, _ := New(Bits)
	for _, f := range []string{"", "w:verify", "b:your account", "d:^pa", "t:html-only", "w:sécurité"} {
		h := fnv.New64a()
		h.Write([]byte(f))
		if got, want := m.bucket(f), uint32(h.Sum64()&(1<<Bits-1)); got != want {
			t.Errorf("%q: bucket %d, FNV-1a gives %d", f, got, want)
		}
	}
}
