package room

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"math/big"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/session"
	"github.com/huddle-live/huddle/internal/store"
)

// Hub is the registry of live rooms: it creates and restores them, finds
// them by id or join code, and stops them all on shutdown. It holds no room
// state itself.
type Hub struct {
	deps   hubDeps
	ctx    context.Context // ends every room
	cancel context.CancelFunc
	giveUp context.CancelFunc // ends store retries during a shutdown past its deadline

	finishedTTL, idleTTL, unjoinedTTL time.Duration
	healthEvery                       time.Duration
	maxRooms                          int

	mu    sync.Mutex
	rooms map[string]*Room
	codes map[string]*Room
	wg    sync.WaitGroup
	down  bool

	cl          *cluster // nil on one process
	stopCluster sync.Once
}

type hubDeps struct {
	store       store.Store
	log         *slog.Logger
	clock       Clock
	base        string
	abort       context.Context
	maxBuffered int
	maxPlayers  int
	every       time.Duration
}

// HubConfig is what a Hub needs.
type HubConfig struct {
	Store     store.Store
	Logger    *slog.Logger
	Clock     Clock  // nil means SystemClock
	PublicURL string // base of join links, e.g. "http://192.168.1.10:8080"

	// MaxBuffered bounds the events a room holds while its store is down;
	// 0 means DefaultMaxBuffered.
	MaxBuffered int
	// FinishedTTL is how long a finished room is kept (live and exportable)
	// after its last event; IdleTTL is the same for a room never finished;
	// UnjoinedTTL for a room nobody ever joined, counted from its last
	// event or the last socket that left it, whichever is later, and only
	// while no socket is open. Then the room leaves memory and the store.
	// 0 keeps rooms forever.
	FinishedTTL, IdleTTL, UnjoinedTTL time.Duration
	// MaxRooms bounds the live rooms: past it Create fails with
	// ErrTooManyRooms. 0 means DefaultMaxRooms.
	MaxRooms int
	// MaxPlayers bounds a room's active players: past it a join fails
	// with ErrRoomFull. 0 means DefaultMaxPlayers.
	MaxPlayers int
	// HealthEvery is how often the store is pinged, when it can be, so the
	// host sees "storage unavailable" even in a quiet room; 0 means 2 s.
	HealthEvery time.Duration
	// WriteEvery is the least time between two store writes of a room:
	// what accumulates meanwhile is stored as one batch, and acks wait for
	// it. 0 writes as soon as the previous write is done.
	WriteEvery time.Duration
}

// Pinger is a store that can say whether it is reachable.
type Pinger interface {
	Ping(ctx context.Context) error
}

const (
	defaultHealthEvery = 2 * time.Second
	sweepEvery         = time.Minute // how often expired rooms are looked for

	// DefaultMaxRooms is how many live rooms a server holds unless told
	// otherwise: a room nobody joined takes about 50 KB and two goroutines.
	DefaultMaxRooms = 1000
	// DefaultMaxPlayers is how many active players a room takes unless
	// told otherwise, twice the 10,000 phones it is measured with.
	DefaultMaxPlayers = 20000
	// codeTries is how many random join codes Create tries before it
	// gives up: with at most a ninth of the codes in use (MaxRooms ≤
	// 100,000), all of them taken has a chance below 10⁻⁶⁰.
	codeTries = 64
)

// NewHub returns an empty hub.
func NewHub(cfg HubConfig) *Hub {
	if cfg.Clock == nil {
		cfg.Clock = SystemClock
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.HealthEvery <= 0 {
		cfg.HealthEvery = defaultHealthEvery
	}
	if cfg.MaxRooms <= 0 {
		cfg.MaxRooms = DefaultMaxRooms
	}
	if cfg.MaxPlayers <= 0 {
		cfg.MaxPlayers = DefaultMaxPlayers
	}
	abort, giveUp := context.WithCancel(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	h := &Hub{
		deps: hubDeps{store: cfg.Store, log: cfg.Logger, clock: cfg.Clock, base: cfg.PublicURL, abort: abort,
			maxBuffered: cfg.MaxBuffered, maxPlayers: cfg.MaxPlayers, every: cfg.WriteEvery},
		ctx:         ctx,
		cancel:      cancel,
		giveUp:      giveUp,
		finishedTTL: cfg.FinishedTTL,
		idleTTL:     cfg.IdleTTL,
		unjoinedTTL: cfg.UnjoinedTTL,
		healthEvery: cfg.HealthEvery,
		maxRooms:    cfg.MaxRooms,
		rooms:       map[string]*Room{},
		codes:       map[string]*Room{},
	}
	// Both loops end with the hub's context; Shutdown waits for them.
	if p, ok := cfg.Store.(Pinger); ok {
		h.wg.Add(1)
		go h.watchStore(p)
	}
	if h.finishedTTL > 0 || h.idleTTL > 0 || h.unjoinedTTL > 0 {
		h.wg.Add(1)
		go h.sweepLoop()
	}
	return h
}

// every calls f each period of the hub's clock until the hub shuts down.
func (h *Hub) every(period time.Duration, f func()) {
	defer h.wg.Done()
	for {
		tick := make(chan struct{})
		t := h.deps.clock.AfterFunc(period, func() { close(tick) })
		select {
		case <-tick:
			f()
		case <-h.ctx.Done():
			t.Stop()
			return
		}
	}
}

// watchStore pings the store and tells every room when it stops or starts
// answering.
func (h *Hub) watchStore(p Pinger) {
	down := false
	h.every(h.healthEvery, func() {
		ctx, cancel := context.WithTimeout(h.ctx, h.healthEvery)
		err := p.Ping(ctx)
		cancel()
		if h.ctx.Err() != nil || (err != nil) == down {
			return
		}
		down = err != nil
		if down {
			h.deps.log.Error("store unreachable: rooms keep running from memory, acks wait", "err", err)
		} else {
			h.deps.log.Info("store reachable again")
		}
		for _, r := range h.live() {
			_ = r.post(func() { r.journal.setStoreDown(down) })
		}
	})
}

func (h *Hub) live() []*Room {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*Room, 0, len(h.rooms))
	for _, r := range h.rooms {
		out = append(out, r)
	}
	return out
}

func (h *Hub) sweepLoop() { h.every(sweepEvery, func() { h.Sweep(h.ctx) }) }

// Sweep expires rooms past their time to live: each is stopped (final
// snapshot, sockets closed) and deleted from the store. It returns how many
// rooms expired.
func (h *Hub) Sweep(ctx context.Context) int {
	n := 0
	for _, r := range h.live() {
		expired, err := call(ctx, r, func(reply func(bool, error)) { reply(r.expired(h.ttls()), nil) })
		if err != nil || !expired {
			continue
		}
		h.mu.Lock()
		if h.down || h.rooms[r.id] != r {
			h.mu.Unlock()
			continue
		}
		delete(h.rooms, r.id)
		delete(h.codes, r.code)
		h.mu.Unlock()
		r.gone.Store(true)
		r.cancel()
		<-r.done
		if err := h.deps.store.Delete(ctx, r.id); err != nil {
			h.deps.log.Error("expire room: delete from store", "room", r.id, "err", err)
			continue
		}
		h.forget(ctx, r)
		h.deps.log.Info("room expired", "room", r.id, "code", r.code)
		n++
	}
	return n
}

// ttls are the times to live of rooms; 0 is forever.
type ttls struct {
	finished time.Duration // a finished room's, after its last event
	idle     time.Duration // an unfinished room's, after its last event
	unjoined time.Duration // a room nobody ever joined, after its last event or socket
}

// of is the time to live of a room in state st, and whether it is the
// shorter one of a room nobody joined.
func (t ttls) of(st *session.State) (ttl time.Duration, unjoined bool) {
	switch {
	case st.Finished:
		return t.finished, false
	case len(st.Players) == 0 && t.unjoined > 0 && (t.idle == 0 || t.unjoined < t.idle):
		return t.unjoined, true
	}
	return t.idle, false
}

// expired reports whether the room has outlived its time to live (see
// ttls) and nothing of it is waiting for the store. A room nobody joined
// does not expire while a socket is open on it: a projector waiting for
// the audience keeps it.
func (r *Room) expired(t ttls) bool {
	ttl, unjoined := t.of(r.st)
	since := r.lastActive
	if unjoined {
		if len(r.subs.conns) > 0 {
			return false
		}
		if r.lastConn.After(since) {
			since = r.lastConn
		}
	}
	// Not while the store is down: stopping writes a final snapshot, and
	// the sweep would wait for it.
	return ttl > 0 && r.clock.Now().Sub(since) >= ttl && !r.journal.unavailable() && !r.journal.inflight
}

// ttls are the hub's times to live, for expired.
func (h *Hub) ttls() ttls {
	return ttls{finished: h.finishedTTL, idle: h.idleTTL, unjoined: h.unjoinedTTL}
}

// CreateOptions are the host's choices when creating a room.
type CreateOptions struct {
	TeamMode  scenario.TeamMode // "" keeps the scenario's
	Teams     []string          // team names; nil uses the scenario's or TeamCount numbered teams
	TeamCount int               // 2..20; 0 means 4
	Lang      string            // "ru" or "en"; "" takes the scenario's
	Relaxed   bool              // no speed points, longer questions (session.Relaxed)
}

// Created is what the host gets back: the room and its secret tokens.
type Created struct {
	Room        *Room
	HostToken   string
	ScreenToken string
}

// Create starts a new room for a scenario. It returns once the room's first
// event is stored, so the tokens it hands out survive a crash.
func (h *Hub) Create(ctx context.Context, sc *scenario.Scenario, opt CreateOptions) (*Created, error) {
	cfg := session.Config{ID: uuid.NewString(), Scenario: sc, TeamMode: opt.TeamMode, Lang: opt.Lang, Relaxed: opt.Relaxed}
	if opt.Relaxed {
		cfg.Scenario = session.Relaxed(sc)
	}
	if cfg.Lang == "" {
		cfg.Lang = sc.Language
	}
	if cfg.TeamMode != "" && cfg.TeamMode != scenario.TeamAverage && cfg.TeamMode != scenario.TeamShared {
		return nil, fmt.Errorf("%w: team mode %q", session.ErrBadRequest, cfg.TeamMode)
	}
	teams, err := session.TeamNames(sc, opt.Teams, opt.TeamCount, cfg.Lang)
	if err != nil {
		return nil, err
	}
	cfg.Teams = teams
	host, screen := newToken(), newToken()
	cfg.HostHash, cfg.ScreenHash = session.HashToken(host), session.HashToken(screen)
	candidates := joinCodes(codeTries) // drawn before the lock: it guards every room's lookup
	var lease store.Lease
	if h.cl != nil {
		// Codes are unique across the processes, and the room is this
		// process's from its first event.
		if candidates, lease, err = h.cl.prepare(ctx, cfg.ID, candidates); err != nil {
			return nil, err
		}
	}
	r, err := h.start(cfg, candidates, lease)
	if h.cl != nil {
		h.cl.created(cfg.ID, r)
		if err != nil {
			h.cl.abandon(ctx, cfg.ID, candidates[0], lease)
		}
	}
	if err != nil {
		return nil, err
	}
	if _, err := call(ctx, r, func(reply func(struct{}, error)) {
		r.journal.afterDurable(func() { reply(struct{}{}, nil) })
	}); err != nil {
		return nil, fmt.Errorf("create room: %w", err)
	}
	h.deps.log.Info("room created", "room", cfg.ID, "code", r.code, "scenario", sc.ID, "team_mode", cfg.TeamMode)
	return &Created{Room: r, HostToken: host, ScreenToken: screen}, nil
}

// start makes and starts a new room with its first event, with one of the
// candidate join codes, under lease with a cluster.
func (h *Hub) start(cfg session.Config, candidates []string, lease store.Lease) (*Room, error) {
	h.mu.Lock()
	if h.down {
		h.mu.Unlock()
		return nil, session.ErrShutdown
	}
	if len(h.rooms) >= h.maxRooms {
		h.mu.Unlock()
		h.deps.log.Warn("room refused: the server holds as many rooms as it may", "rooms", h.maxRooms)
		return nil, session.ErrTooManyRooms
	}
	cfg.Code = h.freeCode(candidates)
	if cfg.Code == "" {
		n := len(h.rooms)
		h.mu.Unlock()
		h.deps.log.Error("room refused: no free join code", "tries", codeTries, "rooms", n)
		return nil, session.ErrTooManyRooms
	}
	st, created, err := session.Create(cfg, 1, h.deps.clock.Now().UTC())
	if err != nil {
		h.mu.Unlock()
		return nil, err
	}
	deps := h.deps
	if h.cl != nil {
		deps.store = h.cl.cs.Fenced(cfg.ID, lease)
	}
	r := newRoom(st, 0, deps)
	if h.cl != nil {
		h.cl.adopt(r, lease)
	}
	r.journal.add([]store.Event{created})
	r.journal.snapDue = true
	h.startLocked(r)
	h.mu.Unlock()
	return r, nil
}

// joinCodes draws n random 6-digit join codes.
func joinCodes(n int) []string {
	out := make([]string, n)
	for i := range out {
		c, err := rand.Int(rand.Reader, big.NewInt(900000))
		if err != nil {
			panic(err) // crypto/rand does not fail
		}
		out[i] = fmt.Sprintf("%06d", c.Int64()+100000)
	}
	return out
}

// freeCode returns the first candidate no live room uses, or "" when every
// one is taken. A bounded search: it never loops under the lock.
func (h *Hub) freeCode(candidates []string) string {
	for _, code := range candidates {
		if h.codes[code] == nil {
			return code
		}
	}
	return ""
}

func (h *Hub) startLocked(r *Room) {
	h.rooms[r.id] = r
	h.codes[r.code] = r
	ctx, cancel := context.WithCancel(h.ctx)
	r.cancel = cancel
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		defer cancel()
		r.run(ctx)
		if h.cl != nil {
			h.cl.released(r)
		}
	}()
}

// Room returns the live room with this id, or nil.
func (h *Hub) Room(id string) *Room {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rooms[id]
}

// ByCode returns the live room with this join code, or nil.
func (h *Hub) ByCode(code string) *Room {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.codes[code]
}

// Restore starts every room found in the store, from its snapshot and the
// events after it. A room that cannot be restored is logged and skipped: the
// others still come back.
func (h *Hub) Restore(ctx context.Context) (int, error) {
	ids, err := h.deps.store.Rooms(ctx)
	if err != nil {
		return 0, fmt.Errorf("list rooms: %w", err)
	}
	if h.cl != nil {
		return h.cl.restore(ctx, ids)
	}
	n, expired := 0, 0
	now := h.deps.clock.Now()
	for _, id := range ids {
		began := time.Now()
		l, err := load(ctx, h.deps.store, id, h.deps.log)
		if err != nil {
			h.deps.log.Error("restore room", "room", id, "err", err)
			continue
		}
		st, seq, last := l.st, l.seq, l.last
		// A room whose time ran out while the server was down is deleted
		// rather than started: rooms nobody joined pile up fastest.
		if ttl, _ := h.ttls().of(st); ttl > 0 && now.Sub(last) >= ttl {
			if err := h.deps.store.Delete(ctx, id); err != nil {
				h.deps.log.Error("restore room: delete expired room", "room", id, "err", err)
			} else {
				expired++
			}
			continue
		}
		h.mu.Lock()
		if h.down {
			h.mu.Unlock()
			return n, session.ErrShutdown
		}
		if h.codes[st.Config.Code] != nil {
			h.mu.Unlock()
			h.deps.log.Error("restore room: join code in use", "room", id, "code", st.Config.Code)
			continue
		}
		r := newRoom(st, seq, h.deps)
		r.resume(l)
		h.startLocked(r)
		live := len(h.rooms)
		h.mu.Unlock()
		n++
		h.deps.log.Info("room restored", "room", id, "code", st.Config.Code, "seq", seq, "phase", st.Phase(),
			"snapshot_seq", l.snapSeq, "snapshot_bytes", l.snapSize, "took", time.Since(began).Round(time.Millisecond))
		if live == h.maxRooms+1 {
			h.deps.log.Warn("more rooms restored than -max-rooms allows: new rooms are refused until some expire", "max_rooms", h.maxRooms)
		}
	}
	if expired > 0 {
		h.deps.log.Info("rooms expired while the server was down, deleted", "rooms", expired)
	}
	return n, nil
}

// loaded is a room's state as load rebuilt it.
type loaded struct {
	st       *session.State
	seq      uint64    // the last event's
	snapSeq  uint64    // the snapshot's; 0 when the whole log was replayed
	snapSize int       // the snapshot's bytes
	last     time.Time // the last event's
	cmds     []string  // the command ids of the last events, oldest first (Event.Cmd)
}

// load rebuilds a room's state: its snapshot, then every event after it. A
// snapshot the log does not reach (the log lost its tail) is ignored and the
// whole log replayed: what is lost was never acknowledged, since acks wait
// for the log, and the next append follows the log instead of failing for
// its sequence.
func load(ctx context.Context, s store.Store, id string, log *slog.Logger) (loaded, error) {
	snap, ok, err := s.LoadSnapshot(ctx, id)
	if err != nil {
		return loaded{}, err
	}
	var events, before []store.Event
	if ok && snap.Seq > 0 {
		// From maxRecent events before the snapshot: their command ids.
		evs, err := s.Events(ctx, id, snap.Seq-1-min(snap.Seq-1, maxRecent))
		if err != nil {
			return loaded{}, err
		}
		i := slices.IndexFunc(evs, func(e store.Event) bool { return e.Seq >= snap.Seq })
		if i < 0 || evs[i].Seq != snap.Seq {
			log.Warn("restore room: snapshot ahead of the event log; replaying the log alone", "room", id, "snapshot_seq", snap.Seq)
			ok = false
		} else {
			before, events = evs[:i+1], evs[i+1:]
		}
	}
	l := loaded{}
	var from *store.Snapshot
	if ok {
		from, l.snapSeq, l.snapSize, l.last = &snap, snap.Seq, len(snap.Data), snap.At
	} else if events, err = s.Events(ctx, id, 0); err != nil {
		return loaded{}, err
	}
	if l.st, l.seq, err = session.Rebuild(from, events); err != nil {
		return loaded{}, err
	}
	if n := len(events); n > 0 {
		l.last = events[n-1].At
	}
	for _, evs := range [][]store.Event{before, events} {
		for _, e := range evs {
			if e.Cmd != "" {
				l.cmds = append(l.cmds, e.Cmd)
			}
		}
	}
	return l, nil
}

// resume readies a loaded room's state beyond the session's: its last
// activity, snapshot and the command ids it has applied.
func (r *Room) resume(ld loaded) {
	r.lastActive, r.journal.snapSeq, r.journal.snapSize = ld.last, ld.snapSeq, ld.snapSize
	for _, k := range ld.cmds {
		r.recent.add(k)
	}
}

// Delete stops a room at once and removes it from memory and the store, as
// expiry does. It returns ErrNotFound when the hub does not hold the room.
func (h *Hub) Delete(ctx context.Context, id string) error {
	h.mu.Lock()
	r := h.rooms[id]
	if r == nil || h.down {
		h.mu.Unlock()
		return session.ErrNotFound
	}
	delete(h.rooms, r.id)
	delete(h.codes, r.code)
	h.mu.Unlock()
	r.gone.Store(true)
	r.cancel()
	<-r.done
	if err := h.deps.store.Delete(ctx, r.id); err != nil {
		return fmt.Errorf("delete room %s: %w", r.id, err)
	}
	h.forget(ctx, r)
	h.deps.log.Info("room deleted", "room", r.id, "code", r.code)
	return nil
}

// Shutdown stops every room: each writes a final snapshot and closes its
// sockets with 1012. If ctx ends first, pending store writes are abandoned.
// It is safe to call more than once.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	h.down = true
	h.mu.Unlock()
	h.cancel()
	done := make(chan struct{})
	go func() {
		h.wg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		h.giveUp()
		<-done
		err = fmt.Errorf("shutdown: %w", ctx.Err())
	}
	h.giveUp()
	if h.cl != nil {
		h.stopCluster.Do(h.cl.stop)
	}
	return err
}
