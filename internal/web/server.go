// Package web is huddle's HTTP and WebSocket front: routes, JSON handlers,
// the pages, and one reader and one writer goroutine per WebSocket.
package web

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/huddle-live/huddle/internal/account"
	"github.com/huddle-live/huddle/internal/room"
	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/store"
)

// Config is what a Server needs.
type Config struct {
	Hub       *room.Hub
	Scenarios []*scenario.Scenario
	Static    fs.FS  // the pages and their assets
	Media     fs.FS  // the scenarios directory: question images; may be nil
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
	LookupsPerMinute, LookupBurst   int // failed join-code look-ups per client IP
	JoinsPerMinute, JoinBurst       int // joins per client IP
	MessagesPerMinute, MessageBurst int // frames per player token
	CommandsPerMinute, CommandBurst int // frames per host or screen token
	ConnsPerToken                   int // open sockets per token
	// PingEvery is how often an idle socket is pinged; a peer that does not
	// answer within PongTimeout is cut and its phone counts as offline.
	PingEvery, PongTimeout time.Duration
	// HelloTimeout is how long a new socket may stay silent before its
	// hello; then it is closed with 1008.
	HelloTimeout time.Duration
}

// DefaultLimits are generous enough for a venue of a few hundred phones
// behind one NAT address.
var DefaultLimits = Limits{
	LookupsPerMinute: 60, LookupBurst: 60,
	JoinsPerMinute: 600, JoinBurst: 300,
	MessagesPerMinute: 120, MessageBurst: 30,
	CommandsPerMinute: 600, CommandBurst: 60,
	ConnsPerToken: 8,
	PingEvery:     25 * time.Second, // also keeps NATs and proxies from dropping idle sockets
	PongTimeout:   20 * time.Second,
	HelloTimeout:  10 * time.Second,
}

func (l Limits) orDefault() Limits {
	d := DefaultLimits
	pick := func(v, def int) int {
		if v > 0 {
			return v
		}
		return def
	}
	return Limits{
		pick(l.LookupsPerMinute, d.LookupsPerMinute), pick(l.LookupBurst, d.LookupBurst),
		pick(l.JoinsPerMinute, d.JoinsPerMinute), pick(l.JoinBurst, d.JoinBurst),
		pick(l.MessagesPerMinute, d.MessagesPerMinute), pick(l.MessageBurst, d.MessageBurst),
		pick(l.CommandsPerMinute, d.CommandsPerMinute), pick(l.CommandBurst, d.CommandBurst),
		pick(l.ConnsPerToken, d.ConnsPerToken),
		cmp.Or(l.PingEvery, d.PingEvery), cmp.Or(l.PongTimeout, d.PongTimeout),
		cmp.Or(l.HelloTimeout, d.HelloTimeout),
	}
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
	closing   bool           // Wait has begun: no new sockets
	sockets   sync.WaitGroup // one per open WebSocket
	origins   []string       // hosts allowed to open WebSockets besides the request's own
	proxies   []netip.Prefix

	lookups  *limiter // failed join-code look-ups per client IP
	joins    *limiter // joins per client IP
	messages *limiter // frames per player token
	commands *limiter // frames per host or screen token
	conns    counter  // open sockets per token
	ping     time.Duration
	pong     time.Duration
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
		lookups:   newLimiter(lim.LookupsPerMinute, lim.LookupBurst),
		joins:     newLimiter(lim.JoinsPerMinute, lim.JoinBurst),
		messages:  newLimiter(lim.MessagesPerMinute, lim.MessageBurst),
		commands:  newLimiter(lim.CommandsPerMinute, lim.CommandBurst),
		conns:     counter{limit: lim.ConnsPerToken, n: map[string]int{}},
		ping:      lim.PingEvery,
		pong:      lim.PongTimeout,
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

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Wait refuses new WebSockets and blocks until every open one's handler has
// returned. Call it after the hub has shut down (which closes the sockets).
func (s *Server) Wait() {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	s.sockets.Wait()
}

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
// else from it.
func (s *Server) serveMedia(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "*")
	if s.media == nil || !fs.ValidPath(name) || !imageTypes[strings.ToLower(path.Ext(name))] {
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

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type apiError struct {
	Error   room.Code `json:"error"`
	Message string    `json:"message"`
}

// writeError answers with the protocol code of err, the code's HTTP status
// and a sentence in the request's language, all from room's error table.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := room.ErrorCode(err)
	if c := accountCode(err); c != "" {
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
		return fmt.Errorf("%w: %v", room.ErrBadRequest, err)
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
