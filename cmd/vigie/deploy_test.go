package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// unitFiles reads the systemd units shipped in deploy/systemd.
func unitFiles(t *testing.T) map[string]string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "..", "deploy", "systemd", "*"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no units in deploy/systemd: %v", err)
	}
	out := map[string]string{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = string(b)
	}
	return out
}

// execStart joins the ExecStart= line of a unit and its continuations.
func execStart(unit string) string {
	var b strings.Builder
	in := false
	for line := range strings.Lines(unit) {
		line = strings.TrimRight(line, "\n")
		if strings.HasPrefix(line, "ExecStart=") {
			in = true
			line = strings.TrimPrefix(line, "ExecStart=")
		}
		if !in {
			continue
		}
		cont := strings.HasSuffix(line, "\\")
		b.WriteString(strings.TrimSuffix(strings.TrimSpace(line), "\\"))
		b.WriteString(" ")
		if !cont {
			break
		}
	}
	return strings.TrimSpace(b.String())
}

// TestSystemdUnits: the shipped units say what the deployment guide
// promises (the milter and the hub restart whatever happens, the sweep
// runs from a timer), every vigie command line in them parses with this
// vigie's flags, and systemd-analyze verify (Debian package systemd)
// finds nothing to say about them.
func TestSystemdUnits(t *testing.T) {
	units := unitFiles(t)
	for name, want := range map[string][]string{
		"vigie-milter.service": {"Restart=always", "unix:/var/spool/postfix/vigie/milter.sock", "--metrics-listen", "GOMEMLIMIT="},
		"vigie-hub.service":    {"Restart=always", "vigie serve"},
		"vigie-scan.service":   {"Type=oneshot", "vigie scan", "SuccessExitStatus=1"},
		"vigie-scan.timer":     {"OnCalendar=", "Persistent=true"},
		"vigie-dns.service":    {"Restart=always", "CAP_NET_BIND_SERVICE", "ExecReload=/bin/kill -HUP $MAINPID"},
	} {
		u, ok := units[name]
		if !ok {
			t.Errorf("deploy/systemd/%s missing", name)
			continue
		}
		for _, w := range want {
			if !strings.Contains(u, w) {
				t.Errorf("%s lacks %q", name, w)
			}
		}
	}

	// every command line parses (flags that exist, values of the right type)
	for name, u := range units {
		line := execStart(u)
		if line == "" {
			continue
		}
		args := strings.Fields(strings.ReplaceAll(line, `"${VIGIE_HUB}"`, "https://hub.example.org"))
		if args[0] != "/usr/local/bin/vigie" {
			t.Errorf("%s: ExecStart runs %s, want /usr/local/bin/vigie", name, args[0])
			continue
		}
		g := &globalOptions{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}, stdin: strings.NewReader("")}
		root := newRootCommand(g)
		cmd, rest, err := root.Find(args[1:])
		if err != nil {
			t.Errorf("%s: %q: %v", name, line, err)
			continue
		}
		if err := cmd.ParseFlags(rest); err != nil {
			t.Errorf("%s: %q: %v", name, line, err)
		}
	}

	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed (apt-get install systemd): units not verified")
	}
	// systemd-analyze checks that the program exists: the test binary
	// stands in for /usr/local/bin/vigie
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var names []string
	for name, u := range units {
		os.WriteFile(filepath.Join(dir, name), []byte(strings.ReplaceAll(u, "/usr/local/bin/vigie", self)), 0o644)
		names = append(names, name)
	}
	cmd := exec.Command(sa, append([]string{"verify", "--man=no"}, names...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	// it exits 0 on unknown keys and bad values, but prints them
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
