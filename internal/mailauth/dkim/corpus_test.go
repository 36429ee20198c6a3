package dkim

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/vigie-project/vigie/internal/mailauth"
)

// corpusEntry is one line of the shared DKIM corpus manifest.
type corpusEntry struct {
	File       string `json:"file"`
	Expected   string `json:"expected"`
	Variant    string `json:"variant"`
	Tamper     string `json:"tamper"`
	Crosscheck struct {
		OpenDKIM []struct {
			Result string `json:"result"`
		} `json:"opendkim"`
		OpenDKIMVerdict string `json:"opendkim_verdict"`
		MailDKIM        []struct {
			Result string `json:"result"`
			Detail string `json:"detail"`
		} `json:"mail_dkim"`
		MailDKIMVerdict string `json:"mail_dkim_verdict"`
	} `json:"crosscheck"`
	Signatures []struct {
		DKIMPy string `json:"dkimpy"`
	} `json:"signatures"`
}

// purposefulStrict lists the variants where the strict (default)
// verifier differs on purpose from verifiers that agree with each other;
// doc.go explains each.
var purposefulStrict = map[string]string{
	"sha1_rr": "rsa-sha1 is not accepted by default (RFC 8301); dkimpy, opendkim and Mail::DKIM still pass it",
}

// forensicExpected are the verdicts doc.go promises for corpus messages
// whose forensic verdict differs on purpose from the DKIM result (judged
// at the message's date, as the leak authenticator does).
var forensicExpected = map[string]struct {
	kind    VerdictKind
	contain string
}{
	"msgs/plain__expired_x.eml":                   {AuthenticWithCaveats, "x= expired"},
	"msgs/plain__rotated_nokey.eml":               {Unverifiable, "not evidence of forgery"},
	"msgs/plain__revoked.eml":                     {Unverifiable, "revoked"},
	"msgs/plain__len_rr__append.eml":              {AuthenticWithCaveats, "anyone could have appended"},
	"msgs/plain__noover_rr__prepend_from.eml":     {AuthenticWithCaveats, "From #1 of 2"},
	"msgs/plain__rsa_rr__prepend_subject.eml":     {AuthenticWithCaveats, "Subject #1 of 2"},
	"msgs/plain__rsa512.eml":                      {AuthenticWithCaveats, "factored cheaply"},
	"msgs/plain__sha1_rr.eml":                     {AuthenticWithCaveats, "SHA-1"},
	"msgs/plain__sha1_on_sha256only.eml":          {AuthenticWithCaveats, "h= tag does not allow"},
	"msgs/plain__rsa_rr__append.eml":              {Altered, "were appended"},
	"msgs/plain__over_rr__prepend_subject.eml":    {Altered, "Subject field #1 of 2"},
	"msgs/plain__rsa_rr__subject.eml":             {Altered, "Subject"},
	"msgs/plain__rsa_rr__nosig.eml":               {Unverifiable, "no DKIM signature"},
	"msgs/plain__mixed_canon__hdr_ws.eml":         {AuthenticWithCaveats, "fails"},
	"msgs/plain__two_domains__esp_sig_broken.eml": {AuthenticWithCaveats, "signature #0"},
}

// TestCorpus runs the verifier over the shared DKIM corpus. It needs
// VIGIE_CORPUS=/path/to/shared/corpus and is skipped otherwise.
func TestCorpus(t *testing.T) {
	root := os.Getenv("VIGIE_CORPUS")
	if root == "" {
		t.Skip("VIGIE_CORPUS not set: skipping the shared DKIM corpus check")
	}
	dir := filepath.Join(root, "dkim")
	archive, err := mailauth.LoadArchiveFile(filepath.Join(dir, "dns_txt.zone"))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := mailauth.LoadArchiveFile(filepath.Join(dir, "dns_txt.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(plain.Records()) != len(archive.Records()) {
		t.Errorf("dns_txt.txt has %d records, dns_txt.zone %d", len(plain.Records()), len(archive.Records()))
	}
	for i, r := range archive.Records() {
		if p := plain.Records()[i]; p.Name != r.Name || p.Value != r.Value {
			t.Errorf("zone and plain archives differ for %s", r.Name)
		}
	}
	f, err := os.Open(filepath.Join(dir, "manifest.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var entries []corpusEntry
	for sc.Scan() {
		var e corpusEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		entries = append(entries, e)
	}
	for _, mode := range []struct {
		name string
		opts Options
	}{
		{"compat", Options{Resolver: archive, AllowSHA1: true}},
		{"strict", Options{Resolver: archive}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			agreeN, agreeOK, sigAgreeN, sigAgreeOK := 0, 0, 0, 0
			var differences []string
			verdicts := map[VerdictKind]int{}
			for _, e := range entries {
				raw, err := os.ReadFile(filepath.Join(dir, e.File))
				if err != nil {
					t.Fatal(err)
				}
				rep := VerifyMessage(context.Background(), raw, mode.opts)
				got := "fail"
				if rep.Signatures[0].Result == None {
					got = "none"
				}
				for _, s := range rep.Signatures {
					if s.Result == Pass {
						got = "pass"
					}
				}
				verdicts[Forensic(rep).Kind]++
				if want, ok := forensicExpected[e.File]; ok && mode.name == "strict" {
					fv := Forensic(VerifyMessage(context.Background(), raw, Options{Resolver: archive, JudgeAt: JudgeMessageDate}))
					all := strings.Join(append(append(append([]string{fv.Summary}, fv.Caveats...), fv.Altered...), fv.Reasons...), "\n")
					if fv.Kind != want.kind || !strings.Contains(all, want.contain) {
						t.Errorf("%s: forensic verdict %s, want %s containing %q:\n%s", e.File, fv.Kind, want.kind, want.contain, all)
					}
				}
				// Message level: compare where the reference verifiers
				// that support the algorithms agree.
				refs := []string{e.Expected, e.Crosscheck.OpenDKIMVerdict}
				edOnly := true
				for _, s := range e.Crosscheck.MailDKIM {
					if !strings.Contains(s.Detail, "unsupported algorithm") {
						edOnly = false
					}
				}
				if !edOnly && !anyUnsupported(e) {
					refs = append(refs, e.Crosscheck.MailDKIMVerdict)
				}
				if allSame(refs) {
					agreeN++
					if got == refs[0] {
						agreeOK++
					} else if why, ok := purposefulStrict[e.Variant]; ok && mode.name == "strict" {
						agreeOK++
						differences = append(differences, fmt.Sprintf("%s: references %s, ours %s: %s", e.File, refs[0], got, why))
					} else {
						t.Errorf("%s: references agree on %s, ours %s: %+v", e.File, refs[0], got, brief(rep))
					}
				} else {
					differences = append(differences, fmt.Sprintf("%s: references differ %v, ours %s (%s)", e.File, refs, got, brief(rep)))
				}
				// Signature level.
				if len(e.Signatures) != len(rep.Signatures) && got != "none" {
					t.Errorf("%s: %d signatures in manifest, %d verified", e.File, len(e.Signatures), len(rep.Signatures))
					continue
				}
				for i, s := range e.Signatures {
					votes := []bool{s.DKIMPy == "pass"}
					if i < len(e.Crosscheck.OpenDKIM) {
						votes = append(votes, e.Crosscheck.OpenDKIM[i].Result == "pass")
					}
					if i < len(e.Crosscheck.MailDKIM) && !strings.Contains(e.Crosscheck.MailDKIM[i].Detail, "unsupported algorithm") {
						votes = append(votes, e.Crosscheck.MailDKIM[i].Result == "pass")
					}
					same := true
					for _, v := range votes {
						same = same && v == votes[0]
					}
					if !same {
						continue
					}
					sigAgreeN++
					mine := rep.Signatures[i].Result == Pass
					if mine == votes[0] {
						sigAgreeOK++
					} else if _, ok := purposefulStrict[e.Variant]; !(ok && mode.name == "strict") {
						t.Errorf("%s signature #%d: references agree pass=%v, ours %s %s", e.File, i, votes[0], rep.Signatures[i].Result, rep.Signatures[i].Reason)
					} else {
						sigAgreeOK++
					}
				}
			}
			sort.Strings(differences)
			t.Logf("%s: messages where the references agree: %d/%d agree with ours; signatures: %d/%d", mode.name, agreeOK, agreeN, sigAgreeOK, sigAgreeN)
			t.Logf("forensic verdicts: %v", verdicts)
			for _, d := range differences {
				t.Logf("  difference: %s", d)
			}
		})
	}
}

func anyUnsupported(e corpusEntry) bool {
	for _, s := range e.Crosscheck.MailDKIM {
		if strings.Contains(s.Detail, "unsupported algorithm") {
			return true
		}
	}
	return false
}

func allSame(v []string) bool {
	for _, x := range v {
		if x != v[0] {
			return false
		}
	}
	return true
}

func brief(rep *Report) string {
	var parts []string
	for _, s := range rep.Signatures {
		parts = append(parts, fmt.Sprintf("#%d %s %s %s", s.Index, s.Result, s.Reason, s.Detail))
	}
	return strings.Join(parts, "; ")
}

// BenchmarkCorpus verifies every message of the shared DKIM corpus once
// per iteration (VIGIE_CORPUS must be set). Compare with dkimpy using
// the command in /work/notes/bench-mailauth.md.
func BenchmarkCorpus(b *testing.B) {
	root := os.Getenv("VIGIE_CORPUS")
	if root == "" {
		b.Skip("VIGIE_CORPUS not set")
	}
	dir := filepath.Join(root, "dkim")
	archive, err := mailauth.LoadArchiveFile(filepath.Join(dir, "dns_txt.txt"))
	if err != nil {
		b.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "msgs", "*.eml"))
	var msgs [][]byte
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, raw)
	}
	cpu0 := cpuTime()
	for b.Loop() {
		for _, m := range msgs {
			Verify(context.Background(), m, Options{Resolver: archive, AllowSHA1: true})
		}
	}
	b.ReportMetric(float64(b.N*len(msgs))/b.Elapsed().Seconds(), "msgs/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(b.N*len(msgs))/cpu.Seconds(), "msgs/cpu-s")
	}
}
