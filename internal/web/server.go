// Package web is huddle's HTTP and WebSocket front: routes, JSON handlers,
// the pages, and one reader and one writer goroutine per WebSocket.
package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/huddle-live/huddle/internal/account"
	"github.com/huddle-live/huddle/internal/room"
	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/session"
	"github.com/huddle-live/huddle/internal/store"
)

// Config is what a Server needs.
type Config struct {
	Hub       *room.Hub
	Scenarios []*scenario.Scenario
	Static    fs.FS  // the pages and their assets
	Media     fs.FS  // the scenarios directory, as an os.Root's FS: question images; may be nil
	PublicURL string // base URL phones reach the server at
	Logger    *slog.Logger
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client; from anyone else the header is ignored.
	TrustedProxies []netip.Prefix
	Limits         Limits // zero fields take DefaultLimits'
	// Accounts are the facilitators: creating a room needs one signed in.
	// nil keeps them in memory, with no account: nobody can create rooms.
	Accounts *account.Service
}

// Limits are the per-client limits. docs/security.md explains each.
type Limits struct {
	LookupsPerMinute, LookupBurst   int // failed join-code look-ups per client
	JoinsPerMinute, JoinBurst       int // joins per client
	RoomsPerMinute, RoomBurst       int // rooms created per client
	MessagesPerMinute, MessageBurst int // frames per player token
	CommandsPerMinute, CommandBurst int // frames per host or screen token
	ConnsPerToken                   int // open sockets per token
	// ConnsPerClient caps the open TCP connections of one client,
	// WebSockets included (see Listener).
	ConnsPerClient int
	// PingEvery is how often an idle socket is pinged; a peer that does not
	// answer within PongTimeout is cut and its phone counts as offline.
	PingEvery, PongTimeout time.Duration
	// HelloTimeout is how long a new socket may stay silent before its
	// hello; then it is closed with 1008.
	HelloTimeout time.Duration
	// The HTTP server's timeouts (see HTTPServer): a request's header, the
	// whole request, the response, and a kept-alive connection waiting for
	// its next request. None applies to an upgraded WebSocket.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
}

// DefaultLimits are generous enough for a venue of a few hundred phones
// behind one NAT address. A client is an IPv4 address or an IPv6 /64.
var DefaultLimits = Limits{
	LookupsPerMinute: 60, LookupBurst: 60,
	JoinsPerMinute: 600, JoinBurst: 300,
	RoomsPerMinute: 5, RoomBurst: 10,
	MessagesPerMinute: 120, MessageBurst: 30,
	CommandsPerMinute: 600, CommandBurst: 60,
	ConnsPerToken:     8,
	ConnsPerClient:    1000,
	PingEvery:         25 * time.Second, // also keeps NATs and proxies from dropping idle sockets
	PongTimeout:       20 * time.Second,
	HelloTimeout:      10 * time.Second,
	ReadHeaderTimeout: 10 * time.Second,
	ReadTimeout:       30 * time.Second, // JSON bodies are at most 64 KB
	WriteTimeout:      60 * time.Second, // the largest export on a slow link
	IdleTimeout:       60 * time.Second,
}

// orDefault takes DefaultLimits' value for every field that is not positive.
func (l Limits) orDefault() Limits {
	d := DefaultLimits
	return Limits{
		LookupsPerMinute: pick(l.LookupsPerMinute, d.LookupsPerMinute), LookupBurst: pick(l.LookupBurst, d.LookupBurst),
		JoinsPerMinute: pick(l.JoinsPerMinute, d.JoinsPerMinute), JoinBurst: pick(l.JoinBurst, d.JoinBurst),
		RoomsPerMinute: pick(l.RoomsPerMinute, d.RoomsPerMinute), RoomBurst: pick(l.RoomBurst, d.RoomBurst),
		MessagesPerMinute: pick(l.MessagesPerMinute, d.MessagesPerMinute), MessageBurst: pick(l.MessageBurst, d.MessageBurst),
		CommandsPerMinute: pick(l.CommandsPerMinute, d.CommandsPerMinute), CommandBurst: pick(l.CommandBurst, d.CommandBurst),
		ConnsPerToken:     pick(l.ConnsPerToken, d.ConnsPerToken),
		ConnsPerClient:    pick(l.ConnsPerClient, d.ConnsPerClient),
		PingEvery:         pick(l.PingEvery, d.PingEvery),
		PongTimeout:       pick(l.PongTimeout, d.PongTimeout),
		HelloTimeout:      pick(l.HelloTimeout, d.HelloTimeout),
		ReadHeaderTimeout: pick(l.ReadHeaderTimeout, d.ReadHeaderTimeout),
		ReadTimeout:       pick(l.ReadTimeout, d.ReadTimeout),
		WriteTimeout:      pick(l.WriteTimeout, d.WriteTimeout),
		IdleTimeout:       pick(l.IdleTimeout, d.IdleTimeout),
	}
}

func pick[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// Server serves huddle's HTTP API, pages and WebSockets.
type Server struct {
	hub       *room.Hub
	accounts  *account.Service
	scenarios map[string]*scenario.Scenario
	order     []*scenario.Scenario
	static    fs.FS
	media     fs.FS
	base      string
	log       *slog.Logger
	handler   http.Handler
	mu        sync.Mutex
	closing   bool                  // Shutdown has begun: no new sockets
	cutting   bool                  // Shutdown's deadline has passed: cut every socket
	open      map[*rawConn]struct{} // the connection under each open WebSocket
	sockets   sync.WaitGroup        // one per open WebSocket
	origins   []string              // hosts allowed to open WebSockets besides the request's own
	proxies   []netip.Prefix
	limits    Limits

	lookups  *limiter // failed join-code look-ups per client
	joins    *limiter // joins per client
	rooms    *limiter // rooms created per client
	messages *limiter // frames per player token
	commands *limiter // frames per host or screen token
	conns    counter  // open sockets per token
	pinger   *pinger
	hello    time.Duration

	sessionSockets sessionSockets // WebSockets opened by a signed-in facilitator
}

// New returns a Server; its routes are ready.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Accounts == nil {
		cfg.Accounts = account.New(account.Config{Store: store.NewMemory().Accounts(), Logger: cfg.Logger})
	}
	lim := cfg.Limits.orDefault()
	s := &Server{
		hub:       cfg.Hub,
		accounts:  cfg.Accounts,
		scenarios: map[string]*scenario.Scenario{},
		order:     cfg.Scenarios,
		static:    cfg.Static,
		media:     cfg.Media,
		base:      strings.TrimRight(cfg.PublicURL, "/"),
		log:       cfg.Logger,
		proxies:   cfg.TrustedProxies,
		limits:    lim,
		open:      map[*rawConn]struct{}{},
		lookups:   newLimiter(lim.LookupsPerMinute, lim.LookupBurst),
		joins:     newLimiter(lim.JoinsPerMinute, lim.JoinBurst),
		rooms:     newLimiter(lim.RoomsPerMinute, lim.RoomBurst),
		messages:  newLimiter(lim.MessagesPerMinute, lim.MessageBurst),
		commands:  newLimiter(lim.CommandsPerMinute, lim.CommandBurst),
		conns:     counter{limit: lim.ConnsPerToken, n: map[string]int{}},
		pinger:    newPinger(lim.PingEvery, lim.PongTimeout),
		hello:     lim.HelloTimeout,
	}
	if u, err := url.Parse(s.base); err == nil && u.Host != "" {
		s.origins = []string{u.Host}
	}
	for _, sc := range cfg.Scenarios {
		s.scenarios[sc.ID] = sc
	}
	s.handler = s.routes()
	return s
}

// ServeHTTP serves a request. A WebSocket upgrade, one per phone and the
// most frequent request at a room's start, goes straight to its handler:
// the router and the middleware add nothing to an upgrade (a 101 carries
// no page for security headers to guard, and a GET is no write to check)
// but cost each new connection's goroutine the stack they run on.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if id, ok := strings.CutPrefix(r.URL.Path, "/ws/"); ok && r.Method == http.MethodGet && id != "" && !strings.Contains(id, "/") {
		s.websocket(w, r, id)
		return
	}
	s.handler.ServeHTTP(w, r)
}

// HTTPServer returns an http.Server that serves s with the timeouts of its
// Limits. net/http clears a connection's deadlines when the WebSocket
// upgrade hijacks it, so none of them cuts a WebSocket: pings do that
// (TestSlowClientsAreCut holds a socket open past every timeout).
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Handler:           s,
		ReadHeaderTimeout: s.limits.ReadHeaderTimeout,
		ReadTimeout:       s.limits.ReadTimeout,
		WriteTimeout:      s.limits.WriteTimeout,
		IdleTimeout:       s.limits.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug), // hostile clients make it chatty
	}
}

// Shutdown refuses new WebSockets, cuts those still waiting for their
// hello (no room will take them), and waits until every open one's handler
// has returned. Call it after the hub has shut down, which closes every
// attached socket with 1012. Sockets still open when ctx ends are cut
// without a close handshake, and Shutdown returns once their handlers have.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	for c := range s.open {
		if !c.attached {
			c.within(0)
		}
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.sockets.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	s.mu.Lock()
	s.cutting = true
	n := len(s.open)
	for c := range s.open {
		_ = c.Close()
	}
	s.mu.Unlock()
	<-done // a cut socket's handler returns at once: every read and write fails
	s.log.Warn("sockets cut at the shutdown deadline", "sockets", n)
	return nil
}

// Wait is Shutdown without a deadline.
func (s *Server) Wait() { _ = s.Shutdown(context.Background()) }

// track counts a new socket unless the server is closing.
func (s *Server) track() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.sockets.Add(1)
	return true
}

// hold records the connection under an upgraded socket, so that Shutdown
// can cut it. During a shutdown no room will take it, so it is cut at once.
func (s *Server) hold(c *rawConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		c.within(0)
	}
	if s.cutting {
		_ = c.Close()
	}
	s.open[c] = struct{}{}
}

// attach marks a held connection as attached to a room, which will close
// it when it shuts down. It reports false if the server is closing: the
// socket must not attach.
func (s *Server) attach(c *rawConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	c.attached = true
	return true
}

func (s *Server) release(c *rawConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.open, c)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

func (s *Server) page(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := fs.ReadFile(s.static, name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(b)
	}
}

var imageTypes = map[string]bool{".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".webp": true, ".svg": true}

// serveMedia serves question images from the scenarios directory, and nothing
// else from it. The binary hands it an os.Root, through which no symlink
// leads out of the directory; such a link, like a missing file or a
// directory, is "not found".
func (s *Server) serveMedia(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "*")
	if s.media == nil || !fs.ValidPath(name) || !imageTypes[strings.ToLower(path.Ext(name))] {
		http.NotFound(w, r)
		return
	}
	if fi, err := fs.Stat(s.media, name); err != nil || !fi.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.ServeFileFS(w, r, s.media, name)
}

// lang picks the language of a reply: ?lang=, then Accept-Language; Russian
// by default.
func lang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "en" || l == "ru" {
		return l
	}
	if strings.HasPrefix(strings.ToLower(r.Header.Get("Accept-Language")), "en") {
		return "en"
	}
	return "ru"
}

// writeJSON answers with v as JSON. The body is encoded first and sent with
// its length: a reply of unknown length goes out chunked, which costs the
// server and the client a framing pass and an extra flush per request, and
// a join is such a reply thousands of times a second.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "cannot encode the reply", http.StatusInternalServerError)
		return
	}
	body = append(body, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

type apiError struct {
	Error   session.Code `json:"error"`
	Message string       `json:"message"`
}

// writeError answers with the protocol code of err, the code's HTTP status
// and a sentence in the request's language, all from room's error table.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := session.ErrorCode(err)
	if c := account.ErrorCode(err); c != "" {
		code = c
	}
	info := code.Info()
	if info.RetryAfter != "" {
		w.Header().Set("Retry-After", info.RetryAfter)
	}
	if info.Status == http.StatusInternalServerError {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, info.Status, apiError{Error: code, Message: code.Message(lang(r))})
}

// decode reads a JSON body of at most 64 KB into v.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", session.ErrBadRequest, err)
	}
	return nil
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController and the WebSocket upgrade reach the
// underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs each request once, without its query string: export
// links carry the host token there.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		s.log.Debug("http", "method", r.Method, "path", r.URL.Path, "status", sw.status, "dur", time.Since(start))
	})
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
				s.writeError(w, r, errors.New("panic"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

// guardWrites refuses a request that changes state when it comes from
// another site (403 cross_site) or does not carry JSON (415
// unsupported_media_type). A page on any site can make its visitors'
// browsers send a form, text/plain or multipart body anywhere without a
// preflight, but not application/json; and browsers mark a cross-site
// request with Sec-Fetch-Site or Origin. Reads (GET, HEAD, OPTIONS) pass.
func (s *Server) guardWrites(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	if u, err := url.Parse(s.base); err == nil && u.Scheme != "" && u.Host != "" {
		// The pages' own origin when a proxy rewrites Host, as for WebSockets.
		_ = cop.AddTrustedOrigin(u.Scheme + "://" + u.Host)
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, session.ErrCrossSite)
	}))
	return cop.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
				s.writeError(w, r, session.ErrMediaType)
				return
			}
		}
		next.ServeHTTP(w, r)
	}))
}
