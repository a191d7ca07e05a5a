package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/huddle-live/huddle/internal/room"
	"github.com/huddle-live/huddle/internal/session"
)

const (
	readLimit     = 4 << 10          // a phone's frames are small
	hostReadLimit = 16 << 10         // the host's may grow (board moderation)
	sendQueue     = 16               // frames waiting for a slow reader before it is dropped
	closeGrace    = 5 * time.Second  // for the queued frames and the close handshake
	abortGrace    = time.Second      // the same after the peer broke the protocol or went away
	maxViolations = 50               // frames refused for rate in a row before the socket is closed
	joinTimeout   = 15 * time.Second // for a join in a hello to be stored
	// The buffers under a socket. A phone's frames are a few hundred bytes
	// and are read straight into the library's buffer when larger; a frame
	// the server sends goes out in one write when it fits the writer's.
	readBuffer  = 512
	writeBuffer = 4 << 10
)

// clientFrame is every frame a client sends.
type clientFrame struct {
	ID    string          `json:"id"`
	Type  string          `json:"type"`
	Data  json.RawMessage `json:"data"`
	Token string          `json:"token"`
	Watch bool            `json:"watch"` // a hello without a token that only watches
	Join  *joinRequest    `json:"join"`  // a hello without a token that joins the room as a new player
	Lang  string          `json:"lang"`
}

// wsConn is a WebSocket as a room sees it: Send queues without blocking. A
// writer goroutine runs only while frames wait, so an idle socket costs
// its reader's goroutine and nothing else.
type wsConn struct {
	c   *websocket.Conn
	raw *rawConn // the connection under c: its deadline bounds a close

	mu      sync.Mutex
	queue   [sendQueue]outFrame // a ring: n frames from head
	head, n int
	writing bool // a writer goroutine runs, or has run for the last time
	closed  bool // no frame is taken any more; the writer sends the close
	code    websocket.StatusCode
	reason  string
	done    chan struct{} // closed when the writer has closed c

	pinging atomic.Bool    // a ping waits for its pong
	heard   atomic.Int64   // when its peer last sent a frame, to the pinger's sweep (Unix nanoseconds)
	pings   sync.WaitGroup // pings in flight; added to only while the pinger holds the socket
}

// outFrame is a queued frame: its bytes, or a broadcast's shared bytes
// followed by the recipient's own, sent as one message.
type outFrame struct {
	b, own []byte
}

func newWSConn(c *websocket.Conn, raw *rawConn) *wsConn {
	return &wsConn{c: c, raw: raw, done: make(chan struct{})}
}

func (w *wsConn) Send(frame []byte) bool { return w.queueFrame(outFrame{b: frame}) }

// SendParts queues one message made of shared (the same bytes for many
// recipients) and own: the room need not join them on its goroutine.
func (w *wsConn) SendParts(shared, own []byte) bool {
	return w.queueFrame(outFrame{b: shared, own: own})
}

func (w *wsConn) queueFrame(f outFrame) bool { return w.queueFrameWaking(f, true) }

// SendHeld queues frame without starting the writer: the next frame
// queued, or the close, takes it along in the same write.
func (w *wsConn) SendHeld(frame []byte) bool { return w.queueFrameWaking(outFrame{b: frame}, false) }

func (w *wsConn) queueFrameWaking(f outFrame, wake bool) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || w.n == len(w.queue) {
		return false
	}
	w.queue[(w.head+w.n)%len(w.queue)] = f
	w.n++
	if wake {
		w.wake()
	}
	return true
}

// joinBuffers holds the buffers in which a frame's parts are joined for writing.
var joinBuffers = sync.Pool{New: func() any { return new([]byte) }}

// writeFrame writes f as one text message.
func (w *wsConn) writeFrame(ctx context.Context, f outFrame) error {
	if f.own == nil {
		return w.c.Write(ctx, websocket.MessageText, f.b)
	}
	bp := joinBuffers.Get().(*[]byte)
	b := append(append((*bp)[:0], f.b...), f.own...)
	err := w.c.Write(ctx, websocket.MessageText, b)
	if cap(b) <= 64<<10 { // a huge one is left to the collector
		*bp = b
		joinBuffers.Put(bp)
	}
	return err
}

// wake starts the writer unless it runs; the caller holds mu.
func (w *wsConn) wake() {
	if !w.writing {
		w.writing = true
		go w.write()
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
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		w.code, w.reason = websocket.StatusCode(code), reason
		w.wake()
	}
	w.mu.Unlock()
	w.raw.within(grace)
}

// write sends queued frames until none is left, and after Close sends the
// close frame. Writes use a context without a deadline: a per-write timeout
// costs CPU on every frame of a broadcast; a stuck peer is cut by Close
// instead, and a dead one by a ping that gets no pong.
func (w *wsConn) write() {
	ctx := context.Background()
	for {
		w.mu.Lock()
		if w.n == 0 {
			if !w.closed {
				w.writing = false
				w.mu.Unlock()
				return
			}
			code, reason := w.code, w.reason
			w.mu.Unlock()
			_ = w.c.Close(code, reason)
			close(w.done)
			return // writing stays set: no writer starts again
		}
		f := w.queue[w.head]
		w.queue[w.head] = outFrame{}
		w.head = (w.head + 1) % len(w.queue)
		w.n--
		more := w.n > 0 // frames behind this one go out with it in one write
		w.mu.Unlock()
		if more {
			w.raw.cork()
		}
		err := w.writeFrame(ctx, f)
		if uerr := w.raw.uncorkUnless(more); err == nil {
			err = uerr
		}
		if err != nil {
			w.mu.Lock()
			w.closed = true
			clear(w.queue[:])
			w.n = 0
			w.mu.Unlock()
			_ = w.raw.uncork() // what a failed batch kept goes nowhere useful, but must not stay corked
			_ = w.c.CloseNow()
			close(w.done)
			return
		}
	}
}

// ping waits up to timeout for the peer's pong and cuts a peer that sends
// none. The pinger starts it.
func (w *wsConn) ping(timeout time.Duration) {
	defer w.pings.Done()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	err := w.c.Ping(ctx)
	cancel()
	if err != nil {
		_ = w.c.CloseNow()
		w.Close(int(websocket.StatusGoingAway), "")
	}
	w.pinging.Store(false)
}

// websocket upgrades and hands the socket to a goroutine of its own: the
// request, its headers and the handlers' frames are let go for the
// socket's life, and the reader starts on a small stack.
func (s *Server) websocket(w http.ResponseWriter, r *http.Request, id string) {
	rm, lookupErr := s.hub.Lookup(id)
	if !s.track() {
		s.writeError(w, r, session.ErrStopped)
		return
	}
	// What the hello may need of the request: the facilitator's session,
	// which cross-site requests never carry.
	cookie := ""
	if !s.crossSite(r) {
		cookie = sessionToken(r)
	}
	client := s.clientKey(r) // a join in the hello counts against its address
	hw := &hijackWriter{ResponseWriter: w}
	c, err := websocket.Accept(hw, r, &websocket.AcceptOptions{
		CompressionMode: websocket.CompressionDisabled, // Safari's permessage-deflate bugs; CPU on fan-out
		OriginPatterns:  s.origins,                     // besides the request's own host; others get 403
	})
	if err != nil {
		s.sockets.Done()
		return // Accept has answered the request
	}
	go s.serveSocket(c, hw.raw, rm, lookupErr, cookie, client)
}

// serveSocket waits for hello, attaches the socket to its room and forwards
// client frames until the socket closes.
func (s *Server) serveSocket(c *websocket.Conn, raw *rawConn, rm room.Handle, lookupErr error, cookie, client string) {
	defer s.sockets.Done()
	s.hold(raw)
	defer s.release(raw)
	c.SetReadLimit(readLimit)
	conn := newWSConn(c, raw)
	s.pinger.add(conn)
	defer func() {
		conn.Close(int(websocket.StatusNormalClosure), "")
		<-conn.done
		s.pinger.remove(conn)
		conn.pings.Wait()
	}()

	// A socket silent past the hello timeout is closed by the writer with
	// a close frame. A deadline on the read itself would drop the TCP
	// connection without one, and the browser would see 1006.
	late := time.AfterFunc(s.hello, func() { conn.Close(session.StatusPolicy, "expected hello") })
	ctx := context.Background() // reads are cut through raw, never by a context
	hello, err := readFrame(ctx, c)
	late.Stop()
	if err != nil && !badInput(err) {
		conn.abort()
		return
	}
	if rm == nil && lookupErr != nil {
		// Several processes on a Redis that does not answer: whether the
		// room exists is unknown, so the page is told to come back.
		conn.Close(session.StatusRestart, "storage unavailable")
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
	if hello.Token == "" && hello.Join != nil && !hello.Watch {
		// A new player: the join and the socket in one exchange. Once it is
		// stored the phone gets its token in a "joined" frame, then attaches
		// with it as a phone that sent it in its hello.
		token, ok := s.joinBySocket(conn, rm, hello.Join, client, hello.Lang)
		if !ok {
			return
		}
		hello.Token = token
	}
	limit, key := s.messages, hello.Token
	// Without a token, a watcher comes in as one (its frames counted per
	// socket), or a facilitator who runs the room by session.
	watch := hello.Token == "" && hello.Watch
	f, bySession := signedInFacilitator{}, false
	if watch {
		key = fmt.Sprintf("watch:%p", conn)
	} else if hello.Token == "" {
		f, bySession = s.runsSession(cookie, rm.ID())
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
	} else if watch {
		rm.AttachWatcher(conn, hello.Lang)
	} else {
		rm.Attach(conn, hello.Token, hello.Lang)
	}
	defer rm.Detach(conn)
	violations := 0
	for {
		f, err := readFrame(ctx, c)
		if err != nil && !badInput(err) {
			conn.abort() // closed, or over the read limit: the socket is done
			return
		}
		s.pinger.heard(conn) // a peer that sends is not pinged until it falls silent
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

// joinBySocket joins the room as a hello's join asks, with the same checks
// and limits as POST /api/join, and sends the phone its "joined" frame. A
// refused join gets the error frame and the socket closes normally: the
// phone shows the error and opens a new socket for its next try.
func (s *Server) joinBySocket(conn *wsConn, rm room.Handle, req *joinRequest, client, lang string) (token string, ok bool) {
	if !s.joins.allow(client) {
		s.refuseJoin(conn, session.ErrRateLimited, lang)
		return "", false
	}
	ctx, cancel := context.WithTimeout(context.Background(), joinTimeout)
	defer cancel()
	j, err := rm.JoinAs(ctx, room.JoinRequest{Name: req.Name, Team: req.Team, Sector: req.Sector, Device: req.Device})
	if err != nil {
		s.refuseJoin(conn, err, lang)
		return "", false
	}
	b, err := json.Marshal(struct {
		Type string      `json:"type"`
		Data room.Joined `json:"data"`
	}{"joined", j})
	// Held for the welcome and the state that the attach queues next: the
	// three go out in one write.
	if err != nil || !conn.SendHeld(b) {
		return "", false
	}
	return j.Token, true
}

// refuseJoin sends a refused join's error frame, with retry_after when the
// error's HTTP answer would carry Retry-After, and closes the socket.
func (s *Server) refuseJoin(conn *wsConn, err error, lang string) {
	code := session.ErrorCode(err)
	info := code.Info()
	if info.Status == http.StatusInternalServerError {
		s.log.Error("join over a socket failed", "err", err)
	}
	retry, _ := strconv.Atoi(info.RetryAfter)
	b, _ := json.Marshal(struct {
		Type       string       `json:"type"`
		Code       session.Code `json:"code"`
		Message    string       `json:"message"`
		RetryAfter int          `json:"retry_after,omitempty"`
	}{"error", code, code.Message(lang), retry})
	conn.Send(b)
	conn.Close(int(websocket.StatusNormalClosure), "join refused")
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

// frameBuffers hold a client frame while it is decoded. The decoded frame
// keeps copies of what it needs (strings, and json.RawMessage copies too),
// so a buffer goes back at once: a busy room's answers allocate no buffer
// each, and an idle socket holds none.
var frameBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// readFrame reads one JSON frame.
func readFrame(ctx context.Context, c *websocket.Conn) (clientFrame, error) {
	typ, r, err := c.Reader(ctx)
	if err != nil {
		return clientFrame{}, err
	}
	bp := frameBuffers.Get().(*[]byte)
	b, err := readAll((*bp)[:0], r)
	f := clientFrame{}
	if err == nil {
		f, err = decodeFrame(typ, b)
	}
	if cap(b) <= hostReadLimit { // the largest frame a socket may send
		*bp = b[:0]
		frameBuffers.Put(bp)
	}
	return f, err
}

// readAll is io.ReadAll into b.
func readAll(b []byte, r io.Reader) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
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
	raw *rawConn
}

// Hijack takes the connection and gives the WebSocket buffers of its own
// sizes in place of the HTTP server's 4 KB reader.
func (h *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return c, brw, err
	}
	h.raw = &rawConn{Conn: c}
	br := bufio.NewReaderSize(c, readBuffer)
	if n := brw.Reader.Buffered(); n > 0 {
		// Bytes the client sent right after the upgrade, read by the HTTP
		// server already. They go into the new buffer: the library reads on
		// from the connection after what is buffered.
		early, _ := brw.Reader.Peek(n)
		br = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(bytes.Clone(early)), c), max(readBuffer, n))
		if _, err := br.Peek(n); err != nil {
			return c, nil, err
		}
	}
	// Frames go out through raw, which holds them while more are queued.
	return c, bufio.NewReadWriter(br, bufio.NewWriterSize(h.raw, writeBuffer)), nil
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (h *hijackWriter) Unwrap() http.ResponseWriter { return h.ResponseWriter }

// rawConn is the connection under an upgraded WebSocket. Its deadline only
// ever moves earlier: whoever closes the socket (its room, a failed read,
// the shutdown) bounds how long the close may take, and none extends
// another's bound.
//
// While the socket's writer has more frames queued it corks the
// connection: what the library writes is kept and goes out in one write
// with the batch's last frame, so a burst (a join's joined, welcome and
// state; a reconnect's welcome and view) costs one system call, not one a
// frame.
type rawConn struct {
	net.Conn
	mu       sync.Mutex
	deadline time.Time
	corked   bool
	pending  *[]byte // what was written while corked
	attached bool    // to a room, which closes it when it stops; under Server.mu
}

// corkBuffers hold a batch of frames between a cork and its uncork.
var corkBuffers = sync.Pool{New: func() any { b := make([]byte, 0, writeBuffer); return &b }}

// Write writes b at once, or keeps it while the connection is corked.
// The library writes a frame whole (a control frame in one call), and
// only the socket's writer corks and uncorks between its frames, so kept
// bytes are whole frames in order.
func (c *rawConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	if c.corked {
		if c.pending == nil {
			c.pending = corkBuffers.Get().(*[]byte)
		}
		*c.pending = append(*c.pending, b...)
		c.mu.Unlock()
		return len(b), nil
	}
	c.mu.Unlock()
	return c.Conn.Write(b)
}

// uncorkUnless uncorks unless more frames follow in this batch.
func (c *rawConn) uncorkUnless(more bool) error {
	if more {
		return nil
	}
	return c.uncork()
}

// cork keeps what is written until uncork.
func (c *rawConn) cork() {
	c.mu.Lock()
	c.corked = true
	c.mu.Unlock()
}

// uncork writes what was kept, in one write.
func (c *rawConn) uncork() error {
	c.mu.Lock()
	p := c.pending
	c.pending, c.corked = nil, false
	c.mu.Unlock()
	if p == nil {
		return nil
	}
	_, err := c.Conn.Write(*p)
	if cap(*p) <= 64<<10 { // a huge batch is left to the collector
		*p = (*p)[:0]
		corkBuffers.Put(p)
	}
	return err
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
