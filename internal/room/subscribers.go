package room

import (
	"encoding/json"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/huddle-live/huddle/internal/session"
)

// coalesceDelay is the most a change waits to be sent: answers coming in
// make at most one update of each view per delay.
const coalesceDelay = 100 * time.Millisecond

// subscribers are a room's open connections, by role and by player, and
// the views they have yet to be sent.
type subscribers struct {
	conns      map[Conn]*sub
	byPlayer   map[string]map[Conn]struct{}
	watchers   map[Conn]struct{} // sockets that follow the room without a team (watchers.go)
	marks      session.Marks     // what changed since the last flush
	flushTimer Timer             // armed while changes wait for coalesceDelay
}

type sub struct {
	role    session.Role
	player  string
	lang    string
	session bool // a signed-in facilitator's, not a token's: reissued links leave it open
}

func newSubscribers() subscribers {
	return subscribers{conns: map[Conn]*sub{}, byPlayer: map[string]map[Conn]struct{}{}, watchers: map[Conn]struct{}{},
		marks: session.Marks{Me: map[string]bool{}}}
}

// online reports whether a socket of the player is open.
func (s *subscribers) online(player string) bool { return len(s.byPlayer[player]) > 0 }

// presence is what the views need of the room beyond its state.
func (r *Room) presence() session.Presence {
	return session.Presence{Online: r.subs.online, StorageDown: r.journal.unavailable(), Base: r.base,
		Watchers: len(r.subs.watchers)}
}

// Attach connects c with the token from its hello frame. An unknown token
// gets an error frame and the connection is closed.
func (r *Room) Attach(c Conn, token, lang string) {
	if r.post(func() { r.attach(c, token, lang) }) != nil {
		c.Close(session.StatusRestart, "room stopped")
	}
}

// AttachHost connects c as the room's host without a token: the caller has
// checked that a signed-in facilitator runs this room. Reissued links leave
// such a connection open.
func (r *Room) AttachHost(c Conn, lang string) {
	if r.post(func() { r.attachSub(c, &sub{role: session.RoleHost, lang: lang, session: true}) }) != nil {
		c.Close(session.StatusRestart, "room stopped")
	}
}

func (r *Room) attach(c Conn, token, lang string) {
	h := session.HashToken(token)
	s := &sub{lang: lang}
	switch {
	case token != "" && h == r.st.Config.HostHash:
		s.role = session.RoleHost
	case token != "" && h == r.st.Config.ScreenHash:
		s.role = session.RoleScreen
	default:
		p := r.st.PlayerByToken(h)
		if p == nil || token == "" {
			r.sendTo(c, r.errorFrame("", session.ErrUnauthorized, lang))
			c.Close(session.StatusPolicy, "unauthorized")
			return
		}
		s.role, s.player = session.RolePlayer, p.ID
	}
	r.attachSub(c, s)
}

// attachSub adds a connection whose role is settled and sends it the
// welcome and its first view.
func (r *Room) attachSub(c Conn, s *sub) {
	r.subs.conns[c] = s
	r.lastConn = r.clock.Now()
	welcome := map[string]any{"role": s.role, "room": r.id}
	if s.player != "" {
		welcome["player"] = s.player
		if r.subs.byPlayer[s.player] == nil {
			r.subs.byPlayer[s.player] = map[Conn]struct{}{}
		}
		r.subs.byPlayer[s.player][c] = struct{}{}
		r.subs.marks.View = true // online count
	}
	now := r.clock.Now()
	r.sendTo(c, r.frame("welcome", now, welcome))
	switch s.role {
	case session.RoleHost:
		r.sendTo(c, r.frame("view", now, session.HostView(r.st, r.presence(), now)))
	case session.RoleScreen:
		r.sendTo(c, r.frame("view", now, session.ScreenView(r.st, r.presence(), now)))
	case session.RoleWatcher:
		r.sendTo(c, r.frame("state", now, session.PhoneView(r.st, r.presence(), now)))
	case session.RolePlayer:
		state := r.frame("state", now, session.PhoneView(r.st, r.presence(), now))
		if head := openData(state); head != nil {
			if own := r.meTail(s.player, now); own != nil {
				r.sendParts(c, head, own)
				return
			}
		}
		r.sendTo(c, state)
	}
}

// Detach forgets c; the connection has closed.
func (r *Room) Detach(c Conn) {
	_ = r.post(func() { r.drop(c) })
}

func (r *Room) drop(c Conn) {
	s, ok := r.subs.conns[c]
	if !ok {
		return
	}
	delete(r.subs.conns, c)
	r.lastConn = r.clock.Now()
	r.dropWatcher(c)
	if s.player != "" {
		delete(r.subs.byPlayer[s.player], c)
		if len(r.subs.byPlayer[s.player]) == 0 {
			delete(r.subs.byPlayer, s.player)
		}
		r.subs.marks.View = true
	}
}

// sendTo queues a frame; a connection that cannot keep up is dropped and
// will resync with a full view when it reconnects.
func (r *Room) sendTo(c Conn, frame []byte) {
	if frame == nil || c.Send(frame) {
		return
	}
	r.drop(c)
	c.Close(session.StatusPolicy, "too slow")
}

// sendParts queues a frame made of a broadcast's shared head and the
// recipient's own part, as sendTo does; a Conn that cannot take parts gets
// them joined.
func (r *Room) sendParts(c Conn, head, own []byte) {
	pc, ok := c.(PartsConn)
	if !ok {
		r.sendTo(c, append(head[:len(head):len(head)], own...))
		return
	}
	if !pc.SendParts(head, own) {
		r.drop(c)
		c.Close(session.StatusPolicy, "too slow")
	}
}

// openData returns an encoded frame {"type":...,"data":{...}} without its
// last two braces: the head after which a recipient's own part is added
// (meTail). nil if the frame has no data object to add to.
func openData(frame []byte) []byte {
	n := len(frame)
	if n < 4 || string(frame[n-2:]) != "}}" || frame[n-3] == '{' {
		return nil
	}
	return frame[:n-2]
}

// meTail is a player's own view as the end of a state frame opened by
// openData: ,"me":{...}}}. nil for a player the room does not know.
func (r *Room) meTail(player string, now time.Time) []byte {
	return encodeMeTail(session.MeView(r.st, player, now))
}

func encodeMeTail(me *session.Me) []byte {
	if me == nil {
		return nil
	}
	out, err := me.AppendJSON(append(make([]byte, 0, 1024), `,"me":`...))
	if err != nil {
		return nil
	}
	return append(out, "}}"...)
}

// parallelMe is how many phones' own views make it worth encoding them on
// every core: a phase change in a room of thousands of phones.
const parallelMe = 256

// sendState sends every listed player's sockets the phones' state frame
// with the player's own view in it (head is the frame opened by openData).
// Own views are built on the room's goroutine; in a large room they are
// encoded and queued by one goroutine per core while the room's goroutine
// waits for them, so the state is not changing meanwhile; sockets found
// too slow are dropped afterwards, on the room's goroutine.
func (r *Room) sendState(head []byte, players []string, now time.Time) {
	if len(players) < parallelMe {
		for _, p := range players {
			own := r.meTail(p, now)
			for c := range r.subs.byPlayer[p] {
				if own == nil {
					r.sendTo(c, append(head[:len(head):len(head)], "}}"...))
				} else {
					r.sendParts(c, head, own)
				}
			}
		}
		return
	}
	mes := make([]*session.Me, len(players))
	for i, p := range players {
		mes[i] = session.MeView(r.st, p, now)
	}
	workers := min(runtime.GOMAXPROCS(0), 8)
	slow := make([][]Conn, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(players); i += workers {
				own := encodeMeTail(mes[i])
				for c := range r.subs.byPlayer[players[i]] {
					var ok bool
					if pc, parts := c.(PartsConn); parts && own != nil {
						ok = pc.SendParts(head, own)
					} else if own != nil {
						ok = c.Send(append(head[:len(head):len(head)], own...))
					} else {
						ok = c.Send(append(head[:len(head):len(head)], "}}"...))
					}
					if !ok {
						slow[w] = append(slow[w], c)
					}
				}
			}
		})
	}
	wg.Wait()
	for _, cs := range slow {
		for _, c := range cs {
			r.drop(c)
			c.Close(session.StatusPolicy, "too slow")
		}
	}
}

// flush sends every audience what changed since the last flush. A broadcast
// is encoded once and the same bytes go to every recipient; a phone whose
// own view changed too gets it in the same frame. Phones go first: they
// are the most, and a phase change is theirs to see at once.
func (r *Room) flush() {
	if r.subs.flushTimer != nil {
		r.subs.flushTimer.Stop()
		r.subs.flushTimer = nil
	}
	now := r.clock.Now()
	m := &r.subs.marks
	if m.State {
		state := r.frame("state", now, session.PhoneView(r.st, r.presence(), now))
		head := openData(state)
		var own []string // players whose state frame carries their own view
		for p, conns := range r.subs.byPlayer {
			if head != nil && (m.AllMe || m.Me[p]) {
				own = append(own, p)
				continue
			}
			for c := range conns {
				r.sendTo(c, state)
			}
		}
		r.sendState(head, own, now)
		for c := range r.subs.watchers {
			r.sendTo(c, state)
		}
		for _, p := range own {
			delete(m.Me, p)
		}
		m.AllMe = false // every player with a socket has had theirs
	}
	if m.AllMe {
		for p := range r.subs.byPlayer {
			m.Me[p] = true
		}
	}
	for p := range m.Me {
		conns := r.subs.byPlayer[p]
		if len(conns) == 0 {
			continue
		}
		me := r.frame("me", now, session.MeView(r.st, p, now))
		for c := range conns {
			r.sendTo(c, me)
		}
	}
	if m.View {
		var host, screen []byte
		for c, s := range r.subs.conns {
			switch s.role {
			case session.RoleHost:
				if host == nil {
					host = r.frame("view", now, session.HostView(r.st, r.presence(), now))
				}
				r.sendTo(c, host)
			case session.RoleScreen:
				if screen == nil {
					screen = r.frame("view", now, session.ScreenView(r.st, r.presence(), now))
				}
				r.sendTo(c, screen)
			}
		}
	}
	m.Clear()
}

// frameOut is every frame a room sends (docs/protocol.md).
type frameOut struct {
	Type      string       `json:"type"`
	Epoch     string       `json:"epoch"`
	Seq       uint64       `json:"seq"`
	Time      int64        `json:"time"`
	ID        string       `json:"id,omitempty"`
	Duplicate bool         `json:"duplicate,omitempty"`
	Code      session.Code `json:"code,omitempty"`
	Message   string       `json:"message,omitempty"`
	Data      any          `json:"data,omitempty"`
}

func (r *Room) encodeFrame(f frameOut) []byte {
	b, err := json.Marshal(f)
	if err != nil {
		r.log.Error("encode frame", "type", f.Type, "err", err)
		return nil
	}
	return b
}

func (r *Room) frame(typ string, now time.Time, data any) []byte {
	return r.encodeFrame(frameOut{Type: typ, Epoch: r.epoch, Seq: r.journal.seq, Time: now.UnixMilli(), Data: data})
}

// ackFrame is an ack without data. Acks are encoded by hand, byte for
// byte as encodeFrame would (TestAckJSON): one goes out for every answer,
// from the room's goroutine.
func (r *Room) ackFrame(id string, duplicate bool) []byte {
	return append(r.appendAck(make([]byte, 0, 96+len(id)), id, duplicate), '}')
}

// appendAck appends an ack frame without its closing brace.
func (r *Room) appendAck(dst []byte, id string, duplicate bool) []byte {
	dst = append(dst, `{"type":"ack","epoch":`...)
	dst = session.AppendJSONString(dst, r.epoch)
	dst = append(dst, `,"seq":`...)
	dst = strconv.AppendUint(dst, r.journal.seq, 10)
	dst = append(dst, `,"time":`...)
	dst = strconv.AppendInt(dst, r.clock.Now().UnixMilli(), 10)
	if id != "" {
		dst = append(dst, `,"id":`...)
		dst = session.AppendJSONString(dst, id)
	}
	if duplicate {
		dst = append(dst, `,"duplicate":true`...)
	}
	return dst
}

// ackWithMe is the ack of a player's command that changed the player's own
// view: the view comes in the ack instead of a frame of its own.
func (r *Room) ackWithMe(id, player string) []byte {
	me := session.MeView(r.st, player, r.clock.Now())
	if me == nil {
		return r.ackFrame(id, false)
	}
	return r.ackWith(id, `,"data":{"me":`, me.AppendJSON, 1024)
}

// ackWithQuestion is the ack of a player's command that changed only the
// open question's part of the player's own view (an answer): that part
// alone, as data.me_patch, whose keys replace the phone's.
func (r *Room) ackWithQuestion(id, player string) []byte {
	part := session.MeQuestionView(r.st, player)
	if part == nil {
		return r.ackWithMe(id, player)
	}
	return r.ackWith(id, `,"data":{"me_patch":`, part.AppendJSON, 160)
}

// ackWith is an ack with data made of key and what appendData writes.
func (r *Room) ackWith(id, key string, appendData func([]byte) ([]byte, error), size int) []byte {
	b := r.appendAck(make([]byte, 0, 96+len(id)+size), id, false)
	b, err := appendData(append(b, key...))
	if err != nil {
		r.log.Error("encode ack", "err", err)
		return r.ackFrame(id, false)
	}
	return append(b, "}}"...)
}

func (r *Room) errorFrame(id string, err error, lang string) []byte {
	code := session.ErrorCode(err)
	return r.encodeFrame(frameOut{Type: "error", Epoch: r.epoch, Seq: r.journal.seq, Time: r.clock.Now().UnixMilli(), ID: id,
		Code: code, Message: code.Message(lang)})
}
