// Package room runs live rooms. One goroutine owns each room's state (a
// session.State); HTTP handlers, WebSocket readers, timers and the store
// talk to it through its inbox. Every accepted change is an event: applied
// to the state, appended to the store by the room's journal, and
// acknowledged only once stored. What leaves the goroutine is encoded bytes
// (frames, snapshots) or a copy (results, the room's info): never a map or
// slice the state goes on changing.
package room

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/huddle-live/huddle/internal/session"
	"github.com/huddle-live/huddle/internal/store"
)

// Conn is a subscriber's connection as the room sees it. Send must not block:
// it queues the frame and returns false when the queue is full or closed.
type Conn interface {
	Send(frame []byte) bool
	Close(code int, reason string)
}

// PartsConn is a Conn that also takes a frame in two parts, sent as one
// message: a broadcast's shared bytes and the recipient's own. The room
// then never copies the shared part once per recipient. Like Send, it must
// not block, and it may be called from other goroutines than the room's
// while the room's goroutine waits for them.
type PartsConn interface {
	SendParts(shared, own []byte) bool
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
	inboxSize    = 1024
	maxCommandID = 64    // longer client message ids are refused
	maxRecent    = 16384 // client message ids remembered per room (about 3 per player and question for 200 phones × 25 questions)
)

// Room is one live room. Its methods are safe for concurrent use: they post
// to the room's goroutine.
type Room struct {
	id, code   string
	info       session.Info           // immutable after creation: read without the loop
	hostHash   atomic.Pointer[string] // read without the loop; reissued links replace it
	log        *slog.Logger
	clock      Clock
	base       string // public base URL for join links
	maxPlayers int    // active players the room takes
	epoch      string // changes whenever the room is loaded into a process

	inbox    chan func()
	stopping chan struct{}      // closed when the loop starts to shut down
	done     chan struct{}      // closed when the loop has exited
	cancel   context.CancelFunc // stops this room alone (expiry); set by the hub

	// With a cluster (cluster.go): the lease this process runs the room
	// under, the other processes' sockets, and whether the room stepped
	// down and leaves its sockets open for the next owner.
	lease     store.Lease
	relay     *relayOut
	keepConns atomic.Bool
	gone      atomic.Bool  // deleted or expired: its lease is not handed on
	renewed   atomic.Int64 // when the lease was last taken or renewed, in Unix ns

	// Owned by the loop goroutine.
	st         *session.State
	journal    journal
	subs       subscribers
	recent     recent
	tx         session.Tx // the change under way; see begin
	deadline   time.Time  // the deadline the stage timer is armed for
	stageTimer Timer
	lastActive time.Time // the last event's
	lastConn   time.Time // when a socket last came or went
}

func newRoom(st *session.State, seq uint64, deps hubDeps) *Room {
	r := &Room{
		id:         st.Config.ID,
		code:       st.Config.Code,
		info:       st.Info(),
		log:        deps.log.With("room", st.Config.ID),
		clock:      deps.clock,
		base:       deps.base,
		maxPlayers: deps.maxPlayers,
		epoch:      newToken()[:8],
		inbox:      make(chan func(), inboxSize),
		stopping:   make(chan struct{}),
		done:       make(chan struct{}),
		st:         st,
		subs:       newSubscribers(),
		recent:     recent{ids: map[string]struct{}{}},
		lastActive: deps.clock.Now(),
	}
	r.journal = journal{id: r.id, store: deps.store, log: r.log, clock: deps.clock, post: r.post,
		big:    func() bool { return len(r.st.Players) >= bigRoom },
		notify: func() { r.subs.marks.View = true }, abort: deps.abort, every: deps.every, maxBuffered: deps.maxBuffered,
		seq: seq, durable: seq, snapSeq: seq}
	hostHash := st.Config.HostHash // a copy: a reissue rewrites the state's while IsHost reads this
	r.hostHash.Store(&hostHash)
	if r.maxPlayers <= 0 {
		r.maxPlayers = DefaultMaxPlayers
	}
	return r
}

// ID returns the room's id.
func (r *Room) ID() string { return r.id }

// Code returns the room's join code.
func (r *Room) Code() string { return r.code }

// Info returns the room's public description, a copy of its own.
func (r *Room) Info() session.Info {
	info := r.info
	info.Teams = append([]session.Team(nil), r.info.Teams...)
	return info
}

// IsHost reports whether token is the room's host token.
func (r *Room) IsHost(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(session.HashToken(token)), []byte(*r.hostHash.Load())) == 1
}

// run is the room's goroutine. It returns when ctx ends, after a final
// snapshot has been written (or abort has ended the attempt).
func (r *Room) run(ctx context.Context) {
	r.journal.start()
	defer close(r.done)
	r.armTimer()
	for {
		select {
		case fn := <-r.inbox:
			fn()
			r.settle()
			if r.relay != nil {
				r.relay.publish(r)
			}
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
		return session.ErrStopped
	default:
	}
	select {
	case r.inbox <- fn:
		return nil
	case <-r.stopping:
		return session.ErrStopped
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
			return zero, session.ErrStopped
		}
	}
}

// begin opens a change of the state at the room's time. The room has one
// Tx and reuses it, its lists too: a command allocates nothing for it.
func (r *Room) begin() *session.Tx {
	r.tx = session.Tx{At: r.clock.Now().UTC(), Events: r.tx.Events[:0], Marks: &r.subs.marks, Kicked: r.tx.Kicked[:0]}
	return &r.tx
}

// end closes a change: it logs the events the change recorded (even when
// it failed part way: those were applied), closes the sockets of players it
// removed, and returns err, the change's outcome.
func (r *Room) end(tx *session.Tx, err error) error {
	if len(tx.Events) > 0 {
		r.journal.add(tx.Events)
		r.lastActive = tx.At
	}
	clear(tx.Events) // the journal holds them now
	if tx.Moved {
		r.journal.snapDue = true
		r.journal.movedAt = r.clock.Now()
	}
	for _, p := range tx.Kicked {
		now := r.clock.Now()
		for c := range r.subs.byPlayer[p] {
			r.sendTo(c, r.frame("kicked", now, nil))
			r.drop(c)
			c.Close(session.StatusPolicy, "removed by the host")
		}
	}
	return err
}

// settle runs after every message: it keeps the stage timer in step with
// the state, sends the views and hands new events to the journal.
func (r *Room) settle() {
	r.armTimer()
	switch {
	case r.subs.marks.Urgent:
		// A phase change goes out before the store write is prepared: that
		// may snapshot the whole state, which takes a while in a big room.
		r.flush()
	case r.subs.marks.Dirty() && r.subs.flushTimer == nil:
		r.subs.flushTimer = r.clock.AfterFunc(coalesceDelay, func() {
			_ = r.post(func() {
				r.subs.flushTimer = nil
				r.flush()
			})
		})
	}
	r.journal.persist(r.encode)
}

// encode is the room's state as a snapshot keeps it.
func (r *Room) encode() ([]byte, error) { return r.st.MarshalJSON() }

// armTimer keeps one timer for the current stage's deadline: an open
// question's, a game node's or a board phase's.
func (r *Room) armTimer() {
	deadline := r.st.Deadline()
	if deadline.Equal(r.deadline) {
		return
	}
	if r.stageTimer != nil {
		r.stageTimer.Stop()
		r.stageTimer = nil
	}
	r.deadline = deadline
	if deadline.IsZero() {
		return
	}
	r.stageTimer = r.clock.AfterFunc(deadline.Sub(r.clock.Now()), func() {
		_ = r.post(func() { r.timeUp(deadline) })
	})
}

func (r *Room) timeUp(deadline time.Time) {
	if !r.deadline.Equal(deadline) {
		return // a stale timer
	}
	r.stageTimer, r.deadline = nil, time.Time{} // armed again in settle
	if r.clock.Now().Before(deadline) {
		return // fired early
	}
	tx := r.begin()
	if err := r.end(tx, r.st.TimeUp(tx)); err != nil {
		r.log.Error("time up", "err", err)
	}
}

// shutdown stops timers, writes the final snapshot and closes every socket.
func (r *Room) shutdown() {
	close(r.stopping)
	for _, t := range []Timer{r.stageTimer, r.subs.flushTimer} {
		if t != nil {
			t.Stop()
		}
	}
	r.journal.close(r.encode)
	for c := range r.subs.conns {
		// Other processes' sockets, and a stepped-down room's, stay open:
		// the room's next owner takes them.
		if _, relayed := c.(*relayConn); !relayed && !r.keepConns.Load() {
			c.Close(session.StatusRestart, "server restarting")
		}
	}
	r.subs.conns = nil
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

// Joined is the answer to a join: the player's id and secret token.
type Joined struct {
	Room   string `json:"room"`
	Player string `json:"player"`
	Token  string `json:"token"`
	Team   string `json:"team"`
}

// JoinAs adds a player as req says.
func (r *Room) JoinAs(ctx context.Context, req JoinRequest) (Joined, error) {
	name, device, err := session.CheckJoin(req.Name, req.Sector, req.Device)
	if err != nil {
		return Joined{}, err
	}
	token := newToken()
	j := session.Joining{ID: uuid.NewString(), Name: name, Team: req.Team, Sector: req.Sector, TokenHash: session.HashToken(token), Device: device}
	return call(ctx, r, func(reply func(Joined, error)) {
		if r.st.Finished {
			reply(Joined{}, session.ErrFinished)
			return
		}
		if !r.journal.bufferLeft() {
			reply(Joined{}, session.ErrStorage)
			return
		}
		tx := r.begin()
		team, err := r.st.Join(tx, j, r.maxPlayers)
		if err = r.end(tx, err); err != nil {
			reply(Joined{}, err)
			return
		}
		r.journal.afterDurable(func() {
			reply(Joined{Room: r.id, Player: j.ID, Token: token, Team: team}, nil)
		})
	})
}

// Command runs a client command that arrived on c.
func (r *Room) Command(c Conn, id, typ string, data json.RawMessage) {
	_ = r.post(func() { r.command(c, id, typ, data) })
}

func (r *Room) command(c Conn, id, typ string, data json.RawMessage) {
	s := r.subs.conns[c]
	if s == nil {
		return // closed meanwhile, or never said hello
	}
	if len(id) > maxCommandID {
		r.sendTo(c, r.errorFrame(id, session.ErrBadRequest, s.lang))
		return
	}
	// A command re-sent after a reconnect (its ack was lost with the old
	// socket) is acknowledged again, never applied twice.
	key := ""
	if id != "" {
		key = string(s.role) + "\x00" + s.player + "\x00" + id
		if r.recent.has(key) {
			r.journal.afterDurable(func() { r.sendTo(c, r.ackFrame(id, true)) })
			return
		}
	}
	if s.role == session.RolePlayer && !r.journal.bufferLeft() {
		r.sendTo(c, r.errorFrame(id, session.ErrStorage, s.lang))
		return
	}
	tx := r.begin()
	err := r.st.Exec(tx, session.Actor{Role: s.role, Player: s.player}, typ, data)
	if n := len(tx.Events); n > 0 {
		tx.Events[n-1].Cmd = key // the log remembers the id for the room's next load
	}
	err = r.end(tx, err)
	switch {
	case errors.Is(err, session.ErrDuplicate):
		r.recent.add(key)
		r.journal.afterDurable(func() { r.sendTo(c, r.ackFrame(id, true)) })
	case err != nil:
		r.sendTo(c, r.errorFrame(id, err, s.lang))
	default:
		r.recent.add(key)
		// A player's change of their own view is answered by the ack, which
		// carries the view, rather than by a frame of its own; a phase change
		// brings every phone its view anyway, and a second socket of the
		// player still gets a frame. A view changed only in the open
		// question's part (an answer) gets that part alone.
		m := &r.subs.marks
		if s.role == session.RolePlayer && m.Me[s.player] && !m.AllMe && len(r.subs.byPlayer[s.player]) == 1 {
			part := m.Answered[s.player]
			m.Forget(s.player)
			if part {
				r.journal.afterDurable(func() { r.sendTo(c, r.ackWithQuestion(id, s.player)) })
				return
			}
			r.journal.afterDurable(func() { r.sendTo(c, r.ackWithMe(id, s.player)) })
			return
		}
		r.journal.afterDurable(func() { r.sendTo(c, r.ackFrame(id, false)) })
	}
}

// recent are the client message ids of commands a room accepted, per
// sender, the newest maxRecent.
type recent struct {
	ids   map[string]struct{}
	order []string // the same keys, oldest first
}

func (rc *recent) has(key string) bool { _, ok := rc.ids[key]; return ok }

func (rc *recent) add(key string) {
	if key == "" {
		return
	}
	rc.ids[key] = struct{}{}
	rc.order = append(rc.order, key)
	if len(rc.order) > maxRecent {
		delete(rc.ids, rc.order[0])
		rc.order = rc.order[1:]
	}
}

// Results returns the room's results for export. They are built on the
// room's goroutine as a copy: session builds them from fresh lists and
// copied maps, so an export may read them while the room goes on
// (TestResultsShareNothing).
func (r *Room) Results(ctx context.Context) (*session.Results, error) {
	return call(ctx, r, func(reply func(*session.Results, error)) { reply(r.st.Results(), nil) })
}

// BoardResults returns the room's board stages for export, as Results.
func (r *Room) BoardResults(ctx context.Context) (*session.BoardResults, error) {
	return call(ctx, r, func(reply func(*session.BoardResults, error)) { reply(r.st.BoardResults(), nil) })
}

// Summary is a room as a facilitator's list shows it.
type Summary struct {
	Phase      string    `json:"phase"`
	Finished   bool      `json:"finished"`
	Players    int       `json:"players"`
	LastActive time.Time `json:"last_active"`
}

// Summary returns the room's phase and size.
func (r *Room) Summary(ctx context.Context) (Summary, error) {
	return call(ctx, r, func(reply func(Summary, error)) {
		reply(Summary{Phase: r.st.Phase(), Finished: r.st.Finished, Players: r.st.Active(), LastActive: r.lastActive.UTC()}, nil)
	})
}

// Links are a room's new secret tokens; an empty one was left as it was.
type Links struct {
	HostToken   string
	ScreenToken string
}

// Reissue gives the room a new host token, screen token, or both. Sockets
// that came in with a replaced token get an unauthorized error and are
// closed; a signed-in facilitator's sockets stay. It returns once the change
// is stored.
func (r *Room) Reissue(ctx context.Context, host, screen bool) (Links, error) {
	if !host && !screen {
		return Links{}, session.ErrBadRequest
	}
	var l Links
	var hostHash, screenHash string
	if host {
		l.HostToken = newToken()
		hostHash = session.HashToken(l.HostToken)
	}
	if screen {
		l.ScreenToken = newToken()
		screenHash = session.HashToken(l.ScreenToken)
	}
	return call(ctx, r, func(reply func(Links, error)) {
		tx := r.begin()
		if err := r.end(tx, r.st.Reissue(tx, hostHash, screenHash)); err != nil {
			reply(Links{}, err)
			return
		}
		hash := r.st.Config.HostHash
		r.hostHash.Store(&hash)
		for c, s := range r.subs.conns {
			if s.session || !(host && s.role == session.RoleHost || screen && s.role == session.RoleScreen) {
				continue
			}
			r.sendTo(c, r.errorFrame("", session.ErrUnauthorized, s.lang))
			r.drop(c)
			c.Close(session.StatusPolicy, "link revoked")
		}
		r.log.Info("room links reissued", "host", host, "screen", screen)
		r.journal.afterDurable(func() { reply(l, nil) })
	})
}

// Audit returns the room's event log as stored, as session.Audit shows it.
// Events not yet stored are not listed: the audit log is what survives a
// crash.
func (r *Room) Audit(ctx context.Context) ([]session.AuditEntry, error) {
	evs, err := r.journal.store.Events(ctx, r.id, 0)
	if err != nil {
		return nil, fmt.Errorf("audit room %s: %w", r.id, err)
	}
	entries, err := session.Audit(evs)
	if err != nil {
		return nil, fmt.Errorf("audit room %s: %w", r.id, err)
	}
	return entries, nil
}

func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
