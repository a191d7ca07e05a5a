package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/store"
)

// RunAccounts runs the conformance suite of the account store against the
// stores made by open: each subtest gets a new, empty one.
func RunAccounts(t *testing.T, open func(t *testing.T) store.Accounts) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Accounts)
	}{
		{"CreateAndFind", testCreateAndFind},
		{"LoginTaken", testLoginTaken},
		{"UpdateKeepsLogin", testUpdateKeepsLogin},
		{"DeleteAccount", testDeleteAccount},
		{"SetupTicket", testSetupTicket},
		{"InviteTicket", testInviteTicket},
		{"TicketUsedOnce", testTicketUsedOnce},
		{"Sessions", testSessions},
		{"RoomRecords", testRoomRecords},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

var ctx = context.Background()

// abase is a day ahead of the wall clock: Redis expires sessions and tickets
// at their real expiry time, so records made "now" must not be in its past.
var abase = time.Now().UTC().Truncate(time.Millisecond).Add(24 * time.Hour)

func acct(login string, at time.Time) store.Account {
	return store.Account{ID: "id-" + login, Name: "Name " + login, Login: login, Password: "$argon2id$hash-of-" + login, Created: at}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: err %v, want %v", what, err, want)
	}
}

func testCreateAndFind(t *testing.T, s store.Accounts) {
	all, err := s.Accounts(ctx)
	must(t, err)
	if len(all) != 0 {
		t.Fatalf("a new store has %d accounts", len(all))
	}
	b, a := acct("boris", abase.Add(time.Second)), acct("anna@example.org", abase)
	must(t, s.CreateAccount(ctx, b, "", abase))
	must(t, s.CreateAccount(ctx, a, "", abase))
	got, err := s.Account(ctx, a.ID)
	must(t, err)
	if !got.Created.Equal(a.Created) || got.Login != a.Login || got.Name != a.Name || got.Password != a.Password {
		t.Errorf("Account = %+v, want %+v", got, a)
	}
	got, err = s.AccountByLogin(ctx, "boris")
	must(t, err)
	if got.ID != b.ID {
		t.Errorf("AccountByLogin = %+v", got)
	}
	all, err = s.Accounts(ctx)
	must(t, err)
	if len(all) != 2 || all[0].ID != a.ID || all[1].ID != b.ID {
		t.Errorf("Accounts = %+v, want oldest first", all)
	}
	_, err = s.Account(ctx, "nobody")
	wantErr(t, "unknown id", err, store.ErrNotFound)
	_, err = s.AccountByLogin(ctx, "nobody")
	wantErr(t, "unknown login", err, store.ErrNotFound)
}

func testLoginTaken(t *testing.T, s store.Accounts) {
	must(t, s.CreateAccount(ctx, acct("anna", abase), "", abase))
	other := acct("anna", abase)
	other.ID = "another-id"
	wantErr(t, "same login", s.CreateAccount(ctx, other, "", abase), store.ErrLoginTaken)
	if _, err := s.Account(ctx, "another-id"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the refused account was stored: %v", err)
	}
}

func testUpdateKeepsLogin(t *testing.T, s store.Accounts) {
	a := acct("anna", abase)
	must(t, s.CreateAccount(ctx, a, "", abase))
	a.Name, a.Password, a.Login = "Анна", "$argon2id$new", "changed"
	must(t, s.UpdateAccount(ctx, a))
	got, err := s.AccountByLogin(ctx, "anna")
	must(t, err)
	if got.Name != "Анна" || got.Password != "$argon2id$new" || got.Login != "anna" {
		t.Errorf("after update: %+v", got)
	}
	if _, err := s.AccountByLogin(ctx, "changed"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the login changed: %v", err)
	}
	wantErr(t, "update unknown", s.UpdateAccount(ctx, acct("ghost", abase)), store.ErrNotFound)
}

func testDeleteAccount(t *testing.T, s store.Accounts) {
	a, b := acct("anna", abase), acct("boris", abase)
	must(t, s.CreateAccount(ctx, a, "", abase))
	must(t, s.CreateAccount(ctx, b, "", abase))
	later := abase.Add(time.Hour)
	must(t, s.SaveSession(ctx, store.Session{Hash: "s-a", Account: a.ID, Created: abase, Expires: later}))
	must(t, s.SaveSession(ctx, store.Session{Hash: "s-b", Account: b.ID, Created: abase, Expires: later}))
	must(t, s.DeleteAccount(ctx, a.ID))
	_, err := s.AccountByLogin(ctx, "anna")
	wantErr(t, "deleted account's login", err, store.ErrNotFound)
	_, err = s.Session(ctx, "s-a", abase)
	wantErr(t, "deleted account's session", err, store.ErrNotFound)
	if _, err := s.Session(ctx, "s-b", abase); err != nil {
		t.Errorf("another account's session went too: %v", err)
	}
	wantErr(t, "delete twice", s.DeleteAccount(ctx, a.ID), store.ErrNotFound)
	// The login is free again.
	must(t, s.CreateAccount(ctx, acct("anna", abase), "", abase))
}

func testSetupTicket(t *testing.T, s store.Accounts) {
	setup := store.Ticket{Hash: "setup1", Kind: store.KindSetup, Created: abase, Expires: abase.Add(time.Hour)}
	must(t, s.SaveTicket(ctx, setup))
	wantErr(t, "expired setup", s.CreateAccount(ctx, acct("late", abase), "setup1", abase.Add(time.Hour)), store.ErrTicket)
	wantErr(t, "unknown ticket", s.CreateAccount(ctx, acct("anna", abase), "nope", abase), store.ErrTicket)
	must(t, s.CreateAccount(ctx, acct("anna", abase), "setup1", abase.Add(time.Minute)))
	tickets, err := s.Tickets(ctx, abase)
	must(t, err)
	if len(tickets) != 0 {
		t.Errorf("the setup ticket is still there: %+v", tickets)
	}
	// A setup ticket does nothing once an account exists.
	must(t, s.SaveTicket(ctx, store.Ticket{Hash: "setup2", Kind: store.KindSetup, Created: abase, Expires: abase.Add(time.Hour)}))
	wantErr(t, "setup with an account", s.CreateAccount(ctx, acct("boris", abase), "setup2", abase), store.ErrTicket)
	if _, err := s.AccountByLogin(ctx, "boris"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("refused account stored: %v", err)
	}
}

func testInviteTicket(t *testing.T, s store.Accounts) {
	must(t, s.CreateAccount(ctx, acct("anna", abase), "", abase))
	inv := store.Ticket{Hash: "inv1", Kind: store.KindInvite, By: "id-anna", Created: abase, Expires: abase.Add(72 * time.Hour)}
	old := store.Ticket{Hash: "inv0", Kind: store.KindInvite, By: "id-anna", Created: abase.Add(-time.Hour), Expires: abase.Add(time.Minute)}
	must(t, s.SaveTicket(ctx, inv))
	must(t, s.SaveTicket(ctx, old))
	tickets, err := s.Tickets(ctx, abase.Add(2*time.Minute))
	must(t, err)
	if len(tickets) != 1 || tickets[0].Hash != "inv1" || tickets[0].By != "id-anna" || !tickets[0].Expires.Equal(inv.Expires) {
		t.Fatalf("Tickets = %+v, want only the unexpired invitation", tickets)
	}
	// A login taken leaves the invitation unused.
	wantErr(t, "taken login", s.CreateAccount(ctx, acct("anna", abase), "inv1", abase), store.ErrLoginTaken)
	must(t, s.CreateAccount(ctx, acct("boris", abase), "inv1", abase))
	wantErr(t, "invitation used twice", s.CreateAccount(ctx, acct("vera", abase), "inv1", abase), store.ErrTicket)
	must(t, s.SaveTicket(ctx, store.Ticket{Hash: "inv2", Kind: store.KindInvite, Created: abase, Expires: abase.Add(time.Hour)}))
	must(t, s.DeleteTicket(ctx, "inv2"))
	wantErr(t, "deleted invitation", s.CreateAccount(ctx, acct("vera", abase), "inv2", abase), store.ErrTicket)
}

func testTicketUsedOnce(t *testing.T, s store.Accounts) {
	must(t, s.SaveTicket(ctx, store.Ticket{Hash: "setup", Kind: store.KindSetup, Created: abase, Expires: abase.Add(time.Hour)}))
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.CreateAccount(ctx, acct(fmt.Sprintf("racer%d", i), abase), "setup", abase)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if !errors.Is(err, store.ErrTicket) {
			t.Errorf("racer: %v", err)
		}
	}
	all, err := s.Accounts(ctx)
	must(t, err)
	if ok != 1 || len(all) != 1 {
		t.Fatalf("%d racers created accounts, %d stored; want exactly one", ok, len(all))
	}
}

func testSessions(t *testing.T, s store.Accounts) {
	a := acct("anna", abase)
	must(t, s.CreateAccount(ctx, a, "", abase))
	for i, exp := range []time.Duration{time.Hour, 2 * time.Hour, 3 * time.Hour} {
		must(t, s.SaveSession(ctx, store.Session{Hash: fmt.Sprintf("s%d", i), Account: a.ID, Created: abase, Expires: abase.Add(exp)}))
	}
	got, err := s.Session(ctx, "s1", abase)
	must(t, err)
	if got.Account != a.ID || !got.Expires.Equal(abase.Add(2*time.Hour)) {
		t.Errorf("Session = %+v", got)
	}
	_, err = s.Session(ctx, "s0", abase.Add(time.Hour))
	wantErr(t, "expired session", err, store.ErrNotFound)
	must(t, s.DeleteSession(ctx, "s1"))
	must(t, s.DeleteSession(ctx, "s1")) // twice is fine
	_, err = s.Session(ctx, "s1", abase)
	wantErr(t, "deleted session", err, store.ErrNotFound)
	if _, err := s.Session(ctx, "s2", abase); err != nil {
		t.Fatalf("another session went: %v", err)
	}
	must(t, s.DeleteSessions(ctx, a.ID))
	_, err = s.Session(ctx, "s2", abase)
	wantErr(t, "session after sign-out everywhere", err, store.ErrNotFound)
	// A new session after that works.
	must(t, s.SaveSession(ctx, store.Session{Hash: "s9", Account: a.ID, Created: abase, Expires: abase.Add(time.Hour)}))
	if _, err := s.Session(ctx, "s9", abase); err != nil {
		t.Fatal(err)
	}
}

func testRoomRecords(t *testing.T, s store.Accounts) {
	r1 := store.FacilitatedRoom{ID: "r1", Code: "123456", Title: "Квиз", Scenario: "quiz", Created: abase, Owner: "anna",
		Options: store.RoomOptions{TeamMode: "team", Teams: []string{"A", "B"}, TeamCount: 2, Lang: "ru"}}
	r2 := store.FacilitatedRoom{ID: "r2", Title: "Game", Scenario: "game", Created: abase.Add(time.Hour), Owner: "boris", Co: []string{"anna"}}
	must(t, s.SaveRoom(ctx, r1))
	must(t, s.SaveRoom(ctx, r2))
	ids := func(account string) []string {
		t.Helper()
		rs, err := s.RoomsOf(ctx, account)
		must(t, err)
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	if got := ids("anna"); !slices.Equal(got, []string{"r2", "r1"}) {
		t.Errorf("anna's rooms %v, want newest first [r2 r1]", got)
	}
	if got := ids("boris"); !slices.Equal(got, []string{"r2"}) {
		t.Errorf("boris's rooms %v", got)
	}
	got, err := s.Room(ctx, "r1")
	must(t, err)
	if got.Options.TeamMode != "team" || !slices.Equal(got.Options.Teams, []string{"A", "B"}) || got.Code != "123456" || !got.Created.Equal(abase) {
		t.Errorf("Room = %+v", got)
	}
	// Taking anna off r2 takes it off her list; adding vera puts it on hers.
	r2.Co = []string{"vera"}
	must(t, s.SaveRoom(ctx, r2))
	if got := ids("anna"); !slices.Equal(got, []string{"r1"}) {
		t.Errorf("anna's rooms after removal %v", got)
	}
	if got := ids("vera"); !slices.Equal(got, []string{"r2"}) {
		t.Errorf("vera's rooms %v", got)
	}
	must(t, s.DeleteRoom(ctx, "r2"))
	must(t, s.DeleteRoom(ctx, "r2"))
	if got := ids("vera"); len(got) != 0 {
		t.Errorf("vera's rooms after delete %v", got)
	}
	_, err = s.Room(ctx, "r2")
	wantErr(t, "deleted room", err, store.ErrNotFound)
	if got := ids("nobody"); len(got) != 0 {
		t.Errorf("nobody's rooms %v", got)
	}
}
