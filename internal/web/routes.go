package web

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// routes lists every route the server answers.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.recoverer, s.logRequests, securityHeaders, s.guardWrites)

	r.Get("/healthz", s.healthz)

	r.Get("/api/scenarios", s.listScenarios)
	r.With(s.signedIn).Post("/api/rooms", s.createRoom)
	r.Get("/api/join/{code}", s.joinInfo)
	r.Post("/api/join", s.join)
	r.Get("/api/rooms/{room}/qr.png", s.qr)
	r.Get("/api/rooms/{room}/export.{format}", s.export)
	s.boardRoutes(r)
	r.Get("/api/rooms/{room}/audit.json", s.audit)

	// GET /ws/{room}: the WebSocket upgrade, taken before the router (ServeHTTP).

	r.Get("/", s.pageFor("index.html"))
	r.Get("/screen/{room}", s.page("screen.html"))
	r.Get("/host/{room}", s.page("host.html"))
	r.Get("/play", s.page("play.html"))
	r.Get("/j/{code}", s.page("play.html"))
	r.Handle("/static/*", http.StripPrefix("/static/", http.FileServerFS(s.static)))
	r.Get("/media/*", s.serveMedia)
	s.accountRoutes(r)
	return r
}
