package room

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/huddle-live/huddle/internal/session"
	"github.com/huddle-live/huddle/internal/store"
)

// Ref is a room as one process of a cluster serves it: the Room itself
// while this process owns the room, else a stand-in that relays its
// sockets' commands to the owner and hands them the owner's frames. It
// keeps the process's sockets on the room across changes of owner: when
// the owner dies or steps down they are attached again to the next one,
// here or elsewhere, and get its full view.
type Ref struct {
	id string
	cl *cluster

	checking sync.Mutex // one check at a time: a lost take-over must not unsubscribe a won one
	mu       sync.Mutex
	room     *Room       // while this process runs the room
	owner    store.Lease // the owner's lease, while another process runs it
	attached uint64      // the owner's token this process's sockets were last attached to
	conns    map[Conn]*remoteConn
	info     *session.Info // the room's description, loaded once when another process runs it
}

// remoteConn is one of this process's sockets on a room, as a Ref keeps it
// to attach it again to each new owner.
type remoteConn struct {
	id   uint64
	c    Conn
	hash string // the token's hash
	lang string
	host bool // a signed-in facilitator's
	// watch: a watcher's, with no token (watchers.go)
	watch bool
	ref   *Ref
}

func (ref *Ref) local() *Room {
	ref.mu.Lock()
	defer ref.mu.Unlock()
	return ref.room
}

func (ref *Ref) known() bool {
	ref.mu.Lock()
	defer ref.mu.Unlock()
	return ref.room != nil || ref.owner.Token != 0
}

// check finds the room's owner: a room nobody runs is taken over here when
// something asks for it (demand) or this process has sockets on it, and
// when the owner has changed this process's sockets are attached to the
// new one.
func (ref *Ref) check(ctx context.Context, demand bool) {
	ref.checking.Lock()
	defer ref.checking.Unlock()
	if ref.local() != nil {
		return
	}
	cl := ref.cl
	l, ok, err := cl.cs.Holder(ctx, ref.id)
	if err != nil {
		return
	}
	if !ok || l.Node == cl.node {
		ref.mu.Lock()
		idle := len(ref.conns) == 0
		ref.mu.Unlock()
		if idle && !demand {
			return
		}
		// Nobody runs the room (or a lease of this process's name outlived
		// it): take it.
		r, err := cl.takeOver(ctx, ref.id)
		if err != nil {
			cl.h.deps.log.Warn("take over room", "room", ref.id, "err", err)
		}
		if r != nil {
			ref.becomeLocal(r)
			return
		}
		if l, ok, err = cl.cs.Holder(ctx, ref.id); err != nil || !ok || l.Node == cl.node {
			return // or another goroutine here is loading it, and attaches the sockets
		}
	}
	ref.mu.Lock()
	defer ref.mu.Unlock()
	if ref.room != nil {
		return
	}
	ref.owner = l
	if ref.attached == l.Token {
		return
	}
	ref.attached = l.Token
	for _, rc := range ref.conns {
		ref.publish(roomOp{Op: "attach", Conn: rc.id, Hash: rc.hash, Lang: rc.lang, Host: rc.host, Watch: rc.watch})
	}
}

// becomeLocal: this process now runs the room; its sockets attach to it.
func (ref *Ref) becomeLocal(r *Room) {
	ref.mu.Lock()
	defer ref.mu.Unlock()
	ref.room, ref.owner, ref.attached = r, store.Lease{}, 0
	for _, rc := range ref.conns {
		rc := rc
		if r.post(func() { r.attachHashed(rc.c, rc.hash, rc.lang, rc.host, rc.watch) }) != nil {
			rc.c.Close(session.StatusRestart, "room stopped")
		}
	}
}

// lostLocal: the room r stepped down; its sockets go to the new owner.
func (ref *Ref) lostLocal(r *Room) {
	ref.mu.Lock()
	if ref.room != r {
		ref.mu.Unlock()
		return
	}
	ref.room, ref.owner, ref.attached = nil, store.Lease{}, 0
	ref.mu.Unlock()
	ref.check(ref.cl.h.ctx, false)
}

// publish sends op to the owner; the caller holds mu.
func (ref *Ref) publish(op roomOp) {
	op.Node = ref.cl.node
	b, _ := json.Marshal(op)
	ref.cl.send(outMsg{channel: "room:" + ref.id, payload: b, ref: ref})
}

// reattach makes the next check attach this process's sockets to the
// owner again, as to a new one: each gets welcome and its whole view.
func (ref *Ref) reattach() {
	ref.mu.Lock()
	ref.attached = 0
	ref.mu.Unlock()
}

// ID returns the room's id.
func (ref *Ref) ID() string { return ref.id }

// Code returns the room's join code.
func (ref *Ref) Code() string { return ref.Info().Code }

// Info returns the room's public description.
func (ref *Ref) Info() session.Info {
	if r := ref.local(); r != nil {
		return r.Info()
	}
	ref.mu.Lock()
	info := ref.info
	ref.mu.Unlock()
	if info == nil {
		ctx, cancel := context.WithTimeout(ref.cl.h.ctx, opTimeout)
		defer cancel()
		ld, err := load(ctx, ref.cl.h.deps.store, ref.id, ref.cl.h.deps.log)
		if err != nil {
			ref.cl.h.deps.log.Error("room info", "room", ref.id, "err", err)
			return session.Info{ID: ref.id}
		}
		i := ld.st.Info() // fixed when the room is created
		info = &i
		ref.mu.Lock()
		ref.info = info
		ref.mu.Unlock()
	}
	out := *info
	out.Teams = append([]session.Team(nil), info.Teams...)
	return out
}

// IsHost reports whether token is the room's host token; another process
// running the room is asked, so a reissued link is refused at once.
func (ref *Ref) IsHost(token string) bool {
	if r := ref.local(); r != nil {
		return r.IsHost(token)
	}
	if token == "" {
		return false
	}
	var ok bool
	err := ref.ask(context.Background(), roomOp{Op: "host", Hash: session.HashToken(token)}, &ok,
		func(r *Room) error { ok = r.IsHost(token); return nil })
	return err == nil && ok
}

// ask sends a request to the owner, or runs it here when this process runs
// the room or takes it over meanwhile.
// While the room has no owner (its owner died and its lease has not run
// out yet), it asks again at every check until opTimeout has passed.
func (ref *Ref) ask(ctx context.Context, op roomOp, out any, here func(*Room) error) error {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	for attempt := 0; ; attempt++ {
		if r := ref.local(); r != nil {
			return here(r)
		}
		data, err := ref.cl.request(ctx, ref.id, op)
		if err == nil {
			return json.Unmarshal(data, out)
		}
		if !errors.Is(err, session.ErrStopped) {
			return err
		}
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return err
			case <-time.After(ref.cl.lease / 6):
			}
		}
		ref.check(ctx, true) // the owner may be gone: find the next, or become it
	}
}

// JoinAs adds a player, on whichever process runs the room.
func (ref *Ref) JoinAs(ctx context.Context, req JoinRequest) (Joined, error) {
	if _, _, err := session.CheckJoin(req.Name, req.Sector, req.Device); err != nil {
		return Joined{}, err
	}
	var j Joined
	err := ref.ask(ctx, roomOp{Op: "join", Join: &req}, &j, func(r *Room) (err error) { j, err = r.JoinAs(ctx, req); return err })
	return j, err
}

// Reissue gives the room new links, on whichever process runs it.
func (ref *Ref) Reissue(ctx context.Context, host, screen bool) (Links, error) {
	var l Links
	err := ref.ask(ctx, roomOp{Op: "reissue", Host: host, Screen: screen}, &l,
		func(r *Room) (err error) { l, err = r.Reissue(ctx, host, screen); return err })
	return l, err
}

// Attach connects c with its hello's token to the room, wherever it runs.
func (ref *Ref) Attach(c Conn, token, lang string) {
	hash := ""
	if token != "" {
		hash = session.HashToken(token)
	}
	ref.attach(&remoteConn{c: c, hash: hash, lang: lang, ref: ref})
}

// AttachWatcher connects c as a watcher, wherever the room runs.
func (ref *Ref) AttachWatcher(c Conn, lang string) {
	ref.attach(&remoteConn{c: c, lang: lang, watch: true, ref: ref})
}

// AttachHost connects c as a signed-in facilitator's remote.
func (ref *Ref) AttachHost(c Conn, lang string) {
	ref.attach(&remoteConn{c: c, lang: lang, host: true, ref: ref})
}

func (ref *Ref) attach(rc *remoteConn) {
	cl := ref.cl
	cl.mu.Lock()
	cl.nextConn++
	rc.id = cl.nextConn
	cl.remote[rc.id] = rc
	cl.mu.Unlock()
	ref.mu.Lock()
	defer ref.mu.Unlock()
	ref.conns[rc.c] = rc
	switch {
	case ref.room != nil:
		r := ref.room
		if r.post(func() { r.attachHashed(rc.c, rc.hash, rc.lang, rc.host, rc.watch) }) != nil {
			rc.c.Close(session.StatusRestart, "room stopped")
		}
	case ref.attached != 0:
		ref.publish(roomOp{Op: "attach", Conn: rc.id, Hash: rc.hash, Lang: rc.lang, Host: rc.host, Watch: rc.watch})
	}
	// Else no process runs the room this moment: the socket is attached to
	// the next owner as soon as there is one.
}

// Detach forgets c; the connection has closed.
func (ref *Ref) Detach(c Conn) {
	ref.mu.Lock()
	rc := ref.conns[c]
	delete(ref.conns, c)
	r, attached := ref.room, ref.attached
	if rc != nil && r == nil && attached != 0 {
		ref.publish(roomOp{Op: "detach", Conn: rc.id})
	}
	ref.mu.Unlock()
	if rc != nil {
		ref.cl.mu.Lock()
		delete(ref.cl.remote, rc.id)
		ref.cl.mu.Unlock()
	}
	if r != nil {
		r.Detach(c)
	}
}

// Command runs a client command that arrived on c, wherever the room runs.
// While no process runs it the command is dropped: the page sends it again
// after the next owner's welcome.
func (ref *Ref) Command(c Conn, id, typ string, data json.RawMessage) {
	ref.mu.Lock()
	defer ref.mu.Unlock()
	if ref.room != nil {
		if !ref.cl.lapsed(ref.room) { // else dropped: sent again after the next welcome
			ref.room.Command(c, id, typ, data)
		}
		return
	}
	rc := ref.conns[c]
	if rc == nil || ref.attached == 0 {
		return
	}
	ref.publish(roomOp{Op: "command", Conn: rc.id, ID: id, Type: typ, Data: data})
}

// stored is the room's state as the store holds it: everything ever
// acknowledged, read on whichever process asks.
func (ref *Ref) stored(ctx context.Context) (*session.State, loaded, error) {
	ld, err := load(ctx, ref.cl.h.deps.store, ref.id, ref.cl.h.deps.log)
	if err != nil {
		return nil, loaded{}, fmt.Errorf("room %s from the store: %w", ref.id, err)
	}
	return ld.st, ld, nil
}

// Results returns the room's results: the owner's, or the stored state's.
func (ref *Ref) Results(ctx context.Context) (*session.Results, error) {
	if r := ref.local(); r != nil {
		return r.Results(ctx)
	}
	st, _, err := ref.stored(ctx)
	if err != nil {
		return nil, err
	}
	return st.Results(), nil
}

// BoardResults returns the room's board stages, as Results.
func (ref *Ref) BoardResults(ctx context.Context) (*session.BoardResults, error) {
	if r := ref.local(); r != nil {
		return r.BoardResults(ctx)
	}
	st, _, err := ref.stored(ctx)
	if err != nil {
		return nil, err
	}
	return st.BoardResults(), nil
}

// Summary returns the room's phase and size, as Results.
func (ref *Ref) Summary(ctx context.Context) (Summary, error) {
	if r := ref.local(); r != nil {
		return r.Summary(ctx)
	}
	st, ld, err := ref.stored(ctx)
	if err != nil {
		return Summary{}, err
	}
	return Summary{Phase: st.Phase(), Finished: st.Finished, Players: st.Active(), LastActive: ld.last.UTC()}, nil
}

// Audit returns the room's stored event log.
func (ref *Ref) Audit(ctx context.Context) ([]session.AuditEntry, error) {
	evs, err := ref.cl.h.deps.store.Events(ctx, ref.id, 0)
	if err != nil {
		return nil, fmt.Errorf("audit room %s: %w", ref.id, err)
	}
	entries, err := session.Audit(evs)
	if err != nil {
		return nil, fmt.Errorf("audit room %s: %w", ref.id, err)
	}
	return entries, nil
}
