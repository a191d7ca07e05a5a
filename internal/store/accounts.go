package store

import (
	"context"
	"errors"
	"time"
)

// Account is one facilitator.
type Account struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`     // shown to other facilitators; cleaned like a player's name
	Login    string    `json:"login"`    // an e-mail address or a login, lower case; unique
	Password string    `json:"password"` // argon2id in PHC form, never the password
	Created  time.Time `json:"created"`
}

// Session is a signed-in browser. The cookie carries a random token; only
// its hash is stored.
type Session struct {
	Hash    string    `json:"hash"`
	Account string    `json:"account"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

// Ticket kinds of the account store.
const (
	KindSetup  = "setup"  // creates the first account of a server with none
	KindInvite = "invite" // creates another facilitator's account
)

// Ticket is a one-time link that creates an account: the setup link or an
// invitation. Only the hash of its token is stored.
type Ticket struct {
	Hash    string    `json:"hash"`
	Kind    string    `json:"kind"`
	By      string    `json:"by,omitempty"` // the inviting account
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

// FacilitatedRoom is what a facilitator's list knows of a room they created: enough to
// find it in the hub, to show it once the room has expired, and to run the
// same scenario again.
type FacilitatedRoom struct {
	ID       string      `json:"id"`
	Code     string      `json:"code"`
	Title    string      `json:"title"`
	Scenario string      `json:"scenario"`
	Created  time.Time   `json:"created"`
	Owner    string      `json:"owner"`        // account id
	Co       []string    `json:"co,omitempty"` // co-facilitators' account ids
	Options  RoomOptions `json:"options"`
}

// RoomOptions are the choices a room was created with, to create it again.
type RoomOptions struct {
	TeamMode  string   `json:"team_mode,omitempty"`
	Teams     []string `json:"teams,omitempty"`
	TeamCount int      `json:"team_count,omitempty"`
	Lang      string   `json:"lang,omitempty"`
}

// Member reports whether the account owns the room or co-facilitates it.
func (r FacilitatedRoom) Member(account string) bool {
	if r.Owner == account {
		return true
	}
	for _, c := range r.Co {
		if c == account {
			return true
		}
	}
	return false
}

// Errors of the account store.
var (
	ErrNotFound   = errors.New("account: not found")
	ErrLoginTaken = errors.New("account: login taken")
	ErrTicket     = errors.New("account: the link is not valid: expired, used, or an account already exists")
)

// Accounts keeps accounts, sessions, tickets and the rooms of facilitators.
// Implementations are safe for concurrent use and atomic per call.
type Accounts interface {
	// CreateAccount stores a new account; ErrLoginTaken if its login is
	// used. With a ticket hash, the ticket must exist and not have expired
	// at now, a setup ticket only while no account exists; the ticket is
	// used up in the same step. Otherwise ErrTicket and nothing is stored.
	CreateAccount(ctx context.Context, a Account, ticket string, now time.Time) error
	// UpdateAccount replaces an account's name and password; its login
	// stays. ErrNotFound if there is no such account.
	UpdateAccount(ctx context.Context, a Account) error
	// DeleteAccount removes an account and its sessions.
	DeleteAccount(ctx context.Context, id string) error
	Account(ctx context.Context, id string) (Account, error)
	AccountByLogin(ctx context.Context, login string) (Account, error)
	// Accounts lists every account, oldest first.
	Accounts(ctx context.Context) ([]Account, error)

	SaveTicket(ctx context.Context, t Ticket) error
	// Tickets lists the tickets that have not expired at now.
	Tickets(ctx context.Context, now time.Time) ([]Ticket, error)
	DeleteTicket(ctx context.Context, hash string) error

	SaveSession(ctx context.Context, s Session) error
	// Session returns a session that has not expired at now.
	Session(ctx context.Context, hash string, now time.Time) (Session, error)
	DeleteSession(ctx context.Context, hash string) error
	// DeleteSessions removes every session of an account.
	DeleteSessions(ctx context.Context, account string) error

	// SaveRoom stores or replaces a room record.
	SaveRoom(ctx context.Context, r FacilitatedRoom) error
	Room(ctx context.Context, id string) (FacilitatedRoom, error)
	// RoomsOf lists the rooms the account owns or co-facilitates, newest first.
	RoomsOf(ctx context.Context, account string) ([]FacilitatedRoom, error)
	DeleteRoom(ctx context.Context, id string) error
}
