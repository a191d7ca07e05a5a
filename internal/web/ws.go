package web

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/go-chi/chi/v5"

	"github.com/huddle-live/huddle/internal/session"
)

const (
	readLimit     = 4 << 10         // a phone's frames are small
	hostReadLimit = 16 << 10        // the host's may grow (board moderation)
	sendQueue     = 64              // frames waiting for a slow reader before it is dropped
	closeGrace    = 5 * time.Second // for the queued frames and the close handshake
	abortGrace    = time.Second     // the same after the peer broke the protocol or went away
	maxViolations = 50              // frames refused for rate in a row before the socket is closed
)

// clientFrame is every frame a client sends.
type clientFrame struct {
	ID    string          `json:"id"`
	Type  string          `json:"type"`
	Data  json.RawMessage `json:"data"`
	Token string          `json:"token"`
	Lang  string          `json:"lang"`
}

// wsConn is a WebSocket as a room sees it: Send queues without blocking;
// one writer goroutine drains the queue.
type wsConn struct {
	c      *websocket.Conn
	raw    *rawConn // the connection under c: its deadline bounds a close
	queue  chan []byte
	closed chan struct{}
	once   sync.Once
	code   websocket.StatusCode
	reason string
	ping   time.Duration // see Limits.PingEvery
	pong   time.Duration
}

func (w *wsConn) Send(frame []byte) bool {
	select {
	case <-w.closed:
		return false
	default:
	}
	select {
	case w.queue <- frame:
		return true
	default:
		return false
	}
}

// Close asks the writer to send what is queued, then close with code,
// within closeGrace.
func (w *wsConn) Close(code int, reason string) { w.closeWithin(code, reason, closeGrace) }

// abort closes after a failed read: the peer sent a frame over the limit or
// broke the protocol (the library has already sent it the close frame), or
// it is gone. It gets abortGrace to take the close frame.
func (w *wsConn) abort() { w.closeWithin(int(websocket.StatusNormalClosure), "", abortGrace) }

// closeWithin puts a deadline on the connection and wakes the writer. The
// deadline is what bounds the close: the library's close handshake first
// reads out whatever payload the peer's last frame header claimed (2^62
// bytes, if it lied) with no deadline of its own, and once it has begun
// CloseNow only waits for it.
func (w *wsConn) closeWithin(code int, reason string, grace time.Duration) {
	w.once.Do(func() {
		w.code, w.reason = websocket.StatusCode(code), reason
		close(w.closed)
	})
	w.raw.within(grace)
}

// writer sends queued frames until the connection is closed, and pings an
// idle peer. Writes use a context without a deadline: a per-write timeout
// costs CPU on every frame of a broadcast; a stuck peer is cut by Close
// instead, and a dead one by a ping that gets no pong.
func (w *wsConn) writer() {
	ctx := context.Background()
	ping := time.NewTicker(w.ping)
	defer ping.Stop()
	for {
		select {
		case <-ping.C:
			pctx, cancel := context.WithTimeout(ctx, w.pong)
			err := w.c.Ping(pctx)
			cancel()
			if err != nil {
				w.Close(int(websocket.StatusGoingAway), "")
				_ = w.c.CloseNow()
				return
			}
		case b := <-w.queue:
			if err := w.c.Write(ctx, websocket.MessageText, b); err != nil {
				w.Close(int(websocket.StatusGoingAway), "")
				_ = w.c.CloseNow()
				return
			}
		case <-w.closed:
			for {
				select {
				case b := <-w.queue:
					if w.c.Write(ctx, websocket.MessageText, b) != nil {
						_ = w.c.CloseNow()
						return
					}
				default:
					_ = w.c.Close(w.code, w.reason)
					return
				}
			}
		}
	}
}

// websocket upgrades, waits for hello, attaches the connection to its room
// and forwards client frames until the socket closes.
func (s *Server) websocket(w http.ResponseWriter, r *http.Request) {
	rm := s.hub.Room(chi.URLParam(r, "room"))
	if !s.track() {
		s.writeError(w, r, session.ErrStopped)
		return
	}
	defer s.sockets.Done()
	hw := &hijackWriter{ResponseWriter: w}
	c, err := websocket.Accept(hw, r, &websocket.AcceptOptions{
		CompressionMode: websocket.CompressionDisabled, // Safari's permessage-deflate bugs; CPU on fan-out
		OriginPatterns:  s.origins,                     // besides the request's own host; others get 403
	})
	if err != nil {
		return // Accept has answered the request
	}
	raw := &rawConn{Conn: hw.conn}
	s.hold(raw)
	defer s.release(raw)
	c.SetReadLimit(readLimit)
	conn := &wsConn{c: c, raw: raw, queue: make(chan []byte, sendQueue), closed: make(chan struct{}), ping: s.ping, pong: s.pong}
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		conn.writer()
	}()
	defer func() {
		conn.Close(int(websocket.StatusNormalClosure), "")
		<-wrote
	}()

	// A socket silent past the hello timeout is closed by the writer with
	// a close frame. A deadline on the read itself would drop the TCP
	// connection without one, and the browser would see 1006.
	late := time.AfterFunc(s.hello, func() { conn.Close(session.StatusPolicy, "expected hello") })
	ctx := r.Context()
	hello, err := readFrame(ctx, c, 0)
	late.Stop()
	if err != nil && !badInput(err) {
		conn.abort()
		return
	}
	if rm == nil {
		// A page cannot read an HTTP status from a failed upgrade, so a room
		// that expired or never existed is said in a frame: the page stops
		// reconnecting and tells its user.
		s.refuse(conn, session.ErrGone, hello.Lang, "room not found")
		return
	}
	if err != nil || hello.Type != "hello" {
		conn.Close(session.StatusPolicy, "expected hello")
		return
	}
	limit, key := s.messages, hello.Token
	// Without a token, a facilitator who runs the room comes in by session.
	f, bySession := signedInFacilitator{}, false
	if hello.Token == "" {
		f, bySession = s.runs(r, rm.ID())
		key = "session:" + f.session.Hash
	}
	if bySession || rm.IsHost(hello.Token) {
		c.SetReadLimit(hostReadLimit)
		limit = s.commands
	}
	if !s.conns.acquire(key) {
		s.refuse(conn, session.ErrTooManyConns, hello.Lang, "too many connections")
		return
	}
	defer s.conns.release(key)
	if !s.attach(raw) {
		conn.Close(session.StatusRestart, "server restarting")
		return
	}
	if bySession {
		s.sessionSockets.add(conn, sessionSocket{session: f.session.Hash, account: f.ID, room: rm.ID(), lang: hello.Lang})
		defer s.sessionSockets.remove(conn)
		rm.AttachHost(conn, hello.Lang)
	} else {
		rm.Attach(conn, hello.Token, hello.Lang)
	}
	defer rm.Detach(conn)
	violations := 0
	for {
		f, err := readFrame(ctx, c, 0)
		if err != nil && !badInput(err) {
			conn.abort() // closed, or over the read limit: the socket is done
			return
		}
		// Every frame counts against the token's rate, garbage too.
		if !limit.allow(key) {
			if violations++; violations > maxViolations {
				conn.Close(session.StatusPolicy, "rate limit")
				return
			}
			conn.Send(s.wsReply(f.ID, session.ErrRateLimited, hello.Lang))
			continue
		}
		violations = 0
		switch {
		case err != nil:
			conn.Send(badFrame)
		case f.Type != "hello":
			rm.Command(conn, f.ID, f.Type, f.Data)
		}
	}
}

// refuse sends the error frame of err and closes the socket with the
// close status the error table gives its code.
func (s *Server) refuse(conn *wsConn, err error, lang, reason string) {
	conn.Send(s.wsError(err, lang))
	conn.Close(session.ErrorCode(err).Info().Close, reason)
}

// badInput reports whether a read failed on what the client sent rather
// than on the socket: the client gets an error and the socket stays open.
func badInput(err error) bool {
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	return errors.Is(err, errBinary) || errors.As(err, &syntax) || errors.As(err, &typeErr)
}

// errBinary is a binary frame: the protocol speaks text only.
var errBinary = errors.New("binary frame")

var badFrame = []byte(`{"type":"error","code":"` + string(session.CodeBadRequest) + `","message":"` +
	session.CodeBadRequest.Message("ru") + ` / ` + session.CodeBadRequest.Message("en") + `"}`)

// wsReply is an error frame built outside a room: no seq or time of its own.
func (s *Server) wsReply(id string, err error, lang string) []byte {
	code := session.ErrorCode(err)
	b, _ := json.Marshal(struct {
		Type    string       `json:"type"`
		ID      string       `json:"id,omitempty"`
		Code    session.Code `json:"code"`
		Message string       `json:"message"`
	}{"error", id, code, code.Message(lang)})
	return b
}

func (s *Server) wsError(err error, lang string) []byte { return s.wsReply("", err, lang) }

// readFrame reads one JSON frame; timeout 0 waits as long as the socket lives.
func readFrame(ctx context.Context, c *websocket.Conn, timeout time.Duration) (clientFrame, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	typ, b, err := c.Read(ctx)
	if err != nil {
		return clientFrame{}, err
	}
	return decodeFrame(typ, b)
}

// decodeFrame decodes one client frame; an error is the client's (badInput).
func decodeFrame(typ websocket.MessageType, b []byte) (clientFrame, error) {
	var f clientFrame
	if typ != websocket.MessageText {
		return f, errBinary
	}
	return f, json.Unmarshal(b, &f)
}

// hijackWriter keeps the connection that the WebSocket upgrade hijacks, so
// that the server can put deadlines on it and cut it.
type hijackWriter struct {
	http.ResponseWriter
	conn net.Conn
}

func (h *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	h.conn = c
	return c, brw, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (h *hijackWriter) Unwrap() http.ResponseWriter { return h.ResponseWriter }

// rawConn is the connection under an upgraded WebSocket. Its deadline only
// ever moves earlier: whoever closes the socket (its room, a failed read,
// the shutdown) bounds how long the close may take, and none extends
// another's bound.
type rawConn struct {
	net.Conn
	mu       sync.Mutex
	deadline time.Time
	attached bool // to a room, which closes it when it stops; under Server.mu
}

// within makes every read and write on the connection fail after d.
func (c *rawConn) within(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := time.Now().Add(d); c.deadline.IsZero() || t.Before(c.deadline) {
		c.deadline = t
		_ = c.Conn.SetDeadline(t)
	}
}
