package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vigie-project/vigie/internal/store"
)

// TestAdminUserLifecycle: disable, enable, change role, reset (which
// clears the login throttle) and delete from the command line; a common
// password is refused with the reason.
func TestAdminUserLifecycle(t *testing.T) {
	dir := t.TempDir()
	run := func(stdin string, args ...string) (int, string, string) {
		t.Helper()
		return vigie(t, stdin, append(args, "--data", dir)...)
	}
	run("", "admin", "org", "create", "Agency", "--kind", "agency")
	run("", "admin", "org", "create", "Parti Exemple", "--kind", "party")
	if code, _, e := run("Password2027!\n", "admin", "user", "create", "ann", "--org", "Parti Exemple", "--password-stdin"); code != exitError || !strings.Contains(e, "common password") {
		t.Fatalf("common password: %d %s", code, e)
	}
	if code, _, e := run("", "admin", "user", "create", "ann", "--org", "Parti Exemple", "--role", "analyst"); code != 0 {
		t.Fatalf("create: %d %s", code, e)
	}
	if code, out, e := run("", "admin", "user", "disable", "ann"); code != 0 || !strings.Contains(out, "disabled") {
		t.Fatalf("disable: %d %s %s", code, out, e)
	}
	if _, out, _ := run("", "admin", "user", "list"); !strings.Contains(out, "disabled=true") {
		t.Fatalf("list after disable: %s", out)
	}
	if code, out, _ := run("", "admin", "user", "enable", "ann"); code != 0 || !strings.Contains(out, "enabled") {
		t.Fatalf("enable: %d %s", code, out)
	}
	if code, _, _ := run("", "admin", "user", "role", "ann", "root"); code != exitUsage {
		t.Fatalf("bad role: %d", code)
	}
	if code, out, _ := run("", "admin", "user", "role", "ann", "member"); code != 0 || !strings.Contains(out, "role member") {
		t.Fatalf("role: %d %s", code, out)
	}
	// Failed logins throttle the account; reset clears it.
	st, err := store.Open(context.Background(), store.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ann, _ := st.UserByName(context.Background(), "ann")
	st.AddPasskey(context.Background(), store.Actor{Name: "t"}, store.Passkey{UserID: ann.ID, CredentialID: "lost-phone", Data: []byte("{}")})
	th := store.Throttle{Free: 0, Base: time.Hour, Max: time.Hour}
	st.ThrottleFailure(context.Background(), store.ThrottleAccountKey("ann"), th)
	st.ThrottleFailure(context.Background(), store.ThrottlePairKey("ann", "203.0.113.9"), th)
	st.Close()
	if code, out, e := run("", "admin", "user", "reset", "ann", "--totp"); code != 0 || !strings.Contains(out, "1 passkeys") {
		t.Fatalf("reset: %d %s %s", code, out, e)
	}
	if _, out, _ := run("", "admin", "user", "list"); !strings.Contains(out, "passkeys=0") {
		t.Fatalf("passkeys after reset --totp: %s", out)
	}
	st, _ = store.Open(context.Background(), store.Config{DataDir: dir})
	for _, k := range []string{store.ThrottleAccountKey("ann"), store.ThrottlePairKey("ann", "203.0.113.9")} {
		if until, _ := st.LockedUntil(context.Background(), k); !until.IsZero() {
			t.Errorf("%s still throttled after reset", k)
		}
	}
	st.Close()
	if code, out, _ := run("", "admin", "user", "delete", "ann"); code != 0 || !strings.Contains(out, "deleted") {
		t.Fatalf("delete: %d %s", code, out)
	}
	if code, _, e := run("", "admin", "user", "disable", "ann"); code != exitError || !strings.Contains(e, "ann") {
		t.Fatalf("disable a deleted user: %d %s", code, e)
	}
}
