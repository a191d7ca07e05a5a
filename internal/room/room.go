// Package room runs live rooms. One goroutine owns each room's state; HTTP
// handlers, WebSocket readers, timers and the store talk to it through its
// inbox. Every accepted change is an event: applied to the state, appended to
// the store by the room's writer goroutine, and acknowledged only once stored.
package room

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/huddle-live/huddle/internal/board"
	"github.com/huddle-live/huddle/internal/quiz"
	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/store"
)

// Role is what a connection may see and do.
type Role string

// Roles of connections.
const (
	RoleHost   Role = "host"
	RoleScreen Role = "screen"
	RolePlayer Role = "player"
)

// WebSocket close codes the room asks for.
const (
	StatusPolicy  = 1008 // unauthorized, kicked, or too slow to read
	StatusRestart = 1012 // the server is restarting; reconnect
)

// Conn is a subscriber's connection as the room sees it. Send must not block:
// it queues the frame and returns false when the queue is full or closed.
type Conn interface {
	Send(frame []byte) bool
	Close(code int, reason string)
}

// Clock is the room's source of time, injected so tests control timers.
type Clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending call from a Clock.
type Timer interface{ Stop() bool }

type systemClock struct{}

func (systemClock) Now() time.Time                            { return time.Now() }
func (systemClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// SystemClock is the wall clock.
var SystemClock Clock = systemClock{}

const (
	inboxSize     = 1024
	coalesceDelay = 100 * time.Millisecond
	snapshotEvery = 2000 // events between snapshots when no phase changes
	// snapshotGap is the least time between two snapshots, taken on the
	// room's goroutine: each is the whole state, megabytes in a room of
	// thousands of phones. A restart replays the events after the last one.
	snapshotGap  = 30 * time.Second
	maxNameLen   = 40
	maxCommandID = 64          // longer client message ids are refused
	maxRecent    = 16384       // client message ids remembered per room (about 3 per player and question for 200 phones × 25 questions)
	maxBackoff   = time.Second // between store retries: a returning store is used within about a second

	// DefaultMaxBuffered is how many events a room holds for a store that is
	// down before it refuses players' changes.
	DefaultMaxBuffered = 20000
)

type sub struct {
	role    Role
	player  string
	lang    string
	session bool // a signed-in facilitator's, not a token's: reissued links leave it open
}

type waiter struct {
	seq uint64
	fn  func()
}

type job struct {
	events []store.Event
	snap   *store.Snapshot
}

// Room is one live room. Its methods are safe for concurrent use: they post
// to the room's goroutine.
type Room struct {
	id, code string
	info     Info                   // immutable after creation: read without the loop
	hostHash atomic.Pointer[string] // read without the loop; reissued links replace it
	log      *slog.Logger
	store    store.Store
	clock    Clock
	base     string // public base URL for join links

	inbox    chan func()
	stopping chan struct{} // closed when the loop starts to shut down
	done     chan struct{} // closed when the loop has exited
	jobs     chan job
	wrote    chan struct{} // closed when the writer has exited
	abort    context.Context
	cancel   context.CancelFunc // stops this room alone (expiry); set by the hub
	every    time.Duration      // least time between two store writes

	// Owned by the loop goroutine.
	st        *State
	seq       uint64 // events accepted
	durable   uint64 // events stored
	unsent    []store.Event
	inflight  bool
	lastJob   time.Time // when the last write was handed to the writer
	jobTimer  Timer     // armed while a write waits for every to pass
	snapSeq   uint64
	snapDue   bool
	snapAt    time.Time // when the last snapshot was taken
	snapTimer Timer     // takes a snapshot put off by snapshotGap
	waiting   []waiter
	subs      map[Conn]*sub
	byPlayer  map[string]map[Conn]struct{}

	writeFailing bool // the writer's last attempt failed
	storeDown    bool // the hub's health check cannot reach the store
	bufferFull   bool // unsent reached maxBuffered; logged once until it drains
	maxBuffered  int
	maxPlayers   int    // active players the room takes
	epoch        string // changes whenever the room is loaded into a process
	lastActive   time.Time
	lastConn     time.Time           // when a socket last came or went
	recent       map[string]struct{} // client message ids of accepted commands, per sender
	recentOrder  []string            // the same keys, oldest first

	deadline   time.Time // the deadline the question timer is armed for
	qtimer     Timer
	flushTimer Timer
	dirtyView  bool
	dirtyState bool
	dirtyAllMe bool
	dirtyMe    map[string]bool
	urgent     bool
	ranks      *ranking // standings for views; nil when an event changed them
}

func newRoom(st *State, seq uint64, deps hubDeps) *Room {
	r := &Room{
		id:       st.Config.ID,
		code:     st.Config.Code,
		info:     Info{ID: st.Config.ID, Code: st.Config.Code, Title: st.Config.Scenario.Title, Lang: st.Config.Lang, TeamMode: string(st.teamMode()), Teams: slices.Clone(st.Teams), Sectors: hasBoard(st.Config.Scenario)},
		log:      deps.log.With("room", st.Config.ID),
		store:    deps.store,
		clock:    deps.clock,
		base:     deps.base,
		inbox:    make(chan func(), inboxSize),
		stopping: make(chan struct{}),
		done:     make(chan struct{}),
		jobs:     make(chan job, 1),
		wrote:    make(chan struct{}),
		abort:    deps.abort,
		every:    deps.every,
		st:       st,
		seq:      seq,
		durable:  seq,
		snapSeq:  seq,
		subs:     map[Conn]*sub{},
		byPlayer: map[string]map[Conn]struct{}{},
		dirtyMe:  map[string]bool{},

		maxBuffered: deps.maxBuffered,
		maxPlayers:  deps.maxPlayers,
		epoch:       newToken()[:8],
		lastActive:  deps.clock.Now(),
		recent:      map[string]struct{}{},
	}
	if r.maxBuffered <= 0 {
		r.maxBuffered = DefaultMaxBuffered
	}
	r.hostHash.Store(&st.Config.HostHash)
	if r.maxPlayers <= 0 {
		r.maxPlayers = DefaultMaxPlayers
	}
	return r
}

// ID returns the room's id.
func (r *Room) ID() string { return r.id }

// Code returns the room's join code.
func (r *Room) Code() string { return r.code }

// Info describes a room to people about to join it.
type Info struct {
	ID       string `json:"room"`
	Code     string `json:"code"`
	Title    string `json:"title"`
	Lang     string `json:"lang"`
	TeamMode string `json:"team_mode"`
	Teams    []Team `json:"teams"`
	Sectors  bool   `json:"sectors,omitempty"` // ask people at join whether they work for a state institution or an NGO
}

// Info returns the room's public description, a copy of its own.
func (r *Room) Info() Info {
	info := r.info
	info.Teams = slices.Clone(r.info.Teams)
	return info
}

// IsHost reports whether token is the room's host token.
func (r *Room) IsHost(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(HashToken(token)), []byte(*r.hostHash.Load())) == 1
}

// run is the room's goroutine. It returns when ctx ends, after a final
// snapshot has been written (or abort has ended the attempt).
func (r *Room) run(ctx context.Context) {
	go r.writer()
	defer close(r.done)
	r.armTimer()
	for {
		select {
		case fn := <-r.inbox:
			fn()
			r.settle()
		case <-ctx.Done():
			r.shutdown()
			return
		}
	}
}

// post hands fn to the room's goroutine.
func (r *Room) post(fn func()) error {
	select {
	case <-r.stopping:
		return ErrStopped
	default:
	}
	select {
	case r.inbox <- fn:
		return nil
	case <-r.stopping:
		return ErrStopped
	}
}

// call runs fn on the room's goroutine and waits for the result it passes
// to reply.
func call[T any](ctx context.Context, r *Room, fn func(reply func(T, error))) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	var zero T
	if err := r.post(func() {
		fn(func(v T, err error) { ch <- result{v, err} })
	}); err != nil {
		return zero, err
	}
	select {
	case res := <-ch:
		return res.v, res.err
	case <-ctx.Done():
		return zero, ctx.Err()
	case <-r.done:
		select {
		case res := <-ch:
			return res.v, res.err
		default:
			return zero, ErrStopped
		}
	}
}

// commit applies a new event to the state and queues it for the store.
func (r *Room) commit(typ string, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return err
	}
	before, stage, step := r.st.Phase(), r.st.Stage, r.st.gameStep()
	ev := store.Event{Seq: r.seq + 1, At: r.clock.Now().UTC(), Type: typ, Data: raw}
	if err := r.st.apply(ev); err != nil {
		return err
	}
	r.seq = ev.Seq
	r.lastActive = ev.At
	r.unsent = append(r.unsent, ev)
	if d, ok := data.(joinedData); ok && r.ranks != nil && r.st.Stage < 0 {
		r.ranks.joinLobby(r.st, d) // a full ranking per join is quadratic in a filling lobby
	} else {
		r.ranks = nil
	}
	if r.st.Phase() != before || r.st.Stage != stage || r.st.gameStep() != step {
		r.snapDue = true
		r.dirtyView, r.dirtyState, r.dirtyAllMe, r.urgent = true, true, true, true
	}
	return nil
}

// afterDurable runs fn once every event accepted so far is stored.
func (r *Room) afterDurable(fn func()) {
	if r.durable >= r.seq {
		fn()
		return
	}
	r.waiting = append(r.waiting, waiter{seq: r.seq, fn: fn})
}

// settle runs after every message: it hands new events to the writer, keeps
// the question timer in step with the state and sends the views.
func (r *Room) settle() {
	r.armTimer()
	switch {
	case r.urgent:
		// A phase change goes out before the store write is prepared: that
		// may snapshot the whole state, which takes a while in a big room.
		r.flush()
	case (r.dirtyView || r.dirtyState || r.dirtyAllMe || len(r.dirtyMe) > 0) && r.flushTimer == nil:
		r.flushTimer = r.clock.AfterFunc(coalesceDelay, func() {
			_ = r.post(func() {
				r.flushTimer = nil
				r.flush()
			})
		})
	}
	r.persist()
}

func (r *Room) persist() {
	if r.seq-r.snapSeq >= snapshotEvery {
		r.snapDue = true
	}
	now := r.clock.Now()
	// Snapshots are coalesced: at most one per snapshotGap, whatever the
	// host clicks; the events in between are in the log, so nothing waits.
	snap := r.snapDue
	if snap {
		if wait := snapshotGap - now.Sub(r.snapAt); wait > 0 {
			snap = false
			if r.snapTimer == nil {
				r.snapTimer = r.clock.AfterFunc(wait, func() { _ = r.post(func() { r.snapTimer = nil }) })
			}
		}
	}
	if r.inflight || (len(r.unsent) == 0 && !snap) || r.jobTimer != nil {
		return
	}
	// At most one write per r.every: under a burst of answers or joins the
	// store sees a few large batches a second, not one per event.
	if wait := r.every - now.Sub(r.lastJob); wait > 0 {
		r.jobTimer = r.clock.AfterFunc(wait, func() {
			_ = r.post(func() { r.jobTimer = nil }) // settle then persists
		})
		return
	}
	r.lastJob = now
	j := job{events: r.unsent}
	if snap {
		j.snap = r.snapshot()
		r.snapDue = false
	}
	r.unsent = nil
	r.inflight = true
	r.jobs <- j // never blocks: the writer is idle when nothing is in flight
}

func (r *Room) snapshot() *store.Snapshot {
	data, err := json.Marshal(r.st)
	if err != nil {
		r.log.Error("snapshot", "err", err)
		return nil
	}
	r.snapSeq = r.seq
	r.snapAt = r.clock.Now()
	return &store.Snapshot{Seq: r.seq, At: r.clock.Now().UTC(), Data: data}
}

// writer stores jobs in order, off the room's goroutine, and tells the room
// how far the log is durable.
func (r *Room) writer() {
	defer close(r.wrote)
	for j := range r.jobs {
		if !r.write(j) {
			continue
		}
		var last uint64
		if n := len(j.events); n > 0 {
			last = j.events[n-1].Seq
		} else if j.snap != nil {
			last = j.snap.Seq
		}
		_ = r.post(func() { r.stored(last) })
	}
}

// write stores one job, retrying with backoff until it succeeds or the hub
// gives up on the store.
func (r *Room) write(j job) bool {
	backoff := 100 * time.Millisecond
	for attempt := 0; ; attempt++ {
		err := r.writeOnce(j)
		if err == nil {
			if attempt > 0 {
				r.log.Info("store write recovered", "attempts", attempt+1)
			}
			return true
		}
		if attempt == 0 {
			_ = r.post(r.writeFailed)
		}
		if attempt == 0 || attempt%20 == 0 {
			r.log.Error("store write failed; retrying", "err", err, "attempt", attempt+1, "buffered", len(j.events))
		}
		select {
		case <-time.After(backoff):
		case <-r.abort.Done():
			r.log.Error("store write abandoned", "events", len(j.events), "err", err)
			return false
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

func (r *Room) writeOnce(j job) error {
	ctx, cancel := context.WithTimeout(r.abort, 10*time.Second)
	defer cancel()
	if len(j.events) > 0 {
		if err := r.store.Append(ctx, r.id, j.events); err != nil {
			// A batch stored by an attempt whose answer was lost comes back
			// as a sequence error: it is there, so it is done.
			if !errors.Is(err, store.ErrSeq) || !r.alreadyStored(ctx, j) {
				return err
			}
		}
		j.events = nil
	}
	if j.snap != nil {
		return r.store.SaveSnapshot(ctx, r.id, *j.snap)
	}
	return nil
}

// alreadyStored checks that a batch refused for its sequence is already stored.
func (r *Room) alreadyStored(ctx context.Context, j job) bool {
	evs, err := r.store.Events(ctx, r.id, j.events[0].Seq-1)
	return err == nil && len(evs) >= len(j.events) && evs[len(j.events)-1].Seq == j.events[len(j.events)-1].Seq
}

// stored runs on the loop when the writer has stored everything up to seq.
func (r *Room) stored(seq uint64) {
	r.durable = max(r.durable, seq)
	r.inflight = false
	if r.writeFailing {
		r.writeFailing = false
		r.dirtyView = true
	}
	if r.bufferFull && len(r.unsent) < r.maxBuffered/2 {
		r.bufferFull = false
		r.log.Info("store buffer drained: players' changes accepted again")
	}
	n := 0
	for _, w := range r.waiting {
		if w.seq > r.durable {
			break
		}
		w.fn()
		n++
	}
	// Delete zeroes the slots it frees: their closures hold connections.
	r.waiting = slices.Delete(r.waiting, 0, n)
}

// ttls are the times to live of rooms; 0 is forever.
type ttls struct {
	finished time.Duration // a finished room's, after its last event
	idle     time.Duration // an unfinished room's, after its last event
	unjoined time.Duration // a room nobody ever joined, after its last event or socket
}

// of is the time to live of a room in state st, and whether it is the
// shorter one of a room nobody joined.
func (t ttls) of(st *State) (ttl time.Duration, unjoined bool) {
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
		if len(r.subs) > 0 {
			return false
		}
		if r.lastConn.After(since) {
			since = r.lastConn
		}
	}
	// Not while the store is down: stopping writes a final snapshot, and
	// the sweep would wait for it.
	return ttl > 0 && r.clock.Now().Sub(since) >= ttl && !r.storageUnavailable() && !r.inflight
}

// writeFailed runs on the loop when a store write has failed: the host
// view shows that storage is unavailable until a write succeeds.
func (r *Room) writeFailed() {
	if !r.writeFailing {
		r.writeFailing = true
		r.dirtyView = true
	}
}

// setStoreDown records the hub's latest health check of the store.
func (r *Room) setStoreDown(down bool) {
	if r.storeDown != down {
		r.storeDown = down
		r.dirtyView = true
	}
}

// storageUnavailable reports whether changes are waiting on a store that is
// down: acks wait, and the host is told.
func (r *Room) storageUnavailable() bool { return r.writeFailing || r.storeDown }

// bufferLeft reports whether the room may accept another player change. The
// events a room holds for a store that is down are bounded: past the bound
// players' changes are refused (host commands and timers still run) and one
// log line says so.
func (r *Room) bufferLeft() bool {
	if len(r.unsent) < r.maxBuffered {
		return true
	}
	if !r.bufferFull {
		r.bufferFull = true
		r.log.Error("store buffer full: refusing players' changes until the store is back", "buffered", len(r.unsent), "limit", r.maxBuffered)
	}
	return false
}

// armTimer keeps one timer for the current stage's deadline: an open
// question's, a game node's or a board phase's.
func (r *Room) armTimer() {
	deadline, _, _ := r.st.timer()
	if deadline.Equal(r.deadline) {
		return
	}
	if r.qtimer != nil {
		r.qtimer.Stop()
		r.qtimer = nil
	}
	r.deadline = deadline
	if deadline.IsZero() {
		return
	}
	r.qtimer = r.clock.AfterFunc(deadline.Sub(r.clock.Now()), func() {
		_ = r.post(func() { r.timeUp(deadline) })
	})
}

func (r *Room) timeUp(deadline time.Time) {
	if !r.deadline.Equal(deadline) {
		return // a stale timer
	}
	if r.clock.Now().Before(deadline) {
		r.qtimer, r.deadline = nil, time.Time{} // fired early: arm again in settle
		return
	}
	r.qtimer, r.deadline = nil, time.Time{}
	// Every deadline that has passed is handled now: in a game, teams that
	// reached their nodes together share the same one.
	now := r.clock.Now()
	for range len(r.st.Teams) + 1 {
		at, typ, data := r.st.timer()
		if typ == "" || at.IsZero() || now.Before(at) {
			return
		}
		if err := r.commit(typ, data); err != nil {
			r.log.Error("time up", "event", typ, "err", err)
			return
		}
		if d, ok := data.(gameTimeoutData); ok {
			r.dirtyView = true
			r.markTeam(d.Team)
		}
	}
}

// shutdown stops timers, writes the final snapshot and closes every socket.
func (r *Room) shutdown() {
	close(r.stopping)
	if r.qtimer != nil {
		r.qtimer.Stop()
	}
	if r.flushTimer != nil {
		r.flushTimer.Stop()
	}
	if r.snapTimer != nil {
		r.snapTimer.Stop()
	}
	if r.jobTimer != nil {
		r.jobTimer.Stop()
	}
	// The final snapshot only speeds up the next start; a room with no
	// event since its last one has nothing to add, and thousands of idle
	// rooms would only hold up the shutdown.
	final := job{events: r.unsent}
	if r.seq > r.snapSeq {
		final.snap = r.snapshot()
	}
	r.unsent = nil
	r.jobs <- final // the buffer has room: the writer holds at most one job
	close(r.jobs)
	<-r.wrote
	for c := range r.subs {
		c.Close(StatusRestart, "server restarting")
	}
	r.subs = nil
}

// Join adds a player. team "" assigns the smallest team. It returns once the
// join is stored.
func (r *Room) Join(ctx context.Context, name, team string) (Joined, error) {
	return r.JoinAs(ctx, JoinRequest{Name: name, Team: team})
}

// JoinRequest is what a phone sends to join.
type JoinRequest struct {
	Name   string
	Team   string // "" assigns the smallest team
	Sector string // "state", "ngo", or "" for not telling
	// Device is a random id the phone keeps across joins, so that a player
	// the host removed cannot come back under another name from the same
	// phone; "" when the client has none.
	Device string
}

// Device ids are letters, digits, '-' and '_', this long.
const minDevice, maxDevice = 16, 64

// validDevice reports whether d is a device id: random, never shown, so
// nothing to clean, only a shape to check.
func validDevice(d string) bool {
	if len(d) < minDevice || len(d) > maxDevice {
		return false
	}
	for _, c := range d {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// JoinAs adds a player as req says.
func (r *Room) JoinAs(ctx context.Context, req JoinRequest) (Joined, error) {
	name, err := CleanName(req.Name)
	if err != nil {
		return Joined{}, err
	}
	team, sector := req.Team, req.Sector
	if sector != "" && sector != board.SectorState && sector != board.SectorNGO {
		return Joined{}, ErrBadRequest
	}
	device := ""
	if req.Device != "" {
		if !validDevice(req.Device) {
			return Joined{}, ErrBadRequest
		}
		device = HashToken(req.Device)
	}
	token := newToken()
	return call(ctx, r, func(reply func(Joined, error)) {
		if r.st.Finished {
			reply(Joined{}, ErrFinished)
			return
		}
		if !r.bufferLeft() {
			reply(Joined{}, ErrStorage)
			return
		}
		if r.st.Locked {
			reply(Joined{}, ErrLocked)
			return
		}
		if len(r.st.active) >= r.maxPlayers {
			reply(Joined{}, ErrRoomFull)
			return
		}
		if team == "" {
			team = r.st.smallestTeam()
		}
		if r.st.team(team) == nil {
			reply(Joined{}, ErrNoTeam)
			return
		}
		for _, p := range r.st.Players {
			switch {
			case p.barred() && (strings.EqualFold(p.Name, name) || device != "" && p.DeviceHash == device):
				reply(Joined{}, ErrRemoved)
				return
			case !p.Kicked && strings.EqualFold(p.Name, name):
				reply(Joined{}, ErrNameTaken)
				return
			}
		}
		id := uuid.NewString()
		if err := r.commit(evJoined, joinedData{Player: id, Name: name, Team: team, Sector: sector, TokenHash: HashToken(token), DeviceHash: device}); err != nil {
			reply(Joined{}, err)
			return
		}
		r.dirtyView = true
		// Teammates' phones list the first maxListedMembers names: only
		// while the list grows do they need a new "me". Marking a whole
		// large team per join sent every phone ten updates a second while
		// thousands joined.
		if r.teamSize(team) <= maxListedMembers {
			r.markTeam(team)
		}
		r.afterDurable(func() {
			reply(Joined{Room: r.id, Player: id, Token: token, Team: team}, nil)
		})
	})
}

// Joined is the answer to a join: the player's id and secret token.
type Joined struct {
	Room   string `json:"room"`
	Player string `json:"player"`
	Token  string `json:"token"`
	Team   string `json:"team"`
}

// More join errors.
var (
	ErrBadName   = errors.New("room: name must be 1 to 40 characters")
	ErrNameTaken = errors.New("room: name taken")
	ErrNoTeam    = errors.New("room: no such team")
	ErrLocked    = errors.New("room: locked to new players")
	ErrRoomFull  = errors.New("room: as many players as the room may hold")
	ErrRemoved   = errors.New("room: removed by the host")
)

// Attach connects c with the token from its hello frame. An unknown token
// gets an error frame and the connection is closed.
func (r *Room) Attach(c Conn, token, lang string) {
	if r.post(func() { r.attach(c, token, lang) }) != nil {
		c.Close(StatusRestart, "room stopped")
	}
}

func (r *Room) attach(c Conn, token, lang string) {
	h := HashToken(token)
	s := &sub{lang: lang}
	switch {
	case token != "" && h == r.st.Config.HostHash:
		s.role = RoleHost
	case token != "" && h == r.st.Config.ScreenHash:
		s.role = RoleScreen
	default:
		p := r.st.byToken[h]
		if p == nil || token == "" {
			r.sendTo(c, r.errorFrame("", ErrUnauthorized, lang))
			c.Close(StatusPolicy, "unauthorized")
			return
		}
		s.role, s.player = RolePlayer, p.ID
	}
	r.attachSub(c, s)
}

// attachSub adds a connection whose role is settled and sends it the
// welcome and its first view.
func (r *Room) attachSub(c Conn, s *sub) {
	r.subs[c] = s
	r.lastConn = r.clock.Now()
	welcome := map[string]any{"role": s.role, "room": r.id}
	if s.player != "" {
		welcome["player"] = s.player
		if r.byPlayer[s.player] == nil {
			r.byPlayer[s.player] = map[Conn]struct{}{}
		}
		r.byPlayer[s.player][c] = struct{}{}
		r.dirtyView = true // online count
	}
	now := r.clock.Now()
	r.sendTo(c, r.frame("welcome", now, welcome))
	switch s.role {
	case RoleHost, RoleScreen:
		r.sendTo(c, r.frame("view", now, r.view(s.role, now)))
	case RolePlayer:
		r.sendTo(c, r.frame("state", now, r.phoneState(now)))
		r.sendTo(c, r.frame("me", now, r.me(s.player)))
	}
}

// Detach forgets c; the connection has closed.
func (r *Room) Detach(c Conn) {
	_ = r.post(func() { r.drop(c) })
}

func (r *Room) drop(c Conn) {
	s, ok := r.subs[c]
	if !ok {
		return
	}
	delete(r.subs, c)
	r.lastConn = r.clock.Now()
	if s.player != "" {
		delete(r.byPlayer[s.player], c)
		if len(r.byPlayer[s.player]) == 0 {
			delete(r.byPlayer, s.player)
		}
		r.dirtyView = true
	}
}

// sendTo queues a frame; a connection that cannot keep up is dropped and
// will resync with a full view when it reconnects.
func (r *Room) sendTo(c Conn, frame []byte) {
	if frame == nil || c.Send(frame) {
		return
	}
	r.drop(c)
	c.Close(StatusPolicy, "too slow")
}

// Command runs a client command that arrived on c.
func (r *Room) Command(c Conn, id, typ string, data json.RawMessage) {
	_ = r.post(func() { r.command(c, id, typ, data) })
}

type answerCmd struct {
	Question string   `json:"question"`
	Options  []string `json:"options"`
	Number   *float64 `json:"number"`
	Text     string   `json:"text"`
}

func (r *Room) command(c Conn, id, typ string, data json.RawMessage) {
	s := r.subs[c]
	if s == nil {
		return // closed meanwhile, or never said hello
	}
	if len(id) > maxCommandID {
		r.sendTo(c, r.errorFrame(id, ErrBadRequest, s.lang))
		return
	}
	// A command re-sent after a reconnect (its ack was lost with the old
	// socket) is acknowledged again, never applied twice.
	key := ""
	if id != "" {
		key = string(s.role) + "\x00" + s.player + "\x00" + id
		if _, ok := r.recent[key]; ok {
			r.afterDurable(func() { r.sendTo(c, r.ackFrame(id, true)) })
			return
		}
	}
	if s.role == RolePlayer && !r.bufferLeft() {
		r.sendTo(c, r.errorFrame(id, ErrStorage, s.lang))
		return
	}
	err := r.exec(s, typ, data)
	switch {
	case errors.Is(err, errDuplicate):
		r.remember(key)
		r.afterDurable(func() { r.sendTo(c, r.ackFrame(id, true)) })
	case err != nil:
		r.sendTo(c, r.errorFrame(id, err, s.lang))
	default:
		r.remember(key)
		r.afterDurable(func() { r.sendTo(c, r.ackFrame(id, false)) })
	}
}

// remember keeps the key of an accepted command, the newest maxRecent.
func (r *Room) remember(key string) {
	if key == "" {
		return
	}
	r.recent[key] = struct{}{}
	r.recentOrder = append(r.recentOrder, key)
	if len(r.recentOrder) > maxRecent {
		delete(r.recent, r.recentOrder[0])
		r.recentOrder = r.recentOrder[1:]
	}
}

// hostCommands are the room's own commands only the host may send; a type
// that is neither one of them nor a player's or a stage's is a bad request,
// from any role.
var hostCommands = map[string]bool{"start": true, "next": true, "close": true, "end": true, "lock": true, "kick": true, "readmit": true}

func (r *Room) exec(s *sub, typ string, data json.RawMessage) error {
	if typ == "answer" {
		if s.role != RolePlayer {
			return ErrForbidden
		}
		var a answerCmd
		if err := json.Unmarshal(data, &a); err != nil || a.Question == "" {
			return ErrBadRequest
		}
		if a.Text != "" {
			// Cleaned like a name before anyone sees it or it is grouped on
			// the projector; a text that cleans to nothing is refused.
			var err error
			if a.Text, err = CleanText(a.Text, quiz.MaxTextLen); err != nil {
				return err
			}
		}
		if r.st.Finished {
			return ErrFinished
		}
		p := r.st.byID[s.player]
		if err := r.commit(evAnswered, answeredData{Player: s.player, Question: a.Question,
			Choice: quiz.Choice{Options: a.Options, Number: a.Number, Text: a.Text}}); err != nil {
			return err
		}
		r.dirtyView = true
		if r.st.teamMode() == scenario.TeamShared {
			r.markTeam(p.Team)
		} else {
			r.dirtyMe[s.player] = true
		}
		if r.st.quiz().AllAnswered(r.st.roster()) {
			return r.commit(evClosed, closedData{By: quiz.ClosedByAll})
		}
		return nil
	}
	switch {
	case strings.HasPrefix(typ, gameEventPrefix):
		return r.execGame(s, typ, data)
	case strings.HasPrefix(typ, boardEventPrefix):
		return r.execBoard(s, typ, data)
	}
	if !hostCommands[typ] {
		return ErrBadRequest
	}
	if s.role != RoleHost {
		return ErrForbidden
	}
	switch typ {
	case "start":
		return r.commit(evStarted, struct{}{})
	case "next":
		if err := r.commit(evNext, struct{}{}); err != nil {
			return err
		}
		// A board reveals its prompts one by one within one phase: show each.
		r.dirtyView, r.dirtyState, r.dirtyAllMe, r.urgent = true, true, true, true
		return nil
	case "close":
		return r.commit(evClosed, closedData{By: quiz.ClosedByHost})
	case "end":
		return r.commit(evEnded, struct{}{})
	case "lock":
		var d lockData
		if err := json.Unmarshal(data, &d); err != nil {
			return ErrBadRequest
		}
		if err := r.commit(evLocked, d); err != nil {
			return err
		}
		r.dirtyView = true
		return nil
	case "kick":
		var d playerData
		if err := json.Unmarshal(data, &d); err != nil || d.Player == "" {
			return ErrBadRequest
		}
		p := r.st.byID[d.Player]
		if err := r.commit(evKicked, d); err != nil {
			return err
		}
		r.dirtyView = true
		r.markTeam(p.Team)
		now := r.clock.Now()
		for pc := range r.byPlayer[d.Player] {
			r.sendTo(pc, r.frame("kicked", now, nil))
			r.drop(pc)
			pc.Close(StatusPolicy, "removed by the host")
		}
		if qs := r.st.quiz(); qs != nil && qs.AllAnswered(r.st.roster()) {
			return r.commit(evClosed, closedData{By: quiz.ClosedByAll})
		}
		return r.settleVote(p.Team)
	case "readmit":
		var d playerData
		if err := json.Unmarshal(data, &d); err != nil || d.Player == "" {
			return ErrBadRequest
		}
		if err := r.commit(evReadmitted, d); err != nil {
			return err
		}
		r.dirtyView = true
		return nil
	}
	return ErrBadRequest
}

// teamSize counts a team's active members.
func (r *Room) teamSize(team string) int {
	n := 0
	for _, p := range r.st.Players {
		if p.Team == team && !p.Kicked {
			n++
		}
	}
	return n
}

// markTeam marks every member of a team for a personal update.
func (r *Room) markTeam(team string) {
	for _, p := range r.st.Players {
		if p.Team == team {
			r.dirtyMe[p.ID] = true
		}
	}
}

// Results returns the room's results for export. They are built on the
// room's goroutine and share no map or slice with its state
// (TestResultsShareNothing), so an export may read them while the room
// goes on.
func (r *Room) Results(ctx context.Context) (*Results, error) {
	return call(ctx, r, func(reply func(*Results, error)) { reply(r.st.results(), nil) })
}

func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
