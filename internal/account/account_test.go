package account

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/session"
	"github.com/huddle-live/huddle/internal/store"
)

var cheap = Params{Memory: 1024, Time: 1, Threads: 1}

func TestPasswordHash(t *testing.T) {
	phc := hashPassword("correct horse", cheap)
	if !strings.HasPrefix(phc, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("PHC string %q", phc)
	}
	if phc == hashPassword("correct horse", cheap) {
		t.Error("two hashes of one password are equal: no salt")
	}
	ok, p, err := checkPassword("correct horse", phc)
	if !ok || err != nil || p != cheap {
		t.Errorf("right password: %v %+v %v", ok, p, err)
	}
	if ok, _, _ := checkPassword("correct horsf", phc); ok {
		t.Error("a wrong password matched")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=9999999999,t=1,p=1$AA$AA", "$argon2id$v=19$m=1024,t=0,p=1$AA$AA"} {
		if _, _, err := checkPassword("x", bad); !errors.Is(err, errHash) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestCleanLogin(t *testing.T) {
	for in, want := range map[string]string{
		"Anna@Example.org":       "anna@example.org",
		"  boris ":               "boris",
		"вера.п":                 "вера.п",
		"ab":                     "",
		"a b c":                  "",
		"<script>":               "",
		"anna\u202e@evil.org":    "anna@evil.org",
		strings.Repeat("a", 101): "",
	} {
		got, err := CleanLogin(in)
		if (err != nil) != (want == "") || got != want {
			t.Errorf("CleanLogin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := CleanPassword("short"); !errors.Is(err, ErrBadPassword) {
		t.Error("a short password passed")
	}
	if _, err := CleanPassword(strings.Repeat("я", 257)); !errors.Is(err, ErrBadPassword) {
		t.Error("a 257-character password passed")
	}
}

// TestSignInRehashAndLimits: a password stored under older costs is
// rehashed under the current ones at sign-in; failures are limited per
// account and refill with time.
func TestSignInRehashAndLimits(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	st := store.NewMemory().Accounts()
	old := New(Config{Store: st, Params: Params{Memory: 512, Time: 1, Threads: 1}, Now: func() time.Time { return now }})
	if _, err := old.Add(ctx, NewAccount{Name: "Анна", Login: "anna", Password: "anna password"}); err != nil {
		t.Fatal(err)
	}
	if _, err := old.Add(ctx, NewAccount{Name: "", Login: "empty", Password: "anna password"}); !errors.Is(err, session.ErrBadName) {
		t.Errorf("an empty name: %v", err)
	}
	s := New(Config{Store: st, Params: cheap, Now: func() time.Time { return now }, Limits: Limits{AccountBurst: 3, AccountEvery: time.Minute, AddrBurst: 100, AddrEvery: time.Second}})
	a, err := s.SignIn(ctx, "ANNA", "anna password", "1.2.3.4")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a.Password, "m=1024,") {
		t.Errorf("not rehashed: %s", a.Password)
	}
	stored, _ := st.AccountByLogin(ctx, "anna")
	if stored.Password != a.Password {
		t.Error("the new hash was not stored")
	}
	for i := range 3 {
		if _, err := s.SignIn(ctx, "anna", "wrong", "1.2.3.4"); !errors.Is(err, ErrCredentials) {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	if _, err := s.SignIn(ctx, "anna", "anna password", "5.6.7.8"); !errors.Is(err, ErrRateLimited) {
		t.Errorf("past the burst: %v", err)
	}
	now = now.Add(time.Minute)
	if _, err := s.SignIn(ctx, "anna", "anna password", "5.6.7.8"); err != nil {
		t.Errorf("a minute later: %v", err)
	}
	// An unknown login fails like a wrong password.
	if _, err := s.SignIn(ctx, "nobody", "whatever", "5.6.7.8"); !errors.Is(err, ErrCredentials) {
		t.Errorf("unknown login: %v", err)
	}
}

// TestSessionsExpire: a session ends at its expiry, and with its account.
func TestSessionsExpire(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	st := store.NewMemory().Accounts()
	s := New(Config{Store: st, Params: cheap, Now: func() time.Time { return now }, SessionTTL: time.Hour})
	a, err := s.Add(ctx, NewAccount{Name: "Анна", Login: "anna", Password: "anna password"})
	if err != nil {
		t.Fatal(err)
	}
	token, sess, err := s.StartSession(ctx, a.ID)
	if err != nil || sess.Hash == token || sess.Hash != HashToken(token) {
		t.Fatalf("StartSession: %+v %v", sess, err)
	}
	if _, _, err := s.Resolve(ctx, token); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	if _, _, err := s.Resolve(ctx, token); !errors.Is(err, ErrSignedOut) {
		t.Errorf("an expired session: %v", err)
	}
	now = now.Add(-30 * time.Minute)
	token, _, _ = s.StartSession(ctx, a.ID)
	if _, err := s.Remove(ctx, "anna"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Resolve(ctx, token); !errors.Is(err, ErrSignedOut) {
		t.Errorf("the session of a removed account: %v", err)
	}
}
