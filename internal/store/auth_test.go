package store

import (
	"errors"
	"testing"
	"time"
)

// TestAccountSecurity runs the account-hardening part of the conformance
// suite (migration 0004) on both databases.
func TestAccountSecurity(t *testing.T) {
	for _, db := range []struct {
		name string
		open opener
	}{{"sqlite", openSQLite}, {"postgres", openPostgres}} {
		t.Run(db.name, func(t *testing.T) {
			for _, tc := range []struct {
				name string
				fn   func(t *testing.T, open opener)
			}{
				{"totp", testTOTPState},
				{"throttle", testThrottle},
				{"passkeys", testPasskeys},
				{"users lifecycle", testUserLifecycle},
			} {
				t.Run(tc.name, func(t *testing.T) { tc.fn(t, db.open) })
			}
		})
	}
}

func testTOTPState(t *testing.T, open opener) {
	f := newFixture(t, open)
	s, ctx := f.s, f.ctx
	u, err := s.CreateUser(ctx, cli, User{OrgID: f.a.ID, Username: "ann", Role: RoleAdmin, PasswordHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnableTOTP(ctx, cli, u.ID, 5); !errors.Is(err, ErrNotFound) {
		t.Fatalf("enabled without a pending secret: %v", err)
	}
	if err := s.SetTOTPPending(ctx, u.ID, "PENDINGSECRET"); err != nil {
		t.Fatal(err)
	}
	if err := s.EnableTOTP(ctx, cli, u.ID, 100); err != nil {
		t.Fatal(err)
	}
	got, _ := s.UserByID(ctx, u.ID)
	if !got.TOTPEnabled || got.TOTPSecret != "PENDINGSECRET" || got.TOTPPending != "" || got.TOTPLastStep != 100 {
		t.Fatalf("after enable: %+v", got)
	}
	for _, tc := range []struct {
		step int64
		ok   bool
	}{{100, false}, {99, false}, {101, true}, {101, false}, {103, true}} {
		ok, err := s.UseTOTPStep(ctx, u.ID, tc.step)
		if err != nil || ok != tc.ok {
			t.Errorf("step %d: %v %v, want %v", tc.step, ok, err, tc.ok)
		}
	}
}

func testThrottle(t *testing.T, open opener) {
	f := newFixture(t, open)
	s := f.s
	dev, _ := s.CreateUser(f.ctx, cli, User{OrgID: f.a.ID, Username: "dev", Role: RoleMember, PasswordHash: "h"})
	now := time.Unix(1_800_000_000, 0)
	s.SetClock(func() time.Time { return now })
	th := Throttle{Free: 2, Base: time.Second, Max: 8 * time.Second, Forget: time.Hour}
	var waits []time.Duration
	for range 7 {
		next, err := s.ThrottleFailure(f.ctx, ThrottlePairKey("bob", "192.0.2.1"), th)
		if err != nil {
			t.Fatal(err)
		}
		w := time.Duration(0)
		if !next.IsZero() {
			w = next.Sub(now)
		}
		waits = append(waits, w)
	}
	want := []time.Duration{0, 0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("waits %v, want %v", waits, want)
		}
	}
	if until, _ := s.LockedUntil(f.ctx, ThrottlePairKey("bob", "192.0.2.1")); until.IsZero() {
		t.Fatal("not throttled")
	}
	// Another account from the same address is not affected.
	if until, _ := s.LockedUntil(f.ctx, ThrottlePairKey("carol", "192.0.2.1")); !until.IsZero() {
		t.Fatal("another account throttled")
	}
	// The wait ends by itself.
	now = now.Add(9 * time.Second)
	if until, _ := s.LockedUntil(f.ctx, ThrottlePairKey("bob", "192.0.2.1")); !until.IsZero() {
		t.Fatal("the wait did not end")
	}
	// Forgotten after a quiet hour.
	now = now.Add(2 * time.Hour)
	if next, _ := s.ThrottleFailure(f.ctx, ThrottlePairKey("bob", "192.0.2.1"), th); !next.IsZero() {
		t.Fatal("old failures still counted")
	}
	// Clearing an account clears its pairs and the account key, not others.
	for range 5 {
		s.ThrottleFailure(f.ctx, ThrottleAccountKey("bob"), th)
		s.ThrottleFailure(f.ctx, ThrottlePairKey("bob", "198.51.100.1"), th)
		s.ThrottleFailure(f.ctx, ThrottlePairKey("bobby", "198.51.100.1"), th)
	}
	if err := s.ClearLoginThrottle(f.ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	for key, locked := range map[string]bool{ThrottleAccountKey("bob"): false, ThrottlePairKey("bob", "198.51.100.1"): false, ThrottlePairKey("bobby", "198.51.100.1"): true} {
		if until, _ := s.LockedUntil(f.ctx, key); until.IsZero() == locked {
			t.Errorf("%s: locked %v after clearing bob, want %v", key, !until.IsZero(), locked)
		}
	}
	// Devices.
	if err := s.TrustDevice(f.ctx, "dev1", dev.ID, time.Hour); err != nil {
		t.Fatal(err)
	}
	if id, _ := s.DeviceUser(f.ctx, "dev1"); id != dev.ID {
		t.Fatalf("device user %d", id)
	}
	now = now.Add(2 * time.Hour)
	if id, _ := s.DeviceUser(f.ctx, "dev1"); id != 0 {
		t.Fatal("expired device still trusted")
	}
}

func testPasskeys(t *testing.T, open opener) {
	f := newFixture(t, open)
	s, ctx := f.s, f.ctx
	u, _ := s.CreateUser(ctx, cli, User{OrgID: f.a.ID, Username: "ann", Role: RoleAdmin, PasswordHash: "h"})
	h, err := s.WebAuthnHandle(ctx, u.ID, "handle-1")
	if err != nil || h != "handle-1" {
		t.Fatalf("handle %q %v", h, err)
	}
	if h, _ := s.WebAuthnHandle(ctx, u.ID, "handle-2"); h != "handle-1" {
		t.Fatalf("handle changed to %q", h)
	}
	if got, err := s.UserByWebAuthnHandle(ctx, "handle-1"); err != nil || got.ID != u.ID {
		t.Fatalf("by handle: %v", err)
	}
	pk, err := s.AddPasskey(ctx, cli, Passkey{UserID: u.ID, CredentialID: "cred1", Name: "laptop", Data: []byte(`{"id":"x"}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddPasskey(ctx, cli, Passkey{UserID: u.ID, CredentialID: "cred1", Data: []byte("{}")}); !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate credential: %v", err)
	}
	if got, _ := s.UserByID(ctx, u.ID); got.Passkeys != 1 {
		t.Fatalf("passkey count %d", got.Passkeys)
	}
	if err := s.UsePasskey(ctx, u.ID, "cred1", []byte(`{"id":"y"}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.UsePasskey(ctx, u.ID+1, "cred1", []byte(`{}`)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another user's passkey updated: %v", err)
	}
	list, _ := s.ListPasskeys(ctx, u.ID)
	if len(list) != 1 || string(list[0].Data) != `{"id":"y"}` || list[0].LastUsedAt.IsZero() {
		t.Fatalf("list %+v", list)
	}
	// Ceremonies are answered once and expire.
	if err := s.PutCeremony(ctx, "k1", u.ID, "login", []byte("challenge"), time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.TakeCeremony(ctx, "k1", "register"); !errors.Is(err, ErrNotFound) {
		t.Fatal("ceremony of another kind taken")
	}
	if id, d, err := s.TakeCeremony(ctx, "k1", "login"); err != nil || id != u.ID || string(d) != "challenge" {
		t.Fatalf("take: %v", err)
	}
	if _, _, err := s.TakeCeremony(ctx, "k1", "login"); !errors.Is(err, ErrNotFound) {
		t.Fatal("ceremony taken twice")
	}
	s.PutCeremony(ctx, "k2", u.ID, "login", []byte("c"), time.Now().Add(-time.Second))
	if _, _, err := s.TakeCeremony(ctx, "k2", "login"); !errors.Is(err, ErrNotFound) {
		t.Fatal("expired ceremony taken")
	}
	if err := s.DeletePasskey(ctx, cli, u.ID+1, pk.ID); !errors.Is(err, ErrNotFound) {
		t.Fatal("another user deleted the passkey")
	}
	if err := s.DeletePasskey(ctx, cli, u.ID, pk.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.UserByID(ctx, u.ID); got.Passkeys != 0 {
		t.Fatal("passkey not deleted")
	}
	// Recovery removes them all.
	s.AddPasskey(ctx, cli, Passkey{UserID: u.ID, CredentialID: "p1", Data: []byte("{}")})
	s.AddPasskey(ctx, cli, Passkey{UserID: u.ID, CredentialID: "p2", Data: []byte("{}")})
	if n, err := s.DeletePasskeys(ctx, cli, u.ID); err != nil || n != 2 {
		t.Fatalf("delete all: %d %v", n, err)
	}
	if got, _ := s.UserByID(ctx, u.ID); got.Passkeys != 0 {
		t.Fatal("passkeys left after recovery")
	}
}

func testUserLifecycle(t *testing.T, open opener) {
	f := newFixture(t, open)
	s, ctx := f.s, f.ctx
	u, _ := s.CreateUser(ctx, cli, User{OrgID: f.a.ID, Username: "ann", Role: RoleMember, PasswordHash: "h"})
	personal, err := s.CreateToken(ctx, cli, Token{OrgID: f.a.ID, Role: RoleAdmin, Hash: "personal", Prefix: "p", UserID: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	if personal.OrgName != "Party A" || personal.OrgKind != KindParty {
		t.Fatalf("created token without its org: %+v", personal)
	}
	s.CreateToken(ctx, cli, Token{OrgID: f.a.ID, Role: RoleSensor, Hash: "sensor", Prefix: "s", UserID: u.ID})
	newSession := func(id string) {
		if err := s.CreateSession(ctx, Session{IDHash: id, UserID: u.ID, CSRF: "c", CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	// A role change ends sessions (the new role may need a second factor).
	newSession("s1")
	if err := s.UpdateUser(ctx, f.vA, cli, u.ID, UserUpdate{Role: new(RoleAdmin)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetSession(ctx, "s1"); !errors.Is(err, ErrNotFound) {
		t.Fatal("session survived a role change")
	}
	// Disabled: personal tokens stop, sensor tokens go on.
	if err := s.UpdateUser(ctx, f.vA, cli, u.ID, UserUpdate{Disabled: new(true)}); err != nil {
		t.Fatal(err)
	}
	for hash, usable := range map[string]bool{"personal": false, "sensor": true} {
		tok, _ := s.TokenByHash(ctx, hash)
		if tok.Usable(time.Now()) != usable {
			t.Errorf("%s token usable=%v while its user is disabled", hash, !usable)
		}
	}
	s.UpdateUser(ctx, f.vA, cli, u.ID, UserUpdate{Disabled: new(false)})
	if tok, _ := s.TokenByHash(ctx, "personal"); !tok.Usable(time.Now()) {
		t.Fatal("personal token dead after enabling the user again")
	}
	// Another party cannot delete the user; its own admin can.
	if err := s.DeleteUser(ctx, f.vB, cli, u.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("party B deleted A's user: %v", err)
	}
	newSession("s2")
	s.AddPasskey(ctx, cli, Passkey{UserID: u.ID, CredentialID: "c", Data: []byte("{}")})
	if err := s.DeleteUser(ctx, f.vA, cli, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UserByID(ctx, u.ID); !errors.Is(err, ErrNotFound) {
		t.Fatal("user still there")
	}
	if _, err := s.GetSession(ctx, "s2"); !errors.Is(err, ErrNotFound) {
		t.Fatal("session of a deleted user")
	}
	for hash, usable := range map[string]bool{"personal": false, "sensor": true} {
		tok, _ := s.TokenByHash(ctx, hash)
		if tok.Usable(time.Now()) != usable {
			t.Errorf("%s token usable=%v after its user was deleted", hash, !usable)
		}
	}
}
