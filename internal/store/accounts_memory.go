package store

import (
	"context"
	"slices"
	"sync"
	"time"
)

// MemoryAccounts is an Accounts in memory, for tests.
type MemoryAccounts struct {
	mu       sync.Mutex
	accounts map[string]Account
	logins   map[string]string
	sessions map[string]Session
	tickets  map[string]Ticket
	rooms    map[string]FacilitatedRoom
}

// Accounts returns the memory store's accounts. Every call returns the same.
func (m *Memory) Accounts() Accounts {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.accts == nil {
		m.accts = &MemoryAccounts{accounts: map[string]Account{}, logins: map[string]string{},
			sessions: map[string]Session{}, tickets: map[string]Ticket{}, rooms: map[string]FacilitatedRoom{}}
	}
	return m.accts
}

// CreateAccount implements Accounts.
func (m *MemoryAccounts) CreateAccount(_ context.Context, a Account, ticket string, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.logins[a.Login]; ok {
		return ErrLoginTaken
	}
	if ticket != "" {
		t, ok := m.tickets[ticket]
		if !ok || !now.Before(t.Expires) || (t.Kind == KindSetup && len(m.accounts) > 0) {
			return ErrTicket
		}
		delete(m.tickets, ticket)
	}
	m.accounts[a.ID] = a
	m.logins[a.Login] = a.ID
	return nil
}

// UpdateAccount implements Accounts.
func (m *MemoryAccounts) UpdateAccount(_ context.Context, a Account) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.accounts[a.ID]
	if !ok {
		return ErrNotFound
	}
	a.Login = old.Login
	m.accounts[a.ID] = a
	return nil
}

// DeleteAccount implements Accounts.
func (m *MemoryAccounts) DeleteAccount(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.accounts[id]
	if !ok {
		return ErrNotFound
	}
	delete(m.accounts, id)
	delete(m.logins, a.Login)
	for h, s := range m.sessions {
		if s.Account == id {
			delete(m.sessions, h)
		}
	}
	return nil
}

// Account implements Accounts.
func (m *MemoryAccounts) Account(_ context.Context, id string) (Account, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.accounts[id]
	if !ok {
		return Account{}, ErrNotFound
	}
	return a, nil
}

// AccountByLogin implements Accounts.
func (m *MemoryAccounts) AccountByLogin(_ context.Context, login string) (Account, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id, ok := m.logins[login]
	if !ok {
		return Account{}, ErrNotFound
	}
	return m.accounts[id], nil
}

// Accounts implements Accounts.
func (m *MemoryAccounts) Accounts(context.Context) ([]Account, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Account, 0, len(m.accounts))
	for _, a := range m.accounts {
		out = append(out, a)
	}
	sortAccounts(out)
	return out, nil
}

// SaveTicket implements Accounts.
func (m *MemoryAccounts) SaveTicket(_ context.Context, t Ticket) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tickets[t.Hash] = t
	return nil
}

// Tickets implements Accounts.
func (m *MemoryAccounts) Tickets(_ context.Context, now time.Time) ([]Ticket, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Ticket
	for h, t := range m.tickets {
		if !now.Before(t.Expires) {
			delete(m.tickets, h)
			continue
		}
		out = append(out, t)
	}
	sortTickets(out)
	return out, nil
}

// DeleteTicket implements Accounts.
func (m *MemoryAccounts) DeleteTicket(_ context.Context, hash string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.tickets, hash)
	return nil
}

// SaveSession implements Accounts.
func (m *MemoryAccounts) SaveSession(_ context.Context, s Session) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions[s.Hash] = s
	return nil
}

// Session implements Accounts.
func (m *MemoryAccounts) Session(_ context.Context, hash string, now time.Time) (Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[hash]
	if !ok || !now.Before(s.Expires) {
		delete(m.sessions, hash)
		return Session{}, ErrNotFound
	}
	return s, nil
}

// DeleteSession implements Accounts.
func (m *MemoryAccounts) DeleteSession(_ context.Context, hash string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.sessions, hash)
	return nil
}

// DeleteSessions implements Accounts.
func (m *MemoryAccounts) DeleteSessions(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for h, s := range m.sessions {
		if s.Account == id {
			delete(m.sessions, h)
		}
	}
	return nil
}

// SaveRoom implements Accounts.
func (m *MemoryAccounts) SaveRoom(_ context.Context, r FacilitatedRoom) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r.Co = slices.Clone(r.Co)
	r.Options.Teams = slices.Clone(r.Options.Teams)
	m.rooms[r.ID] = r
	return nil
}

// Room implements Accounts.
func (m *MemoryAccounts) Room(_ context.Context, id string) (FacilitatedRoom, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rooms[id]
	if !ok {
		return FacilitatedRoom{}, ErrNotFound
	}
	r.Co = slices.Clone(r.Co)
	r.Options.Teams = slices.Clone(r.Options.Teams)
	return r, nil
}

// RoomsOf implements Accounts.
func (m *MemoryAccounts) RoomsOf(_ context.Context, id string) ([]FacilitatedRoom, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []FacilitatedRoom
	for _, r := range m.rooms {
		if r.Member(id) {
			r.Co = slices.Clone(r.Co)
			r.Options.Teams = slices.Clone(r.Options.Teams)
			out = append(out, r)
		}
	}
	sortRooms(out)
	return out, nil
}

// DeleteRoom implements Accounts.
func (m *MemoryAccounts) DeleteRoom(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.rooms, id)
	return nil
}

func sortAccounts(as []Account) {
	slices.SortFunc(as, func(a, b Account) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return compareStrings(a.Login, b.Login)
	})
}

func sortTickets(ts []Ticket) {
	slices.SortFunc(ts, func(a, b Ticket) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return compareStrings(a.Hash, b.Hash)
	})
}

// sortRooms puts the newest room first.
func sortRooms(rs []FacilitatedRoom) {
	slices.SortFunc(rs, func(a, b FacilitatedRoom) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return compareStrings(a.ID, b.ID)
	})
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
