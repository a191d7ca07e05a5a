package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/huddle-live/huddle/internal/export"
	"github.com/huddle-live/huddle/internal/room"
	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/session"
)

type stageSummary struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	Title     string `json:"title,omitempty"`
	Questions int    `json:"questions"`
	Cases     int    `json:"cases,omitempty"` // a game stage's cases
}

type scenarioSummary struct {
	ID          string         `json:"id"`
	Title       string         `json:"title"`
	Language    string         `json:"language"`
	Description string         `json:"description,omitempty"`
	TeamMode    string         `json:"team_mode"`
	Stages      []stageSummary `json:"stages"`
}

func (s *Server) listScenarios(w http.ResponseWriter, r *http.Request) {
	out := []scenarioSummary{}
	for _, sc := range s.order {
		sum := scenarioSummary{ID: sc.ID, Title: sc.Title, Language: sc.Language, Description: sc.Description}
		for _, st := range sc.Stages {
			ss := stageSummary{ID: st.ID, Kind: string(st.Kind), Title: st.Title}
			if st.Game != nil {
				ss.Cases = len(st.Game.Cases)
			}
			if st.Quiz != nil {
				ss.Questions = len(st.Quiz.Questions)
				if sum.TeamMode == "" {
					sum.TeamMode = string(st.Quiz.TeamMode)
				}
			}
			sum.Stages = append(sum.Stages, ss)
		}
		if sum.TeamMode == "" {
			sum.TeamMode = string(scenario.TeamAverage)
		}
		out = append(out, sum)
	}
	writeJSON(w, http.StatusOK, out)
}

type createRequest struct {
	Scenario  string   `json:"scenario"`
	TeamMode  string   `json:"team_mode"`
	Teams     []string `json:"teams"`
	TeamCount int      `json:"team_count"`
	Lang      string   `json:"lang"`
	Relaxed   bool     `json:"relaxed"` // no speed points, longer questions
}

type createResponse struct {
	Room        string `json:"room"`
	Code        string `json:"code"`
	HostToken   string `json:"host_token"`
	ScreenToken string `json:"screen_token"`
	JoinURL     string `json:"join_url"`
	HostURL     string `json:"host_url"`
	ScreenURL   string `json:"screen_url"`
}

func (s *Server) createRoom(w http.ResponseWriter, r *http.Request) {
	var req createRequest
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	sc := s.scenarios[req.Scenario]
	if sc == nil {
		s.writeError(w, r, session.ErrNotFound)
		return
	}
	if req.Lang != "" && req.Lang != "ru" && req.Lang != "en" {
		s.writeError(w, r, session.ErrBadRequest)
		return
	}
	// Each room is a goroutine and its memory until it expires: one client
	// may create only a few a minute.
	if !s.rooms.allow(s.clientKey(r)) {
		s.writeError(w, r, session.ErrRoomsPerClient)
		return
	}
	c, err := s.hub.Create(r.Context(), sc, room.CreateOptions{
		TeamMode: scenario.TeamMode(req.TeamMode), Teams: req.Teams, TeamCount: req.TeamCount, Lang: req.Lang,
		Relaxed: req.Relaxed,
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.recordRoom(r, facilitatorOf(r), c, sc, req); err != nil {
		_ = s.hub.Delete(r.Context(), c.Room.ID()) // a room nobody could find again
		s.writeError(w, r, err)
		return
	}
	id, code := c.Room.ID(), c.Room.Code()
	writeJSON(w, http.StatusCreated, createResponse{
		Room: id, Code: code, HostToken: c.HostToken, ScreenToken: c.ScreenToken,
		JoinURL:   s.base + "/j/" + code,
		HostURL:   s.base + "/host/" + id + "#h=" + c.HostToken,
		ScreenURL: s.base + "/screen/" + id + "#s=" + c.ScreenToken,
	})
}

// byCode finds a room by join code. Failed look-ups are limited per client
// IP, so that codes cannot be guessed by trying them all.
func (s *Server) byCode(w http.ResponseWriter, r *http.Request, code string) room.Handle {
	ip := s.clientKey(r)
	if !s.lookups.ok(ip) {
		s.writeError(w, r, session.ErrRateLimited)
		return nil
	}
	rm, err := s.hub.HandleByCode(strings.TrimSpace(code))
	if err != nil { // another process may run the room: come back, not "no such room"
		s.writeError(w, r, err)
		return nil
	}
	if rm == nil {
		s.lookups.take(ip)
		s.writeError(w, r, session.ErrNotFound)
	}
	return rm
}

func (s *Server) joinInfo(w http.ResponseWriter, r *http.Request) {
	rm := s.byCode(w, r, chi.URLParam(r, "code"))
	if rm == nil {
		return
	}
	writeJSON(w, http.StatusOK, rm.Info())
}

type joinRequest struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Team   string `json:"team"`
	Sector string `json:"sector"` // "state", "ngo" or "": only asked when the scenario has a board
	Device string `json:"device"` // the phone's own random id, kept across joins; optional
}

func (s *Server) join(w http.ResponseWriter, r *http.Request) {
	var req joinRequest
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.joins.allow(s.clientKey(r)) {
		s.writeError(w, r, session.ErrRateLimited)
		return
	}
	rm := s.byCode(w, r, req.Code)
	if rm == nil {
		return
	}
	j, err := rm.JoinAs(r.Context(), room.JoinRequest{Name: req.Name, Team: req.Team, Sector: req.Sector, Device: req.Device})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, j)
}

func (s *Server) qr(w http.ResponseWriter, r *http.Request) {
	rm, err := s.hub.Lookup(chi.URLParam(r, "room"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if rm == nil {
		s.writeError(w, r, session.ErrNotFound)
		return
	}
	png, err := qrcode.Encode(s.base+"/j/"+rm.Code(), qrcode.Medium, 512)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	_, _ = w.Write(png)
}

// hostToken takes the host token from the Authorization header or, for
// download links, the query.
func hostToken(r *http.Request) string {
	if t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return t
	}
	return r.URL.Query().Get("token")
}

// hostRoom finds the request's room and checks its host token; it answers
// the request itself and returns nil when either fails.
func (s *Server) hostRoom(w http.ResponseWriter, r *http.Request) room.Handle {
	rm, err := s.hub.Lookup(chi.URLParam(r, "room"))
	if err != nil {
		s.writeError(w, r, err)
		return nil
	}
	if rm == nil {
		s.writeError(w, r, session.ErrNotFound)
		return nil
	}
	if !rm.IsHost(hostToken(r)) {
		// The room's signed-in facilitators may do without the token.
		if _, ok := s.runs(r, rm.ID()); !ok {
			s.writeError(w, r, session.ErrUnauthorized)
			return nil
		}
	}
	return rm
}

// download answers with a file to save: its type, name and bytes, never cached.
func download(w http.ResponseWriter, ctype string, name export.FileName, body []byte) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", contentDisposition(name))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(body)
}

// contentDisposition names an attachment as RFC 6266 says: an ASCII
// filename for every browser, and the real one, UTF-8 percent-encoded
// (RFC 8187), as filename*, which browsers prefer.
func contentDisposition(name export.FileName) string {
	var b strings.Builder
	b.WriteString(`attachment; filename="`)
	for _, r := range name.ASCII {
		if r < 0x20 || r >= 0x7f || r == '"' || r == '\\' {
			r = '_'
		}
		b.WriteRune(r)
	}
	b.WriteString(`"; filename*=UTF-8''`)
	const hex = "0123456789ABCDEF"
	for _, c := range []byte(name.UTF8) {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// audit serves a room's event log, for the host only.
func (s *Server) audit(w http.ResponseWriter, r *http.Request) {
	rm := s.hostRoom(w, r)
	if rm == nil {
		return
	}
	entries, err := rm.Audit(r.Context())
	if err != nil {
		s.log.Error("audit", "room", rm.ID(), "err", err)
		s.writeError(w, r, session.ErrStopped)
		return
	}
	body, err := json.Marshal(map[string]any{"room": rm.ID(), "events": entries})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	name := "huddle-audit-" + rm.Code() + ".json"
	download(w, "application/json; charset=utf-8", export.FileName{UTF8: name, ASCII: name}, body)
}

// resultsLang is the language of a results file: ?lang=, else the room's,
// whatever the browser that downloads it prefers.
func resultsLang(r *http.Request, res *session.Results) string {
	if l := r.URL.Query().Get("lang"); l == "en" || l == "ru" {
		return l
	}
	if res.Room.Lang == "en" {
		return "en"
	}
	return "ru"
}

func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	rm := s.hostRoom(w, r)
	if rm == nil {
		return
	}
	res, err := rm.Results(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	format := chi.URLParam(r, "format")
	l := resultsLang(r, res)
	var buf bytes.Buffer
	var ctype string
	switch format {
	case "csv":
		ctype = "text/csv; charset=utf-8"
		err = export.CSV(&buf, res, l)
	case "xlsx":
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		err = export.XLSX(&buf, res, l)
	case "json":
		ctype = "application/json; charset=utf-8"
		err = export.JSON(&buf, res)
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
