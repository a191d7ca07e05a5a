package web

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/huddle-live/huddle/internal/account"
)

// accountRoutes adds the facilitators' routes: signing in and out, the setup
// link and invitations, and "my rooms". Every state-changing one takes JSON
// only and refuses cross-site requests.
func (s *Server) accountRoutes(r chi.Router) {
	r.Get("/signin", s.page("signin.html"))
	r.Get("/setup", s.page("setup.html"))
	r.Get("/invite", s.page("setup.html"))
	r.Get("/rooms", s.pageFor("rooms.html"))

	r.Post("/api/account/signin", s.signIn)
	r.Post("/api/account/register", s.register)
	r.With(s.signedIn).Get("/api/account", s.me)
	g := r.With(s.signedIn)
	g.Post("/api/account/signout", s.signOut)
	g.Post("/api/account/signout-everywhere", s.signOutEverywhere)
	g.Post("/api/account/invitations", s.invite)
	r.With(s.signedIn).Get("/api/account/rooms", s.myRooms)
	g.Delete("/api/account/rooms/{room}", s.deleteRoom)
	g.Post("/api/account/rooms/{room}/co", s.addCo)
	g.Delete("/api/account/rooms/{room}/co/{account}", s.removeCo)
	g.Post("/api/account/rooms/{room}/links", s.reissueLinks)
	g.Get("/api/account/rooms/{room}/remote.png", s.remoteQR)
}

type meResponse struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Login   string    `json:"login"`
	Expires time.Time `json:"expires,omitzero"` // the session's end
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	f := facilitatorOf(r)
	writeJSON(w, http.StatusOK, meResponse{ID: f.ID, Name: f.Name, Login: f.Login, Expires: f.session.Expires})
}

// startSession signs the account in on this browser. A session the browser
// already had is ended first: a token planted before sign-in never becomes
// a signed-in one.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, a account.Account, status int) {
	if old := sessionToken(r); old != "" {
		if err := s.accounts.SignOut(r.Context(), old); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	token, sess, err := s.accounts.StartSession(r.Context(), a.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.setSession(w, r, token, sess.Expires)
	writeJSON(w, status, meResponse{ID: a.ID, Name: a.Name, Login: a.Login, Expires: sess.Expires})
}

type signInRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request) {
	var req signInRequest
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.accounts.SignIn(r.Context(), req.Login, req.Password, clientIP(r, s.proxies))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.startSession(w, r, a, http.StatusOK)
}

type registerRequest struct {
	Token string `json:"token"`
	account.NewAccount
}

// register creates an account from the setup link or an invitation and
// signs it in.
func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	var req registerRequest
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.accounts.Register(r.Context(), req.Token, req.NewAccount)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.startSession(w, r, a, http.StatusCreated)
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	f := facilitatorOf(r)
	if err := s.accounts.SignOut(r.Context(), f.token); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.sessionSockets.close(func(c sessionSocket) bool { return c.session == f.session.Hash })
	s.clearSession(w, r)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) signOutEverywhere(w http.ResponseWriter, r *http.Request) {
	f := facilitatorOf(r)
	if err := s.accounts.SignOutEverywhere(r.Context(), f.ID); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.sessionSockets.close(func(c sessionSocket) bool { return c.account == f.ID })
	s.clearSession(w, r)
	w.WriteHeader(http.StatusNoContent)
}

type inviteResponse struct {
	URL     string    `json:"url"`
	Expires time.Time `json:"expires"`
}

func (s *Server) invite(w http.ResponseWriter, r *http.Request) {
	token, expires, err := s.accounts.Invite(r.Context(), facilitatorOf(r).ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The token travels in the fragment: never in a request line, a log or
	// a Referer.
	writeJSON(w, http.StatusCreated, inviteResponse{URL: s.base + "/invite#" + token, Expires: expires})
}
