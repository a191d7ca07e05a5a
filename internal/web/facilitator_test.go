package web

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/huddle-live/huddle/internal/account"
	"github.com/huddle-live/huddle/internal/store"
)

// Every test server has one facilitator, signed in for createRoom.
const (
	testLogin    = "facilitator@test"
	testPassword = "a test password"
)

// testParams make argon2id cheap under -race; cmd/huddle's process tests
// use the real ones.
var testParams = account.Params{Memory: 1024, Time: 1, Threads: 1}

// testSessions maps a test server's base URL to its facilitator's session.
var testSessions sync.Map

// testAccounts returns the accounts of a test server on st (or in memory,
// when st keeps none), with the test facilitator signed in for base.
func testAccounts(t testing.TB, st store.Store, base string) *account.Service {
	t.Helper()
	var as store.Accounts
	if k, ok := st.(interface{ Accounts() store.Accounts }); ok {
		as = k.Accounts()
	} else {
		as = store.NewMemory().Accounts()
	}
	svc := account.New(account.Config{Store: as, Params: testParams, Logger: testLogger(t)})
	ctx := context.Background()
	a, err := svc.Add(ctx, account.NewAccount{Name: "Ведущая", Login: testLogin, Password: testPassword})
	if errors.Is(err, account.ErrLoginTaken) {
		a, err = svc.ByLogin(ctx, testLogin)
	}
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := svc.StartSession(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	testSessions.Store(base, token)
	return svc
}

// testSession is the session cookie of base's test facilitator.
func testSession(t testing.TB, base string) string {
	t.Helper()
	v, ok := testSessions.Load(base)
	if !ok {
		t.Fatalf("no test facilitator for %s", base)
	}
	return v.(string)
}
