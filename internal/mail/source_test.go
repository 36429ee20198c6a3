package mail

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWalkMailboxes(t *testing.T) {
	dir := t.TempDir()
	mbox := "From a@b.example Mon Jan  1 00:00:00 2024\nSubject: one\n\nline\n>From the quoted line\n>>From doubly quoted\n\nFrom c@d.example Mon Jan  1 00:00:00 2024\nSubject: two\n\nbody\n"
	os.WriteFile(filepath.Join(dir, "box.mbox"), []byte(mbox), 0o644)
	mmdf := "\x01\x01\x01\x01\nSubject: m1\n\nx\n\x01\x01\x01\x01\n\x01\x01\x01\x01\nSubject: m2\n\ny\n\x01\x01\x01\x01\n"
	os.WriteFile(filepath.Join(dir, "box.mmdf"), []byte(mmdf), 0o644)
	md := filepath.Join(dir, "Maildir")
	for _, d := range []string{"cur", "new", "tmp", ".Sent/cur", ".Sent/new", ".Sent/tmp"} {
		os.MkdirAll(filepath.Join(md, d), 0o755)
	}
	os.WriteFile(filepath.Join(md, "new", "1.host"), []byte("Subject: new\n\nx"), 0o644)
	os.WriteFile(filepath.Join(md, "cur", "2.host:2,S"), []byte("Subject: cur\n\nx"), 0o644)
	os.WriteFile(filepath.Join(md, "tmp", "3.host"), []byte("Subject: being written\n\nx"), 0o644)
	os.WriteFile(filepath.Join(md, "dovecot-uidlist"), []byte("3 V1 N4\n"), 0o644)
	os.WriteFile(filepath.Join(md, ".Sent", "cur", "4.host:2,S"), []byte("Subject: sent\n\nx"), 0o644)

	var names, subjects []string
	var bodies []string
	err := Walk(dir, nil, ReadOptions{}, func(it Item) error {
		if it.Err != nil {
			t.Errorf("%s: %v", it.Name, it.Err)
		}
		names = append(names, filepath.Base(it.Name))
		for _, l := range strings.Split(string(it.Raw), "\n") {
			if strings.HasPrefix(l, "Subject: ") {
				subjects = append(subjects, strings.TrimPrefix(l, "Subject: "))
			}
		}
		bodies = append(bodies, string(it.Raw))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "sent cur new one two m1 m2"
	if got := strings.Join(subjects, " "); got != want {
		t.Errorf("subjects %q, want %q (names %v)", got, want, names)
	}
	if !strings.Contains(strings.Join(bodies, ""), "\nFrom the quoted line\n>From doubly quoted\n") {
		t.Errorf("mboxrd quoting not undone: %q", bodies)
	}
	// stdin
	var got []string
	Walk("-", strings.NewReader("Subject: stdin\n\nx"), ReadOptions{}, func(it Item) error {
		got = append(got, it.Name)
		return nil
	})
	if len(got) != 1 || got[0] != "-" {
		t.Errorf("stdin: %v", got)
	}
	// a missing file is an error naming it
	if err := Walk(filepath.Join(dir, "nope.eml"), nil, ReadOptions{}, func(Item) error { return nil }); err == nil || !strings.Contains(err.Error(), "nope.eml") {
		t.Errorf("missing file: %v", err)
	}
	// size limit
	big := "Subject: big\n\n" + strings.Repeat("a", 10000)
	Walk("-", strings.NewReader(big), ReadOptions{MaxMessageBytes: 1000}, func(it Item) error {
		if !it.Truncated || len(it.Raw) != 1000 {
			t.Errorf("truncation: %v %d", it.Truncated, len(it.Raw))
		}
		return nil
	})
}
