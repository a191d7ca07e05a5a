package account

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/huddle-live/huddle/internal/session"
)

// Lifetimes of sessions and one-time links.
const (
	DefaultSessionTTL = 7 * 24 * time.Hour
	InviteTTL         = 72 * time.Hour
	SetupTTL          = time.Hour
	maxCo             = 20 // co-facilitators per room
)

// Limits bound failed sign-ins: Burst failures, then one more per Every.
type Limits struct {
	AccountBurst int
	AccountEvery time.Duration
	AddrBurst    int
	AddrEvery    time.Duration
}

// DefaultLimits: ten failures per account, then one a minute; thirty per
// address, then one every 30 s. Only failures count.
var DefaultLimits = Limits{AccountBurst: 10, AccountEvery: time.Minute, AddrBurst: 30, AddrEvery: 30 * time.Second}

// Config is what a Service needs.
type Config struct {
	Store      Store
	Logger     *slog.Logger
	Now        func() time.Time // nil means time.Now
	Params     Params           // zero means DefaultParams
	SessionTTL time.Duration    // 0 means DefaultSessionTTL
	Limits     Limits           // zero means DefaultLimits
}

// Service is the facilitators' accounts: sign-in, sessions, invitations, the
// setup link, and the rooms each facilitator runs.
type Service struct {
	store      Store
	log        *slog.Logger
	now        func() time.Time
	params     Params
	sessionTTL time.Duration
	perAccount *limiter
	perAddr    *limiter
	// hashing bounds the argon2id computations running at once: each takes
	// Params.Memory, and a burst of sign-ins must not take the server's.
	hashing chan struct{}

	dummyOnce sync.Once
	dummy     string // a hash to check unknown logins against, so they take as long
}

// New returns a Service on cfg.Store.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Params == (Params{}) {
		cfg.Params = DefaultParams
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.Limits == (Limits{}) {
		cfg.Limits = DefaultLimits
	}
	return &Service{
		store: cfg.Store, log: cfg.Logger, now: cfg.Now, params: cfg.Params, sessionTTL: cfg.SessionTTL,
		perAccount: newLimiter(cfg.Limits.AccountBurst, cfg.Limits.AccountEvery),
		perAddr:    newLimiter(cfg.Limits.AddrBurst, cfg.Limits.AddrEvery),
		hashing:    make(chan struct{}, 2),
	}
}

// SessionTTL is how long a session lasts from sign-in.
func (s *Service) SessionTTL() time.Duration { return s.sessionTTL }

func (s *Service) acquire(ctx context.Context) error {
	select {
	case s.hashing <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Service) hash(ctx context.Context, password string) (string, error) {
	if err := s.acquire(ctx); err != nil {
		return "", err
	}
	defer func() { <-s.hashing }()
	return hashPassword(password, s.params), nil
}

func (s *Service) check(ctx context.Context, password, phc string) (bool, Params, error) {
	if err := s.acquire(ctx); err != nil {
		return false, Params{}, err
	}
	defer func() { <-s.hashing }()
	return checkPassword(password, phc)
}

// NewAccount is what a person types to create an account.
type NewAccount struct {
	Name     string `json:"name"`
	Login    string `json:"login"`
	Password string `json:"password"`
}

func (s *Service) build(ctx context.Context, n NewAccount) (Account, error) {
	name, err := session.CleanName(n.Name)
	if err != nil {
		return Account{}, err
	}
	login, err := CleanLogin(n.Login)
	if err != nil {
		return Account{}, err
	}
	pw, err := CleanPassword(n.Password)
	if err != nil {
		return Account{}, err
	}
	phc, err := s.hash(ctx, pw)
	if err != nil {
		return Account{}, err
	}
	return Account{ID: uuid.NewString(), Name: name, Login: login, Password: phc, Created: s.now().UTC()}, nil
}

// Add creates an account without a link: the command line's way.
func (s *Service) Add(ctx context.Context, n NewAccount) (Account, error) {
	a, err := s.build(ctx, n)
	if err != nil {
		return Account{}, err
	}
	if err := s.store.CreateAccount(ctx, a, "", s.now()); err != nil {
		return Account{}, err
	}
	s.log.Info("facilitator added", "account", a.ID, "login", a.Login)
	return a, nil
}

// Register creates an account with the token of a setup link or an
// invitation, which it uses up.
func (s *Service) Register(ctx context.Context, token string, n NewAccount) (Account, error) {
	if token == "" {
		return Account{}, ErrTicket
	}
	// A link that does not exist costs no password hashing.
	tickets, err := s.store.Tickets(ctx, s.now())
	if err != nil {
		return Account{}, err
	}
	if !slices.ContainsFunc(tickets, func(t Ticket) bool { return t.Hash == HashToken(token) }) {
		return Account{}, ErrTicket
	}
	a, err := s.build(ctx, n)
	if err != nil {
		return Account{}, err
	}
	if err := s.store.CreateAccount(ctx, a, HashToken(token), s.now()); err != nil {
		return Account{}, err
	}
	s.log.Info("facilitator registered", "account", a.ID, "login", a.Login)
	return a, nil
}

// Setup returns a new setup link's token when no account exists, and ""
// otherwise. Earlier setup links stop working.
func (s *Service) Setup(ctx context.Context) (string, time.Time, error) {
	accs, err := s.store.Accounts(ctx)
	if err != nil || len(accs) > 0 {
		return "", time.Time{}, err
	}
	now := s.now().UTC()
	tickets, err := s.store.Tickets(ctx, now)
	if err != nil {
		return "", time.Time{}, err
	}
	for _, t := range tickets {
		if t.Kind == KindSetup {
			if err := s.store.DeleteTicket(ctx, t.Hash); err != nil {
				return "", time.Time{}, err
			}
		}
	}
	token := newToken()
	t := Ticket{Hash: HashToken(token), Kind: KindSetup, Created: now, Expires: now.Add(SetupTTL)}
	if err := s.store.SaveTicket(ctx, t); err != nil {
		return "", time.Time{}, err
	}
	return token, t.Expires, nil
}

// Invite returns a new invitation's token, made by the account by.
func (s *Service) Invite(ctx context.Context, by string) (string, time.Time, error) {
	now := s.now().UTC()
	token := newToken()
	t := Ticket{Hash: HashToken(token), Kind: KindInvite, By: by, Created: now, Expires: now.Add(InviteTTL)}
	if err := s.store.SaveTicket(ctx, t); err != nil {
		return "", time.Time{}, err
	}
	s.log.Info("invitation made", "by", by, "expires", t.Expires)
	return token, t.Expires, nil
}

// SignIn checks a login and password from a client address. Failures are
// limited per account and per address; past either limit it answers
// ErrRateLimited without checking the password.
func (s *Service) SignIn(ctx context.Context, login, password, addr string) (Account, error) {
	key, err := CleanLogin(login)
	if err != nil {
		key = "\x00invalid" // all malformed logins share one bucket
	}
	now := s.now()
	if !s.perAddr.ok(addr, now) || !s.perAccount.ok(key, now) {
		return Account{}, ErrRateLimited
	}
	fail := func() (Account, error) {
		s.perAddr.fail(addr, now)
		s.perAccount.fail(key, now)
		s.log.Warn("sign-in failed", "login", key, "addr", addr)
		return Account{}, ErrCredentials
	}
	if len(password) > maxPasswordLen {
		return fail()
	}
	password = norm(password)
	a, err := s.store.AccountByLogin(ctx, key)
	if errors.Is(err, ErrNotFound) {
		// As long as a wrong password, so that timing tells nothing of
		// which logins exist.
		s.dummyOnce.Do(func() { s.dummy = hashPassword("not a password", s.params) })
		if _, _, err := s.check(ctx, password, s.dummy); err != nil {
			return Account{}, err
		}
		return fail()
	}
	if err != nil {
		return Account{}, err
	}
	ok, p, err := s.check(ctx, password, a.Password)
	if err != nil && !errors.Is(err, errHash) {
		return Account{}, err
	}
	if !ok {
		return fail()
	}
	if p != s.params { // costs changed since: store the hash under the new ones
		if phc, err := s.hash(ctx, password); err == nil {
			a.Password = phc
			if err := s.store.UpdateAccount(ctx, a); err != nil {
				s.log.Error("rehash password", "account", a.ID, "err", err)
			}
		}
	}
	return a, nil
}

// StartSession opens a session for an account and returns its token, for
// the cookie.
func (s *Service) StartSession(ctx context.Context, account string) (string, Session, error) {
	now := s.now().UTC()
	token := newToken()
	sess := Session{Hash: HashToken(token), Account: account, Created: now, Expires: now.Add(s.sessionTTL)}
	if err := s.store.SaveSession(ctx, sess); err != nil {
		return "", Session{}, fmt.Errorf("start session: %w", err)
	}
	return token, sess, nil
}

// Resolve finds the account of a session token: ErrSignedOut when the
// session is unknown, expired or its account removed.
func (s *Service) Resolve(ctx context.Context, token string) (Account, Session, error) {
	if token == "" || len(token) > 128 {
		return Account{}, Session{}, ErrSignedOut
	}
	sess, err := s.store.Session(ctx, HashToken(token), s.now())
	if errors.Is(err, ErrNotFound) {
		return Account{}, Session{}, ErrSignedOut
	}
	if err != nil {
		return Account{}, Session{}, err
	}
	a, err := s.store.Account(ctx, sess.Account)
	if errors.Is(err, ErrNotFound) {
		_ = s.store.DeleteSession(ctx, sess.Hash)
		return Account{}, Session{}, ErrSignedOut
	}
	if err != nil {
		return Account{}, Session{}, err
	}
	return a, sess, nil
}

// SignOut ends the session of a token.
func (s *Service) SignOut(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.store.DeleteSession(ctx, HashToken(token))
}

// SignOutEverywhere ends every session of an account.
func (s *Service) SignOutEverywhere(ctx context.Context, account string) error {
	return s.store.DeleteSessions(ctx, account)
}

// ByLogin finds an account by its login.
func (s *Service) ByLogin(ctx context.Context, login string) (Account, error) {
	key, err := CleanLogin(login)
	if err != nil {
		return Account{}, ErrNotFound
	}
	return s.store.AccountByLogin(ctx, key)
}

// Get returns an account by id.
func (s *Service) Get(ctx context.Context, id string) (Account, error) {
	return s.store.Account(ctx, id)
}

// List returns every account, oldest first.
func (s *Service) List(ctx context.Context) ([]Account, error) { return s.store.Accounts(ctx) }

// SetPassword gives an account a new password and ends its sessions.
func (s *Service) SetPassword(ctx context.Context, login, password string) (Account, error) {
	a, err := s.ByLogin(ctx, login)
	if err != nil {
		return Account{}, err
	}
	pw, err := CleanPassword(password)
	if err != nil {
		return Account{}, err
	}
	if a.Password, err = s.hash(ctx, pw); err != nil {
		return Account{}, err
	}
	if err := s.store.UpdateAccount(ctx, a); err != nil {
		return Account{}, err
	}
	if err := s.store.DeleteSessions(ctx, a.ID); err != nil {
		return Account{}, err
	}
	s.log.Info("password reset", "account", a.ID, "login", a.Login)
	return a, nil
}

// Remove deletes an account and its sessions. The rooms it created keep
// running; their host links still work, and co-facilitators keep them.
func (s *Service) Remove(ctx context.Context, login string) (Account, error) {
	a, err := s.ByLogin(ctx, login)
	if err != nil {
		return Account{}, err
	}
	if err := s.store.DeleteAccount(ctx, a.ID); err != nil {
		return Account{}, err
	}
	s.log.Info("facilitator removed", "account", a.ID, "login", a.Login)
	return a, nil
}

// AddRoom records a room a facilitator created.
func (s *Service) AddRoom(ctx context.Context, r Room) error { return s.store.SaveRoom(ctx, r) }

// Rooms lists the rooms an account owns or co-facilitates, newest first.
func (s *Service) Rooms(ctx context.Context, account string) ([]Room, error) {
	return s.store.RoomsOf(ctx, account)
}

// RoomOf returns a room the account owns or co-facilitates; ErrNotFound for
// any other, so that other facilitators learn nothing of it.
func (s *Service) RoomOf(ctx context.Context, id, account string) (Room, error) {
	r, err := s.store.Room(ctx, id)
	if err != nil {
		return Room{}, err
	}
	if !r.Member(account) {
		return Room{}, ErrNotFound
	}
	return r, nil
}

// owned returns a room only its owner may change.
func (s *Service) owned(ctx context.Context, id, account string) (Room, error) {
	r, err := s.RoomOf(ctx, id, account)
	if err != nil {
		return Room{}, err
	}
	if r.Owner != account {
		return Room{}, ErrOwnerOnly
	}
	return r, nil
}

// AddCo makes the facilitator with login a co-facilitator of the owner's
// room: they see it in their list and may open and run it.
func (s *Service) AddCo(ctx context.Context, id, owner, login string) (Room, error) {
	r, err := s.owned(ctx, id, owner)
	if err != nil {
		return Room{}, err
	}
	key, err := CleanLogin(login)
	if err != nil {
		return Room{}, err
	}
	a, err := s.store.AccountByLogin(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return Room{}, ErrNotFacilitator
	}
	if err != nil {
		return Room{}, err
	}
	if r.Member(a.ID) {
		return r, nil
	}
	if len(r.Co) >= maxCo {
		return Room{}, fmt.Errorf("%w: at most %d co-facilitators", session.ErrBadRequest, maxCo)
	}
	r.Co = append(r.Co, a.ID)
	return r, s.store.SaveRoom(ctx, r)
}

// RemoveCo takes a co-facilitator off the owner's room.
func (s *Service) RemoveCo(ctx context.Context, id, owner, co string) (Room, error) {
	r, err := s.owned(ctx, id, owner)
	if err != nil {
		return Room{}, err
	}
	if !slices.Contains(r.Co, co) {
		return Room{}, ErrNotFound
	}
	r.Co = slices.DeleteFunc(r.Co, func(c string) bool { return c == co })
	return r, s.store.SaveRoom(ctx, r)
}

// DeleteRoom forgets the owner's room record; the caller stops the room.
func (s *Service) DeleteRoom(ctx context.Context, id, owner string) (Room, error) {
	r, err := s.owned(ctx, id, owner)
	if err != nil {
		return Room{}, err
	}
	return r, s.store.DeleteRoom(ctx, id)
}
