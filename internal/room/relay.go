package room

import (
	"encoding/binary"
	"errors"
	"sync"
	"unsafe"

	"github.com/huddle-live/huddle/internal/session"
)

// relayOut is the owner's side of the sockets other processes hold on a
// room: each is a relayConn among the room's subscribers, and what the room
// sends them is gathered per process and published once per message the
// room handles: one Redis message per process, in which a broadcast's
// bytes appear once whatever the number of its recipients there.
type relayOut struct {
	cl    *cluster
	room  string
	token uint64
	conns map[relayKey]*relayConn // owned by the room's goroutine

	mu      sync.Mutex // Send may come from the room's encoding workers
	batches map[string]*batch
}

type relayKey struct {
	node string
	conn uint64
}

// relayConn is a socket of another process as the room sees it. Sending
// never fails here: a socket too slow for its process is closed there.
type relayConn struct {
	key relayKey
	out *relayOut
}

const (
	itemSend  = 1
	itemParts = 2
	itemClose = 3
)

type batch struct {
	blobs [][]byte
	index map[blobKey]int
	items []item
}

type blobKey struct {
	p *byte
	n int
}

type item struct {
	conn   uint64
	kind   byte
	blob   int
	own    []byte
	code   int
	reason string
}

func (c *relayConn) Send(frame []byte) bool {
	c.out.add(c.key, item{kind: itemSend}, frame)
	return true
}

func (c *relayConn) SendParts(shared, own []byte) bool {
	c.out.add(c.key, item{kind: itemParts, own: own}, shared)
	return true
}

func (c *relayConn) Close(code int, reason string) {
	c.out.add(c.key, item{kind: itemClose, code: code, reason: reason}, nil)
}

func (o *relayOut) add(k relayKey, it item, blob []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	b := o.batches[k.node]
	if b == nil {
		b = &batch{index: map[blobKey]int{}}
		o.batches[k.node] = b
	}
	if blob != nil {
		key := blobKey{unsafe.SliceData(blob), len(blob)}
		i, ok := b.index[key]
		if !ok {
			i = len(b.blobs)
			b.blobs = append(b.blobs, blob)
			b.index[key] = i
		}
		it.blob = i
	}
	it.conn = k.conn
	b.items = append(b.items, it)
}

// publish hands what the room sent other processes' sockets to the
// publisher, one message per process. It runs on the room's goroutine
// after each message.
func (o *relayOut) publish(r *Room) {
	o.mu.Lock()
	if len(o.batches) == 0 {
		o.mu.Unlock()
		return
	}
	batches := o.batches
	o.batches = map[string]*batch{}
	o.mu.Unlock()
	for node, b := range batches {
		o.cl.send(outMsg{channel: "node:" + node, payload: b.encode(o.cl.node, o.token), room: r, node: node})
	}
}

// run handles a relayed socket's attach, detach or command on the room's
// goroutine.
func (o *relayOut) run(r *Room, op roomOp) {
	k := relayKey{op.Node, op.Conn}
	c := o.conns[k]
	switch op.Op {
	case "attach":
		if c != nil {
			r.drop(c) // attached again: a fresh welcome and view
		}
		c = &relayConn{key: k, out: o}
		o.conns[k] = c
		r.attachHashed(c, op.Hash, op.Lang, op.Host, op.Watch)
	case "detach":
		if c != nil {
			r.drop(c)
			delete(o.conns, k)
		}
	case "command":
		if c != nil {
			r.command(c, op.ID, op.Type, op.Data)
		}
	}
}

// dropNode forgets every socket of a process that no longer listens.
func (o *relayOut) dropNode(r *Room, node string) {
	for k, c := range o.conns {
		if k.node == node {
			r.drop(c)
			delete(o.conns, k)
		}
	}
}

// attachHashed is attach with the token's hash, as another process sends
// it; host attaches a signed-in facilitator's remote, whom that process
// has checked.
func (r *Room) attachHashed(c Conn, hash, lang string, host, watch bool) {
	if watch {
		r.attachWatcher(c, lang)
		return
	}
	if host {
		r.attachSub(c, &sub{role: session.RoleHost, lang: lang, session: true})
		return
	}
	s := &sub{lang: lang}
	switch {
	case hash != "" && hash == r.st.Config.HostHash:
		s.role = session.RoleHost
	case hash != "" && hash == r.st.Config.ScreenHash:
		s.role = session.RoleScreen
	default:
		p := r.st.PlayerByToken(hash)
		if p == nil || hash == "" {
			r.sendTo(c, r.errorFrame("", session.ErrUnauthorized, lang))
			c.Close(session.StatusPolicy, "unauthorized")
			return
		}
		s.role, s.player = session.RolePlayer, p.ID
	}
	r.attachSub(c, s)
}

// encode is a batch as published: 'B', the sender's node and token, the
// shared blobs, then each item (conn, kind, and its blob, own part or close).
func (b *batch) encode(node string, token uint64) []byte {
	n := 32 + len(node)
	for _, bl := range b.blobs {
		n += len(bl) + 10
	}
	for _, it := range b.items {
		n += 24 + len(it.own) + len(it.reason)
	}
	out := make([]byte, 0, n)
	out = append(out, 'B')
	out = appendBytes(out, []byte(node))
	out = binary.AppendUvarint(out, token)
	out = binary.AppendUvarint(out, uint64(len(b.blobs)))
	for _, bl := range b.blobs {
		out = appendBytes(out, bl)
	}
	out = binary.AppendUvarint(out, uint64(len(b.items)))
	for _, it := range b.items {
		out = binary.AppendUvarint(out, it.conn)
		out = append(out, it.kind)
		switch it.kind {
		case itemSend:
			out = binary.AppendUvarint(out, uint64(it.blob))
		case itemParts:
			out = binary.AppendUvarint(out, uint64(it.blob))
			out = appendBytes(out, it.own)
		case itemClose:
			out = binary.AppendUvarint(out, uint64(it.code))
			out = appendBytes(out, []byte(it.reason))
		}
	}
	return out
}

func appendBytes(out, b []byte) []byte {
	return append(binary.AppendUvarint(out, uint64(len(b))), b...)
}

var errBatch = errors.New("room: malformed relay batch")

type reader struct {
	b   []byte
	err error
}

func (rd *reader) uvarint() uint64 {
	v, n := binary.Uvarint(rd.b)
	if n <= 0 {
		rd.err, rd.b = errBatch, nil
		return 0
	}
	rd.b = rd.b[n:]
	return v
}

func (rd *reader) bytes() []byte {
	n := rd.uvarint()
	if n > uint64(len(rd.b)) {
		rd.err, rd.b = errBatch, nil
		return nil
	}
	v := rd.b[:n:n]
	rd.b = rd.b[n:]
	return v
}

func (rd *reader) byte() byte {
	if len(rd.b) == 0 {
		rd.err = errBatch
		return 0
	}
	v := rd.b[0]
	rd.b = rd.b[1:]
	return v
}

// deliver hands a batch's frames to this process's sockets. Frames from a
// process that is no longer the room's owner (a stepped-down one's last
// words) are dropped.
func (cl *cluster) deliver(payload []byte) {
	rd := &reader{b: payload[1:]}
	_ = rd.bytes() // the sender's node
	token := rd.uvarint()
	blobs := make([][]byte, rd.uvarint()%(1<<20))
	for i := range blobs {
		blobs[i] = rd.bytes()
	}
	n := rd.uvarint()
	for range n {
		if rd.err != nil {
			break
		}
		conn, kind := rd.uvarint(), rd.byte()
		var shared, own []byte
		code, reason := 0, ""
		switch kind {
		case itemSend, itemParts:
			i := rd.uvarint()
			if i >= uint64(len(blobs)) {
				rd.err = errBatch
				continue
			}
			shared = blobs[i]
			if kind == itemParts {
				own = rd.bytes()
			}
		case itemClose:
			code, reason = int(rd.uvarint()), string(rd.bytes())
		default:
			rd.err = errBatch
			continue
		}
		if rd.err != nil {
			break
		}
		cl.mu.Lock()
		rc := cl.remote[conn]
		cl.mu.Unlock()
		if rc == nil {
			continue
		}
		rc.ref.mu.Lock()
		current := rc.ref.room == nil && rc.ref.attached == token
		rc.ref.mu.Unlock()
		if !current {
			continue
		}
		ok := true
		switch kind {
		case itemSend:
			ok = rc.c.Send(shared)
		case itemParts:
			if pc, parts := rc.c.(PartsConn); parts {
				ok = pc.SendParts(shared, own)
			} else {
				ok = rc.c.Send(append(shared[:len(shared):len(shared)], own...))
			}
		case itemClose:
			rc.c.Close(code, reason)
		}
		if !ok {
			rc.c.Close(session.StatusPolicy, "too slow")
		}
	}
	if rd.err != nil {
		cl.h.deps.log.Error("cluster: malformed relay batch")
	}
}
