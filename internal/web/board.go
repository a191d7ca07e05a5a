package web

import (
	"bytes"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/huddle-live/huddle/internal/export"
	"github.com/huddle-live/huddle/internal/session"
)

// boardRoutes adds the exports of board stages: the partnership document in
// each format, and its printable page. All need the host token.
func (s *Server) boardRoutes(r chi.Router) {
	r.Get("/api/rooms/{room}/board.{format}", s.boardExport)
	r.Get("/print/{room}", s.boardPrint)
}

// boardResults finds the room and checks the host token.
func (s *Server) boardResults(w http.ResponseWriter, r *http.Request) *session.BoardResults {
	rm := s.hostRoom(w, r)
	if rm == nil {
		return nil
	}
	res, err := rm.BoardResults(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return nil
	}
	return res
}

// docLang is the document's language: ?lang=, else the room's.
func docLang(r *http.Request, res *session.BoardResults) string {
	if l := r.URL.Query().Get("lang"); l == "en" || l == "ru" {
		return l
	}
	if res.Room.Lang == "en" {
		return "en"
	}
	return "ru"
}

func (s *Server) boardExport(w http.ResponseWriter, r *http.Request) {
	res := s.boardResults(w, r)
	if res == nil {
		return
	}
	l := docLang(r, res)
	format := chi.URLParam(r, "format")
	var buf bytes.Buffer
	var ctype string
	var err error
	switch format {
	case "md":
		ctype = "text/markdown; charset=utf-8"
		err = export.BoardMarkdown(&buf, res, l)
	case "docx":
		ctype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
		err = export.BoardDOCX(&buf, res, l)
	case "csv":
		ctype = "text/csv; charset=utf-8"
		err = export.BoardCSV(&buf, res, l)
	case "json":
		ctype = "application/json; charset=utf-8"
		err = export.BoardJSON(&buf, res)
	default:
		s.writeError(w, r, session.ErrNotFound)
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	download(w, ctype, export.Filename(res.Room.Title, res.Room.Created, format), buf.Bytes())
}

func (s *Server) boardPrint(w http.ResponseWriter, r *http.Request) {
	res := s.boardResults(w, r)
	if res == nil {
		return
	}
	var buf bytes.Buffer
	if err := export.BoardHTML(&buf, res, docLang(r, res)); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}
