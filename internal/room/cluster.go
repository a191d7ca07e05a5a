package room

import (
	"context"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/huddle-live/huddle/internal/session"
	"github.com/huddle-live/huddle/internal/store"
)

// ClusterStore is what several processes on one Redis share besides the
// rooms' logs: leases with fencing tokens, join codes, and pub/sub.
// *store.Redis provides it.
type ClusterStore interface {
	Acquire(ctx context.Context, room, node string, ttl time.Duration) (store.Lease, bool, error)
	Renew(ctx context.Context, room string, l store.Lease, ttl time.Duration) (bool, error)
	Release(ctx context.Context, room string, l store.Lease) error
	Holder(ctx context.Context, room string) (store.Lease, bool, error)
	Exists(ctx context.Context, room string) (bool, error)
	Unheld(ctx context.Context) ([]string, error)
	ReserveCode(ctx context.Context, code, room string) (bool, error)
	CodeRoom(ctx context.Context, code string) (string, error)
	FreeCode(ctx context.Context, code, room string) error
	Fenced(room string, l store.Lease) store.Store
	Publish(ctx context.Context, channel string, msg []byte) (int64, error)
	Listen(ctx context.Context, channels ...string) (*store.Bus, error)
}

// ClusterConfig makes a hub one of several processes on one Redis.
type ClusterConfig struct {
	Store ClusterStore
	// Node names this process among the others; "" draws a random one.
	Node string
	// Lease is how long a room's owner holds it without renewing: a
	// process that dies loses its rooms after this. 0 means DefaultLease.
	Lease time.Duration
}

const (
	// DefaultLease lets a room be taken over within 5 s of its owner's
	// death: the lease runs out within 2.5 s, a peer notices within
	// DefaultLease/6 and loads the room, and its sockets, some reconnecting
	// through the balancer, are attached to it (measured up to 3.0 s from
	// SIGKILL to a page's new view at 60 phones).
	DefaultLease = 2500 * time.Millisecond
	opTimeout    = 5 * time.Second // a request to another process, or to Redis for one
	ownersChan   = "owners"        // where a new owner, or one leaving, says so
)

// cluster is a hub's part in a cluster: its leases, its bus and the
// Refs of the rooms this process serves.
type cluster struct {
	h     *Hub
	cs    ClusterStore
	node  string
	lease time.Duration
	bus   *store.Bus
	pub   chan outMsg // to the publisher
	wg    sync.WaitGroup

	mu       sync.Mutex
	refs     map[string]*Ref
	remote   map[uint64]*remoteConn // this process's sockets on rooms run elsewhere
	nextConn uint64
	pending  map[uint64]chan reply
	nextReq  uint64
	// loading holds what arrives for a room between this process taking
	// its lease and the room running here: a peer that sees the new lease
	// attaches its sockets at once, and those attaches must not be lost.
	loading map[string][]roomOp
}

type outMsg struct {
	channel string
	payload []byte
	room    *Room  // the sender, told when the channel has no listener
	node    string // the node the channel is for
	ref     *Ref   // the sender of a socket's op, told when the publish failed
}

func newCluster(h *Hub, cfg ClusterConfig) (*cluster, error) {
	if cfg.Node == "" {
		cfg.Node = newToken()[:12]
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	bus, err := cfg.Store.Listen(context.Background(), "node:"+cfg.Node, ownersChan)
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	cl := &cluster{h: h, cs: cfg.Store, node: cfg.Node, lease: cfg.Lease, bus: bus, pub: make(chan outMsg, 4096),
		refs: map[string]*Ref{}, remote: map[uint64]*remoteConn{}, pending: map[uint64]chan reply{},
		loading: map[string][]roomOp{}}
	return cl, nil
}

// start runs the cluster's goroutines until the hub's context ends.
func (cl *cluster) start() {
	cl.wg.Add(3)
	go cl.listen()
	go cl.publisher()
	go cl.watch()
}

// stop ends the goroutines; the rooms have stopped.
func (cl *cluster) stop() {
	cl.bus.Close()
	cl.wg.Wait()
	cl.mu.Lock()
	conns := make([]*remoteConn, 0, len(cl.remote))
	for _, rc := range cl.remote {
		conns = append(conns, rc)
	}
	cl.mu.Unlock()
	for _, rc := range conns {
		rc.c.Close(session.StatusRestart, "server restarting")
	}
}

// publisher sends what rooms and Refs publish, in order, off their goroutines.
func (cl *cluster) publisher() {
	defer cl.wg.Done()
	for {
		select {
		case m := <-cl.pub:
			ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
			n, err := cl.cs.Publish(ctx, m.channel, m.payload)
			cancel()
			if err != nil {
				cl.h.deps.log.Warn("cluster publish", "channel", m.channel, "err", err)
				if m.ref != nil {
					// A command may be lost: attach the sockets again once
					// Redis answers, so that their pages send their outboxes.
					m.ref.reattach()
				}
				continue
			}
			if n == 0 && m.room != nil {
				// The process the frames were for is gone: its sockets too.
				r, node := m.room, m.node
				_ = r.post(func() { r.relay.dropNode(r, node) })
			}
			if n == 0 && m.ref != nil {
				// The owner did not listen (it is gone, or listening again
				// after a lost connection): attach again when there is one.
				m.ref.reattach()
			}
		case <-cl.h.ctx.Done():
			return
		}
	}
}

func (cl *cluster) send(m outMsg) {
	select {
	case cl.pub <- m:
	default:
		cl.h.deps.log.Error("cluster publish queue full: message dropped", "channel", m.channel)
	}
}

// listen takes what other processes send: commands for the rooms this
// process runs, frames for its sockets on rooms run elsewhere, replies to
// its requests, and news of owners.
func (cl *cluster) listen() {
	defer cl.wg.Done()
	for m := range cl.bus.Messages() {
		switch {
		case m.Resubscribed:
			// Frames and acks sent to this process meanwhile are lost:
			// its sockets are attached again and get whole views, and
			// their pages send what was not acknowledged.
			cl.h.deps.log.Info("cluster: listening again after a lost connection to Redis")
			cl.mu.Lock()
			refs := make([]*Ref, 0, len(cl.refs))
			for _, ref := range cl.refs {
				refs = append(refs, ref)
			}
			cl.mu.Unlock()
			for _, ref := range refs {
				ref.reattach()
			}
		case m.Channel == ownersChan:
			cl.ownerNews(string(m.Payload))
		case strings.HasPrefix(m.Channel, "room:"):
			cl.roomOp(strings.TrimPrefix(m.Channel, "room:"), m.Payload)
		case len(m.Payload) > 0 && m.Payload[0] == 'B':
			cl.deliver(m.Payload)
		case len(m.Payload) > 0 && m.Payload[0] == 'R':
			var rp reply
			if json.Unmarshal(m.Payload[1:], &rp) == nil {
				cl.mu.Lock()
				ch := cl.pending[rp.Req]
				if !rp.NotHere {
					delete(cl.pending, rp.Req)
				}
				cl.mu.Unlock()
				if ch != nil {
					select {
					case ch <- rp:
					default: // more refusals than the asker counts
					}
				}
			}
		}
	}
}

// watch renews this process's leases, steps down from a room whose lease
// is lost, and takes over a room whose owner is gone while this process
// serves sockets on it.
func (cl *cluster) watch() {
	defer cl.wg.Done()
	t := time.NewTicker(cl.lease / 6)
	defer t.Stop()
	nextScan := time.Now().Add(cl.scanEvery())
	for {
		select {
		case <-t.C:
		case <-cl.h.ctx.Done():
			return
		}
		if time.Now().After(nextScan) {
			cl.scan()
			nextScan = time.Now().Add(cl.scanEvery())
		}
		for _, r := range cl.h.live() {
			ctx, cancel := context.WithTimeout(cl.h.ctx, cl.lease/3)
			ok, err := cl.cs.Renew(ctx, r.id, r.lease, cl.lease)
			cancel()
			switch {
			case err == nil && ok:
				r.renewed.Store(time.Now().UnixNano())
			case err == nil:
				r.log.Warn("room lease lost: stepping down")
				cl.stepDown(r)
			}
		}
		cl.mu.Lock()
		refs := make([]*Ref, 0, len(cl.refs))
		for _, ref := range cl.refs {
			refs = append(refs, ref)
		}
		cl.mu.Unlock()
		for _, ref := range refs {
			if cl.h.ctx.Err() != nil {
				return
			}
			ref.check(cl.h.ctx, false)
		}
	}
}

// scanEvery is the time between two looks for rooms nobody holds: a lease,
// and up to half a lease more at random so that the processes do not all
// look at once.
func (cl *cluster) scanEvery() time.Duration {
	return cl.lease + mrand.N(cl.lease/2)
}

// scan takes over the rooms nobody holds: their owner died, or lost its
// lease, while no process had a socket or a request on them, so nobody
// else would. Their timers run again here.
func (cl *cluster) scan() {
	ctx, cancel := context.WithTimeout(cl.h.ctx, opTimeout)
	defer cancel()
	ids, err := cl.cs.Unheld(ctx)
	if err != nil {
		cl.h.deps.log.Warn("cluster: look for rooms nobody holds", "err", err)
		return
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			return
		}
		if cl.h.Room(id) != nil {
			continue // stepping down, or just created
		}
		r, err := cl.takeOver(ctx, id)
		if err != nil {
			cl.h.deps.log.Warn("take over room", "room", id, "err", err)
		}
		if r == nil {
			continue // another process was quicker
		}
		cl.mu.Lock()
		ref := cl.refs[id]
		if ref == nil {
			ref = &Ref{id: id, cl: cl, conns: map[Conn]*remoteConn{}}
			cl.refs[id] = ref
		}
		cl.mu.Unlock()
		ref.becomeLocal(r)
	}
}

// ref returns the room's Ref, made on first use: nil when no process runs
// the room and the store does not hold it, and an error when the store
// cannot say. A room nobody runs is taken over here.
func (cl *cluster) ref(id string) (*Ref, error) {
	cl.mu.Lock()
	ref := cl.refs[id]
	cl.mu.Unlock()
	if ref != nil {
		if ref.local() == nil && !ref.known() {
			ref.check(cl.h.ctx, true)
		}
		return ref, nil
	}
	ctx, cancel := context.WithTimeout(cl.h.ctx, opTimeout)
	defer cancel()
	if ok, err := cl.cs.Exists(ctx, id); err != nil || !ok {
		return nil, err
	}
	ref = &Ref{id: id, cl: cl, conns: map[Conn]*remoteConn{}}
	cl.mu.Lock()
	if old := cl.refs[id]; old != nil {
		ref = old
	} else {
		cl.refs[id] = ref
	}
	cl.mu.Unlock()
	ref.check(ctx, true)
	if ref.local() == nil && !ref.known() {
		return nil, nil
	}
	return ref, nil
}

// takeOver makes this process the room's owner if nobody is: it listens
// for the room's commands, takes the lease, loads the room from its
// snapshot and log, and says so to the others. nil when another process
// holds the lease.
func (cl *cluster) takeOver(ctx context.Context, id string) (*Room, error) {
	if !cl.hold(id) {
		return nil, nil // another goroutine of this process is taking it
	}
	if err := cl.bus.Subscribe(ctx, "room:"+id); err != nil {
		cl.unhold(id, nil)
		return nil, err
	}
	l, ok, err := cl.cs.Acquire(ctx, id, cl.node, cl.lease)
	if err != nil || !ok {
		cl.unhold(id, nil)
		_ = cl.bus.Unsubscribe(context.WithoutCancel(ctx), "room:"+id)
		return nil, err
	}
	r, err := cl.run(ctx, id, l)
	cl.unhold(id, r)
	if err != nil {
		_ = cl.cs.Release(context.WithoutCancel(ctx), id, l)
		_ = cl.bus.Unsubscribe(context.WithoutCancel(ctx), "room:"+id)
		return nil, err
	}
	return r, nil
}

// hold starts keeping what arrives for room id until unhold: false when
// it is kept already.
func (cl *cluster) hold(id string) bool {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if _, ok := cl.loading[id]; ok {
		return false
	}
	cl.loading[id] = []roomOp{}
	return true
}

// unhold hands what was kept for room id to r, now running here, in the
// order it came (nil: the room is not run here, the ops are dropped and
// their senders find the owner again).
func (cl *cluster) unhold(id string, r *Room) {
	cl.mu.Lock()
	defer cl.mu.Unlock() // held while posting: an op arriving meanwhile waits, and keeps its order
	ops := cl.loading[id]
	delete(cl.loading, id)
	if r == nil {
		for _, op := range ops {
			cl.notHere(op)
		}
		return
	}
	for _, op := range ops {
		cl.dispatch(r, op)
	}
}

func (cl *cluster) run(ctx context.Context, id string, l store.Lease) (*Room, error) {
	h := cl.h
	began := time.Now()
	fenced := cl.cs.Fenced(id, l)
	ld, err := load(ctx, fenced, id, h.deps.log)
	if err != nil {
		return nil, fmt.Errorf("take over room %s: %w", id, err)
	}
	if _, err := cl.cs.ReserveCode(ctx, ld.st.Config.Code, id); err != nil {
		return nil, fmt.Errorf("take over room %s: %w", id, err)
	}
	deps := h.deps
	deps.store = fenced
	r := newRoom(ld.st, ld.seq, deps)
	r.resume(ld)
	cl.adopt(r, l)
	h.mu.Lock()
	if h.down {
		h.mu.Unlock()
		return nil, session.ErrShutdown
	}
	if old := h.rooms[id]; old != nil {
		h.mu.Unlock()
		return nil, fmt.Errorf("take over room %s: already running here", id)
	}
	h.startLocked(r)
	h.mu.Unlock()
	h.deps.log.Info("room taken over", "room", id, "code", r.code, "token", l.Token, "seq", ld.seq,
		"snapshot_seq", ld.snapSeq, "took", time.Since(began).Round(time.Millisecond))
	cl.send(outMsg{channel: ownersChan, payload: fmt.Appendf(nil, "%s %s %d", id, cl.node, l.Token)})
	return r, nil
}

// adopt readies a room this process owns under lease l for the cluster:
// fenced writes, relayed sockets.
func (cl *cluster) adopt(r *Room, l store.Lease) {
	r.lease = l
	r.renewed.Store(time.Now().UnixNano())
	r.relay = &relayOut{cl: cl, room: r.id, token: l.Token, conns: map[relayKey]*relayConn{}, batches: map[string]*batch{}}
	r.journal.lost = func() { cl.stepDown(r) }
}

// lapsed reports whether the room's lease may have run out: the process
// was paused or cut from Redis. Such a room answers nothing until it has
// renewed the lease or stepped down, so that a former owner never answers
// from a stale state.
func (cl *cluster) lapsed(r *Room) bool {
	return time.Since(time.Unix(0, r.renewed.Load())) >= cl.lease
}

// stepDown stops a room whose lease has passed to another process: its
// writes are refused already. Its sockets are kept and reach the room
// through the new owner.
func (cl *cluster) stepDown(r *Room) {
	h := cl.h
	h.mu.Lock()
	if h.rooms[r.id] != r {
		h.mu.Unlock()
		return
	}
	delete(h.rooms, r.id)
	delete(h.codes, r.code)
	h.mu.Unlock()
	r.keepConns.Store(true)
	r.cancel()
	go func() {
		<-r.done
		_ = cl.bus.Unsubscribe(context.Background(), "room:"+r.id)
		r.log.Warn("room stepped down: another process owns it now", "token", r.lease.Token)
		cl.mu.Lock()
		ref := cl.refs[r.id]
		cl.mu.Unlock()
		if ref != nil {
			ref.lostLocal(r)
		}
	}()
}

// released runs when a room this process owned has stopped: the lease is
// given up and the others told, so that one of them takes the room at once.
func (cl *cluster) released(r *Room) {
	if r.keepConns.Load() || r.gone.Load() {
		return // stepped down: the lease is another's; or deleted: forget frees it
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := cl.cs.Release(ctx, r.id, r.lease); err != nil {
		r.log.Warn("release room lease", "err", err)
		return
	}
	_ = cl.bus.Unsubscribe(ctx, "room:"+r.id)
	_, _ = cl.cs.Publish(ctx, ownersChan, fmt.Appendf(nil, "%s - 0", r.id))
}

// ownerNews is "<room> <node> <token>" from the owners channel: a room has
// a new owner (token 0: its owner left it).
func (cl *cluster) ownerNews(msg string) {
	f := strings.Fields(msg)
	if len(f) != 3 {
		return
	}
	if f[2] == goneToken {
		if f[1] != cl.node {
			cl.gone(f[0])
		}
		return
	}
	token, err := strconv.ParseUint(f[2], 10, 64)
	if err != nil {
		return
	}
	if r := cl.h.Room(f[0]); r != nil && token > r.lease.Token {
		r.log.Warn("another process took the room: stepping down", "node", f[1], "token", token)
		cl.stepDown(r)
	}
	cl.mu.Lock()
	ref := cl.refs[f[0]]
	cl.mu.Unlock()
	if ref == nil || f[1] == cl.node {
		return
	}
	go ref.check(cl.h.ctx, false)
}

// request sends op to the room's owner and waits for its reply.
func (cl *cluster) request(ctx context.Context, room string, op roomOp) (json.RawMessage, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	ch := make(chan reply, 8)
	cl.mu.Lock()
	cl.nextReq++
	op.Req, op.Node = cl.nextReq, cl.node
	cl.pending[op.Req] = ch
	cl.mu.Unlock()
	defer func() {
		cl.mu.Lock()
		delete(cl.pending, op.Req)
		cl.mu.Unlock()
	}()
	b, _ := json.Marshal(op)
	n, err := cl.cs.Publish(ctx, "room:"+room, b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", session.ErrStopped, err)
	}
	if n == 0 {
		return nil, session.ErrStopped // no owner listens: try again
	}
	// Every process listening on the room's channel gets the request: the
	// owner answers it, and one that does not run the room (it is loading
	// it, or tried to take it and found it held) says so at once. When all
	// n said so, nobody will answer: the caller finds the owner again now
	// rather than after the timeout.
	for refused := int64(0); ; {
		select {
		case rp := <-ch:
			if rp.NotHere {
				if refused++; refused >= n {
					return nil, session.ErrStopped
				}
				continue
			}
			if rp.Code != "" {
				return nil, codeError{rp.Code}
			}
			return rp.Data, nil
		case <-ctx.Done():
			return nil, session.ErrStopped
		}
	}
}

// notHere tells the sender of a request that this process, which heard
// it on the room's channel, does not run the room and will not answer.
func (cl *cluster) notHere(op roomOp) {
	if op.Req == 0 {
		return // attach, detach, command: the sender attaches again to the next owner
	}
	b, _ := json.Marshal(reply{Req: op.Req, NotHere: true})
	cl.send(outMsg{channel: "node:" + op.Node, payload: append([]byte{'R'}, b...)})
}

// codeError is an error another process answered with: it matches the
// errors of its code, so it maps to the same code, status and sentence.
type codeError struct{ code session.Code }

func (e codeError) Error() string { return "room: " + string(e.code) }

func (e codeError) Is(target error) bool { return session.ErrorCode(target) == e.code }

// roomOp is a message to a room's owner on the room's channel.
type roomOp struct {
	Op   string `json:"op"` // attach, detach, command; join, reissue, host (requests)
	Node string `json:"node"`
	Conn uint64 `json:"conn,omitempty"`
	Req  uint64 `json:"req,omitempty"`

	Hash  string          `json:"hash,omitempty"` // a socket's token travels as its hash
	Lang  string          `json:"lang,omitempty"`
	Host  bool            `json:"host,omitempty"`  // attach as a signed-in facilitator
	Watch bool            `json:"watch,omitempty"` // attach as a watcher
	ID    string          `json:"id,omitempty"`
	Type  string          `json:"type,omitempty"`
	Data  json.RawMessage `json:"data,omitempty"`

	Join   *JoinRequest `json:"join,omitempty"`
	Screen bool         `json:"screen,omitempty"` // reissue the screen link
}

type reply struct {
	Req     uint64          `json:"req"`
	Code    session.Code    `json:"code,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
	NotHere bool            `json:"not_here,omitempty"` // the room does not run on the replying process
}

// roomOp runs a message for a room this process owns.
func (cl *cluster) roomOp(id string, payload []byte) {
	var op roomOp
	if json.Unmarshal(payload, &op) != nil || op.Node == "" {
		return
	}
	cl.mu.Lock()
	if ops, ok := cl.loading[id]; ok {
		cl.loading[id] = append(ops, op)
		cl.mu.Unlock()
		return
	}
	cl.mu.Unlock()
	r := cl.h.Room(id)
	if r == nil {
		cl.notHere(op) // not ours (any more): the sender finds the owner again
		return
	}
	cl.dispatch(r, op)
}

// dispatch hands an op to room r, which this process runs.
func (cl *cluster) dispatch(r *Room, op roomOp) {
	switch op.Op {
	case "attach", "detach", "command":
		if op.Op == "command" && cl.lapsed(r) {
			return
		}
		op := op
		_ = r.post(func() { r.relay.run(r, op) })
	case "join", "reissue", "host":
		go cl.answer(r, op)
	}
}

// answer runs a request from another process and replies to it.
func (cl *cluster) answer(r *Room, op roomOp) {
	ctx, cancel := context.WithTimeout(cl.h.ctx, opTimeout)
	defer cancel()
	var v any
	var err error
	switch op.Op {
	case "join":
		if op.Join == nil {
			err = session.ErrBadRequest
			break
		}
		v, err = r.JoinAs(ctx, *op.Join)
	case "reissue":
		v, err = r.Reissue(ctx, op.Host, op.Screen)
	case "host":
		v = op.Hash != "" && op.Hash == *r.hostHash.Load()
	}
	rp := reply{Req: op.Req}
	if err != nil {
		rp.Code = session.ErrorCode(err)
	} else {
		rp.Data, _ = json.Marshal(v)
	}
	b, _ := json.Marshal(rp)
	cl.send(outMsg{channel: "node:" + op.Node, payload: append([]byte{'R'}, b...)})
}

// NewClusterHub returns an empty hub that shares its rooms with the other
// processes on the same Redis: each room runs in one process at a time,
// under a lease, and any process serves any of its sockets and requests.
func NewClusterHub(cfg HubConfig, cc ClusterConfig) (*Hub, error) {
	h := NewHub(cfg)
	cl, err := newCluster(h, cc)
	if err != nil {
		_ = h.Shutdown(context.Background())
		return nil, err
	}
	h.cl = cl
	cl.start()
	return h, nil
}

// Node returns the name of this process among the cluster's, or "" on one
// process.
func (h *Hub) Node() string {
	if h.cl == nil {
		return ""
	}
	return h.cl.node
}

// prepare reserves a join code for a new room among the candidates and takes
// the room's lease: it returns the code alone as the candidates left.
func (cl *cluster) prepare(ctx context.Context, id string, candidates []string) ([]string, store.Lease, error) {
	code := ""
	for _, c := range candidates {
		ok, err := cl.cs.ReserveCode(ctx, c, id)
		if err != nil {
			return nil, store.Lease{}, err
		}
		if ok {
			code = c
			break
		}
	}
	if code == "" {
		return nil, store.Lease{}, session.ErrTooManyRooms
	}
	cl.hold(id) // a new id: nobody else holds it
	if err := cl.bus.Subscribe(ctx, "room:"+id); err != nil {
		cl.unhold(id, nil)
		return nil, store.Lease{}, err
	}
	l, ok, err := cl.cs.Acquire(ctx, id, cl.node, cl.lease)
	if err == nil && !ok {
		err = fmt.Errorf("create room %s: its lease is taken", id)
	}
	if err != nil {
		cl.unhold(id, nil)
		return nil, store.Lease{}, err
	}
	cl.mu.Lock()
	cl.refs[id] = &Ref{id: id, cl: cl, conns: map[Conn]*remoteConn{}}
	cl.mu.Unlock()
	return []string{code}, l, nil
}

// created ties a room this process has just created to its Ref (nil: the
// creation failed after prepare).
func (cl *cluster) created(id string, r *Room) {
	cl.unhold(id, r)
	if r == nil {
		return
	}
	cl.mu.Lock()
	ref := cl.refs[r.id]
	cl.mu.Unlock()
	if ref != nil {
		ref.mu.Lock()
		ref.room = r
		ref.mu.Unlock()
	}
}

// abandon gives up a room whose creation failed after prepare.
func (cl *cluster) abandon(ctx context.Context, id, code string, l store.Lease) {
	ctx = context.WithoutCancel(ctx)
	cl.mu.Lock()
	delete(cl.refs, id)
	cl.mu.Unlock()
	_ = cl.cs.Release(ctx, id, l)
	_ = cl.bus.Unsubscribe(ctx, "room:"+id)
	if err := cl.cs.FreeCode(ctx, code, id); err != nil {
		cl.h.deps.log.Warn("free join code", "room", id, "err", err)
	}
}

// restore takes every stored room nobody runs. Rooms other processes run
// stay theirs.
func (cl *cluster) restore(ctx context.Context, ids []string) (int, error) {
	n := 0
	for _, id := range ids {
		ref := &Ref{id: id, cl: cl, conns: map[Conn]*remoteConn{}}
		cl.mu.Lock()
		if cl.refs[id] == nil {
			cl.refs[id] = ref
		}
		ref = cl.refs[id]
		cl.mu.Unlock()
		if ref.local() != nil {
			continue
		}
		r, err := cl.takeOver(ctx, id)
		if err != nil {
			cl.h.deps.log.Error("restore room", "room", id, "err", err)
			continue
		}
		if r != nil {
			ref.becomeLocal(r)
			n++
		}
	}
	return n, nil
}

// forget frees a deleted room's join code and lease keys, and tells the
// other processes, whose sockets on the room are closed as room_gone.
func (h *Hub) forget(ctx context.Context, r *Room) {
	if h.cl == nil {
		return
	}
	if err := h.cl.cs.FreeCode(ctx, r.code, r.id); err != nil {
		h.deps.log.Error("free join code", "room", r.id, "err", err)
	}
	_ = h.cl.bus.Unsubscribe(ctx, "room:"+r.id)
	h.cl.gone(r.id)
	if _, err := h.cl.cs.Publish(ctx, ownersChan, fmt.Appendf(nil, "%s %s %s", r.id, h.cl.node, goneToken)); err != nil {
		h.deps.log.Warn("tell the other processes of a room gone", "room", r.id, "err", err)
	}
}

// goneToken stands for the token on the owners channel when a room is deleted.
const goneToken = "gone"

// gone closes this process's sockets on a deleted room as a room that
// expired: the page stops reconnecting and says so.
func (cl *cluster) gone(id string) {
	cl.mu.Lock()
	ref := cl.refs[id]
	delete(cl.refs, id)
	cl.mu.Unlock()
	if ref == nil {
		return
	}
	ref.mu.Lock()
	conns := make([]*remoteConn, 0, len(ref.conns))
	for _, rc := range ref.conns {
		conns = append(conns, rc)
	}
	clear(ref.conns)
	ref.room, ref.owner, ref.attached = nil, store.Lease{}, 0
	ref.mu.Unlock()
	cl.mu.Lock()
	for _, rc := range conns {
		delete(cl.remote, rc.id)
	}
	cl.mu.Unlock()
	info := session.CodeRoomGone.Info()
	for _, rc := range conns {
		b, _ := json.Marshal(map[string]string{"type": "error", "code": string(session.CodeRoomGone), "message": session.CodeRoomGone.Message(rc.lang)})
		rc.c.Send(b)
		rc.c.Close(info.Close, "room gone")
	}
}
