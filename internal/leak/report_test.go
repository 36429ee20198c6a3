package leak

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/mailauth"
)

// TestLeakReportHTML: every item has an anchor and its From and Subject in the
// table; the header names the version, the command line and the SHA-256
// of the key archive and of the originals; the DKIM terms are explained;
// each verdict has its own badge; the report exists in French, and
// report.json carries the reasons in both languages.
func TestLeakReportHTML(t *testing.T) {
	dump, party, keys, _ := buildVerdictDump(t)
	ar, err := mailauth.LoadArchiveFile(keys)
	if err != nil {
		t.Fatal(err)
	}
	keyBytes, _ := os.ReadFile(keys)
	keySum := sha256.Sum256(keyBytes)
	for _, lang := range []string{LangEN, LangFR} {
		out := filepath.Join(t.TempDir(), "out")
		if d := os.Getenv("VIGIE_LEAK_REPORT_DIR"); d != "" {
			out = filepath.Join(d, lang) // keep the report to look at it
		}
		c := Config{Dump: dump, Originals: party, Out: out, Resolver: ar, Keys: keys, KeyFiles: []KeyArchive{{Path: keys, Records: 2}},
			Tool: "vigie 1.2.3", CommandLine: "vigie leak verify --keys keys.zone --originals party --out out dump", Lang: lang,
			Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		rep, err := Run(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(out, "report.html"))
		if err != nil {
			t.Fatal(err)
		}
		html := string(b)
		if strings.Contains(html, filepath.Dir(keys)) {
			t.Errorf("%s: report.html shows the analyst's disk (%s)", lang, filepath.Dir(keys))
		}
		for _, s := range []string{"vigie 1.2.3", "vigie leak verify --keys keys.zone", hex.EncodeToString(keySum[:]), rep.OriginalsSHA256, "bh=", "l=", "permerror", "c=relaxed/simple"} {
			if s == "" || !strings.Contains(html, s) {
				t.Errorf("%s: report.html lacks %q", lang, s)
			}
		}
		for i, it := range rep.Items {
			if !strings.Contains(html, fmt.Sprintf(`id="item-%d"`, i+1)) {
				t.Errorf("%s: no anchor for %s", lang, it.Path)
			}
			if it.Mail != nil && it.Mail.Subject != "" && !regexp.MustCompile(`href="#item-`+fmt.Sprint(i+1)+`">[^<]*</a></td><td>[^<]*</td><td>`+regexp.QuoteMeta(it.Mail.Subject)).MatchString(html) {
				t.Errorf("%s: the table row of %s lacks its Subject %q", lang, it.Path, it.Mail.Subject)
			}
		}
		// Each verdict present has its own badge class and mark.
		for _, v := range []Verdict{Authentic, Altered, Forged, Reformatted, Unverifiable, Error} {
			if rep.Counts[string(v)] == 0 {
				t.Errorf("the dump has no %s item", v)
			}
			if !strings.Contains(html, `class="badge v-`+string(v)+`"`) || !strings.Contains(html, badgeMark[v]+" "+verdictLabel(v, lang)) {
				t.Errorf("%s: no distinct badge for %s", lang, v)
			}
		}
		if lang == LangFR {
			for _, s := range []string{`lang="fr"`, "Falsifié", "Glossaire", "empreinte du corps", "Méthode et limites", "signature falsifiée", "expéditeur usurpé"} {
				if !strings.Contains(html, s) {
					t.Errorf("fr: report.html lacks %q", s)
				}
			}
		}
		var js struct {
			Items []struct {
				Reasons   []string `json:"reasons"`
				ReasonsFR []string `json:"reasons_fr"`
			} `json:"items"`
			Keys []KeyArchive `json:"key_archives"`
		}
		jb, _ := os.ReadFile(filepath.Join(out, "report.json"))
		if err := json.Unmarshal(jb, &js); err != nil {
			t.Fatal(err)
		}
		if len(js.Keys) != 1 || js.Keys[0].SHA256 != hex.EncodeToString(keySum[:]) {
			t.Errorf("key archives in report.json: %+v", js.Keys)
		}
		for _, it := range js.Items {
			if len(it.ReasonsFR) != len(it.Reasons) {
				t.Errorf("reasons_fr %d, reasons %d", len(it.ReasonsFR), len(it.Reasons))
			}
		}
	}
}

// TestLeakOriginalsDigest: the originals' fingerprint is what the shell
// command given in the report prints.
func TestLeakOriginalsDigest(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "b.eml"), []byte("b"), 0o644)
	os.WriteFile(filepath.Join(dir, "sub", "a.docx"), []byte("a"), 0o644)
	got, err := originalsDigest(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-c", "LC_ALL=C find . -type f | sort | xargs sha256sum | sha256sum")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("sha256sum not available: %v", err)
	}
	if want := strings.Fields(string(out))[0]; got != want {
		t.Errorf("digest %s, shell %s", got, want)
	}
}

// TestLeakReportPages: a report of more items than fit on one page is split;
// every item has its evidence and anchor on its page, and report.html
// links to each page.
func TestLeakReportPages(t *testing.T) {
	rep := &Report{Counts: map[string]int{}, Lang: LangEN}
	for i := range htmlPageSize*2 + 5 {
		it := &Item{Path: fmt.Sprintf("dump/m%05d.eml", i), Kind: KindMail, Verdict: Unverifiable, Reasons: []string{"the message carries no DKIM signature: nothing can be proven either way"},
			Mail: &MailEvidence{From: "a@b.example", Subject: fmt.Sprintf("Subject %d", i)}}
		rep.Items = append(rep.Items, it)
		rep.Counts[string(it.Verdict)]++
	}
	dir := t.TempDir()
	if err := WriteFiles(dir, rep); err != nil {
		t.Fatal(err)
	}
	main, _ := os.ReadFile(filepath.Join(dir, "report.html"))
	for p := 1; p <= 3; p++ {
		name := fmt.Sprintf("items-%04d.html", p)
		if !strings.Contains(string(main), `href="`+name+`"`) {
			t.Errorf("report.html does not link to %s", name)
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		from := (p-1)*htmlPageSize + 1
		if !strings.Contains(string(b), fmt.Sprintf(`id="item-%d"`, from)) || !strings.Contains(string(b), fmt.Sprintf("Subject %d<", from-1)) {
			t.Errorf("%s lacks item %d", name, from)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "items-0003.html")); !strings.Contains(string(b), fmt.Sprintf(`id="item-%d"`, len(rep.Items))) {
		t.Error("the last item has no evidence")
	}
}

// TestLeakFrench: the reasons of the realistic leak read in French, names and
// numbers kept.
func TestLeakFrench(t *testing.T) {
	for _, tt := range []struct{ en, fr string }{
		{"caveat: Cc (not signed) is not covered by the signature: it may have been added or changed", "réserve : Cc (non signé) n'est pas couvert par la signature : il a pu être ajouté ou modifié"},
		{"metadata anomaly (unknown-person): The document's author is \"Ivan\", who is not on the organisation's staff list.", "anomalie de métadonnées (unknown-person) : L'auteur du document est « Ivan », qui ne figure pas sur la liste du personnel de l'organisation."},
		{"the message does not match what was signed: body changed", "le message ne correspond pas à ce qui a été signé : le corps a été modifié"},
		{"signature #0 (d=mail.example) is valid for what it covers, but what a reader sees was changed after signing: body", "la signature n°0 (d=mail.example) est valide pour ce qu'elle couvre, mais ce qu'un lecteur voit a été modifié après la signature : le corps"},
	} {
		if got := French(tt.en); got != tt.fr {
			t.Errorf("French(%q)\n = %q\nwant %q", tt.en, got, tt.fr)
		}
	}
}

// TestLeakCheckpointKeys: a checkpoint made with another key archive is not
// reused (its verdicts rest on other keys).
func TestLeakCheckpointKeys(t *testing.T) {
	dir := t.TempDir()
	dump := filepath.Join(dir, "dump")
	os.MkdirAll(dump, 0o755)
	os.WriteFile(filepath.Join(dump, "a.eml"), []byte("From: a@example.org\r\nSubject: x\r\n\r\nx\r\n"), 0o644)
	keys := filepath.Join(dir, "k.zone")
	os.WriteFile(keys, []byte("; none\n"), 0o644)
	out := filepath.Join(dir, "out")
	c := Config{Dump: dump, Out: out, Resume: true, KeyFiles: []KeyArchive{{Path: keys}}}
	if _, err := Run(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if rep, _ := Run(context.Background(), c); rep.Resumed != 1 {
		t.Fatalf("same keys: resumed %d", rep.Resumed)
	}
	os.WriteFile(keys, []byte("; other keys\n"), 0o644)
	c.KeyFiles = []KeyArchive{{Path: keys}}
	if rep, _ := Run(context.Background(), c); rep.Resumed != 0 {
		t.Errorf("other keys: resumed %d items from the checkpoint", rep.Resumed)
	}
}
