// Package account keeps huddle's facilitators: their accounts, sign-in
// sessions, the one-time links that create accounts (the setup link of a
// fresh server and invitations), and the rooms each of them runs. Players
// have no accounts: they join rooms by code.
//
// The package holds the rules; a Store keeps the records. internal/store
// implements Store next to the room stores (memory, bbolt, Redis), and
// storetest.RunAccounts checks each of them the same way.
package account

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	norm2 "golang.org/x/text/unicode/norm"

	"github.com/huddle-live/huddle/internal/session"
	"github.com/huddle-live/huddle/internal/store"
)

// The records and the store are defined in internal/store, which keeps
// them; these names are the package's own for them.
type (
	Account = store.Account
	Session = store.Session
	Ticket  = store.Ticket
	Room    = store.FacilitatedRoom
	Options = store.RoomOptions
	Store   = store.Accounts
)

// Ticket kinds.
const (
	KindSetup  = store.KindSetup
	KindInvite = store.KindInvite
)

// Errors of accounts, each mapped to a protocol code by ErrorCode.
var (
	ErrNotFound       = store.ErrNotFound
	ErrLoginTaken     = store.ErrLoginTaken
	ErrTicket         = store.ErrTicket
	ErrBadLogin       = errors.New("account: login must be 3 to 100 letters, digits or . - _ @ +")
	ErrBadPassword    = errors.New("account: password must be 10 to 256 characters")
	ErrCredentials    = errors.New("account: wrong login or password")
	ErrSignedOut      = errors.New("account: not signed in")
	ErrRateLimited    = errors.New("account: too many failed sign-ins")
	ErrOwnerOnly      = errors.New("account: only the room's owner can do this")
	ErrNotFacilitator = errors.New("account: no facilitator with this login")
)

// Limits of the text fields.
const (
	maxLogin       = 100
	minLogin       = 3
	minPassword    = 10
	maxPassword    = 256
	maxPasswordLen = 4 * maxPassword // bytes: refused before any work
)

// CleanLogin makes a login comparable: the text cleaning of names, lower
// case, then only letters, digits and . - _ @ + are allowed, 3 to 100.
func CleanLogin(s string) (string, error) {
	s, err := session.CleanText(s, maxLogin)
	if err != nil {
		return "", ErrBadLogin
	}
	s = strings.ToLower(s)
	if utf8.RuneCountInString(s) < minLogin {
		return "", ErrBadLogin
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(".-_@+", r) {
			return "", ErrBadLogin
		}
	}
	return s, nil
}

// CleanPassword checks a new password's length and brings it to Unicode
// NFC, so that the same password typed on another keyboard matches. A
// password is otherwise kept exactly as typed.
func CleanPassword(s string) (string, error) {
	if len(s) > maxPasswordLen {
		return "", ErrBadPassword
	}
	s = normNFC.String(s)
	if n := utf8.RuneCountInString(s); n < minPassword || n > maxPassword {
		return "", ErrBadPassword
	}
	return s, nil
}

// HashToken is the form in which session, invitation and setup tokens are
// stored: hex SHA-256.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// newToken returns 256 random bits as 64 hex digits.
func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails since Go 1.24
	return hex.EncodeToString(b)
}

// norm brings a password to Unicode NFC, as CleanPassword does.
func norm(s string) string { return normNFC.String(s) }

var normNFC = norm2.NFC
