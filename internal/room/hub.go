package room

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/huddle-live/huddle/internal/scenario"
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

	finishedTTL, idleTTL time.Duration
	healthEvery          time.Duration

	mu    sync.Mutex
	rooms map[string]*Room
	codes map[string]*Room
	wg    sync.WaitGroup
	down  bool
}

type hubDeps struct {
	store       store.Store
	log         *slog.Logger
	clock       Clock
	base        string
	abort       context.Context
	maxBuffered int
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
	// after its last event; IdleTTL is the same for a room never finished.
	// Then the room leaves memory and the store. 0 keeps rooms forever.
	FinishedTTL, IdleTTL time.Duration
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
	abort, giveUp := context.WithCancel(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	h := &Hub{
		deps:        hubDeps{store: cfg.Store, log: cfg.Logger, clock: cfg.Clock, base: cfg.PublicURL, abort: abort, maxBuffered: cfg.MaxBuffered, every: cfg.WriteEvery},
		ctx:         ctx,
		cancel:      cancel,
		giveUp:      giveUp,
		finishedTTL: cfg.FinishedTTL,
		idleTTL:     cfg.IdleTTL,
		healthEvery: cfg.HealthEvery,
		rooms:       map[string]*Room{},
		codes:       map[string]*Room{},
	}
	// Both loops end with the hub's context; Shutdown waits for them.
	if p, ok := cfg.Store.(Pinger); ok {
		h.wg.Add(1)
		go h.watchStore(p)
	}
	if h.finishedTTL > 0 || h.idleTTL > 0 {
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
			_ = r.post(func() { r.setStoreDown(down) })
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
		expired, err := call(ctx, r, func(reply func(bool, error)) { reply(r.expired(h.finishedTTL, h.idleTTL), nil) })
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
		r.cancel()
		<-r.done
		if err := h.deps.store.Delete(ctx, r.id); err != nil {
			h.deps.log.Error("expire room: delete from store", "room", r.id, "err", err)
			continue
		}
		h.deps.log.Info("room expired", "room", r.id, "code", r.code)
		n++
	}
	return n
}

// CreateOptions are the host's choices when creating a room.
type CreateOptions struct {
	TeamMode  scenario.TeamMode // "" keeps the scenario's
	Teams     []string          // team names; nil uses the scenario's or TeamCount numbered teams
	TeamCount int               // 2..20; 0 means 4
	Lang      string            // "ru" or "en"; "" takes the scenario's
}

// Created is what the host gets back: the room and its secret tokens.
type Created struct {
	Room        *Room
	HostToken   string
	ScreenToken string
}

// ErrShutdown is returned when the hub is shutting down.
var ErrShutdown = errors.New("room: server is shutting down")

// Create starts a new room for a scenario. It returns once the room's first
// event is stored, so the tokens it hands out survive a crash.
func (h *Hub) Create(ctx context.Context, sc *scenario.Scenario, opt CreateOptions) (*Created, error) {
	cfg := Config{ID: uuid.NewString(), Scenario: sc, TeamMode: opt.TeamMode, Lang: opt.Lang}
	if cfg.Lang == "" {
		cfg.Lang = sc.Language
	}
	if cfg.TeamMode != "" && cfg.TeamMode != scenario.TeamAverage && cfg.TeamMode != scenario.TeamShared {
		return nil, fmt.Errorf("%w: team mode %q", ErrBadRequest, cfg.TeamMode)
	}
	teams, err := teamNames(sc, opt, cfg.Lang)
	if err != nil {
		return nil, err
	}
	cfg.Teams = teams
	host, screen := newToken(), newToken()
	cfg.HostHash, cfg.ScreenHash = HashToken(host), HashToken(screen)

	h.mu.Lock()
	if h.down {
		h.mu.Unlock()
		return nil, ErrShutdown
	}
	cfg.Code = h.freeCode()
	now := h.deps.clock.Now().UTC()
	st := newState(cfg, now)
	r := newRoom(st, 0, h.deps)
	data, err := json.Marshal(cfg)
	if err != nil {
		h.mu.Unlock()
		return nil, err
	}
	r.seq = 1
	r.unsent = []store.Event{{Seq: 1, At: now, Type: evCreated, Data: data}}
	r.snapDue = true
	h.startLocked(r)
	h.mu.Unlock()

	if _, err := call(ctx, r, func(reply func(struct{}, error)) {
		r.afterDurable(func() { reply(struct{}{}, nil) })
	}); err != nil {
		return nil, fmt.Errorf("create room: %w", err)
	}
	h.deps.log.Info("room created", "room", cfg.ID, "code", cfg.Code, "scenario", sc.ID, "team_mode", cfg.TeamMode)
	return &Created{Room: r, HostToken: host, ScreenToken: screen}, nil
}

// firstTeamMode is the team mode of a scenario's first quiz stage.
func firstTeamMode(sc *scenario.Scenario) scenario.TeamMode {
	for _, st := range sc.Stages {
		if st.Quiz != nil && st.Quiz.TeamMode != "" {
			return st.Quiz.TeamMode
		}
	}
	return scenario.TeamAverage
}

func teamNames(sc *scenario.Scenario, opt CreateOptions, lang string) ([]string, error) {
	if len(opt.Teams) > 0 {
		if len(opt.Teams) < 2 || len(opt.Teams) > 20 {
			return nil, fmt.Errorf("%w: 2 to 20 teams", ErrBadRequest)
		}
		seen := map[string]bool{}
		out := make([]string, len(opt.Teams))
		for i, t := range opt.Teams {
			name, err := CleanName(t)
			if err != nil || seen[strings.ToLower(name)] {
				return nil, fmt.Errorf("%w: team names must be unique, 1 to 40 characters", ErrBadRequest)
			}
			seen[strings.ToLower(name)] = true
			out[i] = name
		}
		return out, nil
	}
	if opt.TeamCount == 0 && len(sc.Teams) > 0 {
		return sc.Teams, nil
	}
	n := opt.TeamCount
	if n == 0 {
		n = 4
	}
	if n < 2 || n > 20 {
		return nil, fmt.Errorf("%w: 2 to 20 teams", ErrBadRequest)
	}
	word := "Команда"
	if lang == "en" {
		word = "Team"
	}
	out := make([]string, n)
	for i := range out {
		if i < len(sc.Teams) {
			out[i] = sc.Teams[i]
		} else {
			out[i] = fmt.Sprintf("%s %d", word, i+1)
		}
	}
	return out, nil
}

// freeCode picks a 6-digit join code no live room uses.
func (h *Hub) freeCode() string {
	for {
		n, err := rand.Int(rand.Reader, big.NewInt(900000))
		if err != nil {
			panic(err) // crypto/rand does not fail
		}
		code := fmt.Sprintf("%06d", n.Int64()+100000)
		if h.codes[code] == nil {
			return code
		}
	}
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
	n := 0
	for _, id := range ids {
		st, seq, last, err := load(ctx, h.deps.store, id, h.deps.log)
		if err != nil {
			h.deps.log.Error("restore room", "room", id, "err", err)
			continue
		}
		h.mu.Lock()
		if h.down {
			h.mu.Unlock()
			return n, ErrShutdown
		}
		if h.codes[st.Config.Code] != nil {
			h.mu.Unlock()
			h.deps.log.Error("restore room: join code in use", "room", id, "code", st.Config.Code)
			continue
		}
		r := newRoom(st, seq, h.deps)
		r.lastActive = last
		h.startLocked(r)
		h.mu.Unlock()
		n++
		h.deps.log.Info("room restored", "room", id, "code", st.Config.Code, "seq", seq, "phase", st.Phase())
	}
	return n, nil
}

// load rebuilds a room's state: its snapshot, then every event after it. It
// also returns the time of the last event. A snapshot the log does not reach
// (the log lost its tail) is ignored and the whole log replayed: what is lost
// was never acknowledged, since acks wait for the log, and the next append
// follows the log instead of failing for its sequence.
func load(ctx context.Context, s store.Store, id string, log *slog.Logger) (*State, uint64, time.Time, error) {
	var st *State
	var seq uint64
	var last time.Time
	snap, ok, err := s.LoadSnapshot(ctx, id)
	if err != nil {
		return nil, 0, last, err
	}
	var events []store.Event
	if ok && snap.Seq > 0 {
		evs, err := s.Events(ctx, id, snap.Seq-1)
		if err != nil {
			return nil, 0, last, err
		}
		if len(evs) == 0 || evs[0].Seq != snap.Seq {
			log.Warn("restore room: snapshot ahead of the event log; replaying the log alone", "room", id, "snapshot_seq", snap.Seq)
			ok = false
		} else {
			events = evs[1:]
		}
	}
	if ok {
		st = &State{}
		if err := json.Unmarshal(snap.Data, st); err != nil {
			return nil, 0, last, fmt.Errorf("decode snapshot: %w", err)
		}
		st.reindex()
		seq, last = snap.Seq, snap.At
	} else if events, err = s.Events(ctx, id, 0); err != nil {
		return nil, 0, last, err
	}
	for _, ev := range events {
		if ev.Seq != seq+1 {
			return nil, 0, last, fmt.Errorf("event %d follows %d", ev.Seq, seq)
		}
		if ev.Type == evCreated {
			var cfg Config
			if err := json.Unmarshal(ev.Data, &cfg); err != nil {
				return nil, 0, last, fmt.Errorf("decode created: %w", err)
			}
			st = newState(cfg, ev.At)
		} else if st == nil {
			return nil, 0, last, fmt.Errorf("event %d (%s) before the room was created", ev.Seq, ev.Type)
		} else if err := st.apply(ev); err != nil && !errors.Is(err, errDuplicate) {
			return nil, 0, last, fmt.Errorf("replay event %d (%s): %w", ev.Seq, ev.Type, err)
		}
		seq, last = ev.Seq, ev.At
	}
	if st == nil {
		return nil, 0, last, errors.New("no events")
	}
	return st, seq, last, nil
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
	select {
	case <-done:
		h.giveUp()
		return nil
	case <-ctx.Done():
		h.giveUp()
		<-done
		return fmt.Errorf("shutdown: %w", ctx.Err())
	}
}
