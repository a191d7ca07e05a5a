package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/huddle-live/huddle/internal/account"
	"github.com/huddle-live/huddle/internal/session"
)

// sessionCookie carries a facilitator's session token. The server keeps
// only its hash.
const sessionCookie = "huddle_session"

// crossSite reports whether a browser sent the request from another site.
func (s *Server) crossSite(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return false
	case "":
	default: // same-site, cross-site
		return true
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return true
	}
	if strings.EqualFold(u.Host, r.Host) {
		return false
	}
	for _, h := range s.origins {
		if strings.EqualFold(u.Host, h) {
			return false
		}
	}
	return true
}

// https reports whether the client reached us over https: directly, or
// through a trusted proxy that says so in X-Forwarded-Proto.
func (s *Server) https(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	for _, p := range s.proxies {
		if p.Contains(addr.Unmap()) {
			proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
			return strings.EqualFold(strings.TrimSpace(proto), "https")
		}
	}
	return false
}

func (s *Server) setSession(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", Expires: expires, MaxAge: int(time.Until(expires).Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.https(r),
	})
}

func (s *Server) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.https(r)})
}

func sessionToken(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// signedInFacilitator is a request's facilitator, found by its cookie.
type signedInFacilitator struct {
	account.Account
	session account.Session
	token   string
}

type facilitatorKey struct{}

// resolve finds the request's facilitator; ok is false when signed out.
func (s *Server) resolve(r *http.Request) (signedInFacilitator, bool, error) {
	token := sessionToken(r)
	if token == "" {
		return signedInFacilitator{}, false, nil
	}
	a, sess, err := s.accounts.Resolve(r.Context(), token)
	if errors.Is(err, account.ErrSignedOut) {
		return signedInFacilitator{}, false, nil
	}
	if err != nil {
		return signedInFacilitator{}, false, err
	}
	return signedInFacilitator{Account: a, session: sess, token: token}, true, nil
}

// signedIn lets only a signed-in facilitator's requests through, with the
// facilitator in the request's context.
func (s *Server) signedIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok, err := s.resolve(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if !ok {
			s.writeError(w, r, account.ErrSignedOut)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), facilitatorKey{}, f)))
	})
}

// facilitatorOf returns the facilitator signedIn found.
func facilitatorOf(r *http.Request) signedInFacilitator {
	f, _ := r.Context().Value(facilitatorKey{}).(signedInFacilitator)
	return f
}

// runs reports whether the request's facilitator owns or co-facilitates the
// room: such a facilitator may do what the host token allows. Cross-site
// requests never count, even those a browser sends with the cookie.
func (s *Server) runs(r *http.Request, roomID string) (signedInFacilitator, bool) {
	if s.crossSite(r) {
		return signedInFacilitator{}, false
	}
	f, ok, err := s.resolve(r)
	if err != nil || !ok {
		return signedInFacilitator{}, false
	}
	if _, err := s.accounts.RoomOf(r.Context(), roomID, f.ID); err != nil {
		return signedInFacilitator{}, false
	}
	return f, true
}

// runsSession is runs for a WebSocket's hello, which comes after the
// upgrade: session is the cookie's token, "" when the request had none or
// came from another site.
func (s *Server) runsSession(session, roomID string) (signedInFacilitator, bool) {
	if session == "" {
		return signedInFacilitator{}, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a, sess, err := s.accounts.Resolve(ctx, session)
	if err != nil {
		return signedInFacilitator{}, false
	}
	if _, err := s.accounts.RoomOf(ctx, roomID, a.ID); err != nil {
		return signedInFacilitator{}, false
	}
	return signedInFacilitator{Account: a, session: sess, token: session}, true
}

// pageFor serves a page only to a signed-in facilitator; others are sent to
// the sign-in page, which brings them back.
func (s *Server) pageFor(name string) http.HandlerFunc {
	serve := s.page(name)
	return func(w http.ResponseWriter, r *http.Request) {
		if _, ok, err := s.resolve(r); err != nil || !ok {
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
			return
		}
		serve(w, r)
	}
}

// noServer builds frames that need nothing of a server.
var noServer *Server

// sessionSockets are the WebSockets opened by a signed-in facilitator
// rather than a token: signing out, everywhere or there, closes them, and
// so does losing a room's co-facilitation.
type sessionSockets struct {
	mu sync.Mutex
	m  map[*wsConn]sessionSocket
}

type sessionSocket struct {
	session, account, room, lang string
}

func (ss *sessionSockets) add(c *wsConn, info sessionSocket) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.m == nil {
		ss.m = map[*wsConn]sessionSocket{}
	}
	ss.m[c] = info
}

func (ss *sessionSockets) remove(c *wsConn) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.m, c)
}

// close closes every socket that match picks.
func (ss *sessionSockets) close(match func(sessionSocket) bool) {
	ss.mu.Lock()
	out := map[*wsConn]string{}
	for c, info := range ss.m {
		if match(info) {
			out[c] = info.lang
		}
	}
	ss.mu.Unlock()
	for c, lang := range out {
		c.Send(noServer.wsReply("", session.ErrUnauthorized, lang))
		c.Close(int(websocket.StatusPolicyViolation), "signed out")
	}
}
