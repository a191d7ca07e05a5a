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

	mu    sync.Mutex
	rooms map[string]*Room
	codes map[string]*Room
	wg    sync.WaitGroup
	down  bool
}

type hubDeps struct {
	store store.Store
	log   *slog.Logger
	clock Clock
	base  string
	abort context.Context
	every time.Duration
}

// HubConfig is what a Hub needs.
type HubConfig struct {
	Store     store.Store
	Logger    *slog.Logger
	Clock     Clock  // nil means SystemClock
	PublicURL string // base of join links, e.g. "http://192.168.1.10:8080"
	// WriteEvery is the least time between two store writes of a room:
	// what accumulates meanwhile is stored as one batch, and acks wait for
	// it. 0 writes as soon as the previous write is done.
	WriteEvery time.Duration
}

// NewHub returns an empty hub.
func NewHub(cfg HubConfig) *Hub {
	if cfg.Clock == nil {
		cfg.Clock = SystemClock
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	abort, giveUp := context.WithCancel(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	return &Hub{
		deps:   hubDeps{store: cfg.Store, log: cfg.Logger, clock: cfg.Clock, base: cfg.PublicURL, abort: abort, every: cfg.WriteEvery},
		ctx:    ctx,
		cancel: cancel,
		giveUp: giveUp,
		rooms:  map[string]*Room{},
		codes:  map[string]*Room{},
	}
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
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		r.run(h.ctx)
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
		st, seq, err := load(ctx, h.deps.store, id)
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
		h.startLocked(newRoom(st, seq, h.deps))
		h.mu.Unlock()
		n++
		h.deps.log.Info("room restored", "room", id, "code", st.Config.Code, "seq", seq, "phase", st.Phase())
	}
	return n, nil
}

// load rebuilds a room's state: its snapshot, then every event after it.
func load(ctx context.Context, s store.Store, id string) (*State, uint64, error) {
	var st *State
	var seq uint64
	snap, ok, err := s.LoadSnapshot(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	if ok {
		st = &State{}
		if err := json.Unmarshal(snap.Data, st); err != nil {
			return nil, 0, fmt.Errorf("decode snapshot: %w", err)
		}
		st.reindex()
		seq = snap.Seq
	}
	events, err := s.Events(ctx, id, seq)
	if err != nil {
		return nil, 0, err
	}
	for _, ev := range events {
		if ev.Seq != seq+1 {
			return nil, 0, fmt.Errorf("event %d follows %d", ev.Seq, seq)
		}
		if ev.Type == evCreated {
			var cfg Config
			if err := json.Unmarshal(ev.Data, &cfg); err != nil {
				return nil, 0, fmt.Errorf("decode created: %w", err)
			}
			st = newState(cfg, ev.At)
		} else if st == nil {
			return nil, 0, fmt.Errorf("event %d (%s) before the room was created", ev.Seq, ev.Type)
		} else if err := st.apply(ev); err != nil && !errors.Is(err, errDuplicate) {
			return nil, 0, fmt.Errorf("replay event %d (%s): %w", ev.Seq, ev.Type, err)
		}
		seq = ev.Seq
	}
	if st == nil {
		return nil, 0, errors.New("no events")
	}
	return st, seq, nil
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
