package web

import (
	"cmp"
	"errors"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/huddle-live/huddle/internal/account"
	"github.com/huddle-live/huddle/internal/room"
	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/session"
)

// Room statuses in a facilitator's list.
const (
	statusRunning  = "running"
	statusFinished = "finished"
	statusExpired  = "expired" // the hub no longer has the room; its record stays
)

type person struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Login string `json:"login"`
}

// myRoom is a room in "my rooms". It carries no token: the pages open a
// room through the facilitator's session.
type myRoom struct {
	Room     string          `json:"room"`
	Code     string          `json:"code"`
	Title    string          `json:"title"`
	Scenario string          `json:"scenario"`
	Created  time.Time       `json:"created"`
	Owner    person          `json:"owner"`
	Mine     bool            `json:"mine"` // the caller owns it
	Co       []person        `json:"co"`
	Status   string          `json:"status"`
	Phase    string          `json:"phase,omitempty"`
	Players  int             `json:"players"`
	Board    bool            `json:"board,omitempty"` // has a board stage: board exports
	Again    bool            `json:"again"`           // its scenario is still on the server
	Options  account.Options `json:"options"`
}

// people looks up names by account id, once per request.
type people struct {
	s     *Server
	r     *http.Request
	known map[string]person
}

func (p *people) get(id string) person {
	if v, ok := p.known[id]; ok {
		return v
	}
	v := person{ID: id}
	if a, err := p.s.accounts.Get(p.r.Context(), id); err == nil {
		v.Name, v.Login = a.Name, a.Login
	}
	p.known[id] = v
	return v
}

func (s *Server) describe(r *http.Request, rec account.Room, viewer string, ppl *people) myRoom {
	out := myRoom{Room: rec.ID, Code: rec.Code, Title: rec.Title, Scenario: rec.Scenario, Created: rec.Created,
		Owner: ppl.get(rec.Owner), Mine: rec.Owner == viewer, Co: []person{}, Status: statusExpired, Options: rec.Options}
	for _, c := range rec.Co {
		out.Co = append(out.Co, ppl.get(c))
	}
	if sc := s.scenarios[rec.Scenario]; sc != nil {
		out.Again = true
		out.Board = session.HasBoard(sc)
	}
	if rm := s.hub.Handle(rec.ID); rm != nil {
		if sum, err := rm.Summary(r.Context()); err == nil {
			out.Status, out.Phase, out.Players = statusRunning, sum.Phase, sum.Players
			if sum.Finished {
				out.Status = statusFinished
			}
		}
	}
	return out
}

func (s *Server) myRooms(w http.ResponseWriter, r *http.Request) {
	f := facilitatorOf(r)
	recs, err := s.accounts.Rooms(r.Context(), f.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ppl := &people{s: s, r: r, known: map[string]person{}}
	out := make([]myRoom, 0, len(recs))
	for _, rec := range recs {
		out = append(out, s.describe(r, rec, f.ID, ppl))
	}
	writeJSON(w, http.StatusOK, out)
}

// recordRoom adds a room just created to its facilitator's list.
func (s *Server) recordRoom(r *http.Request, f signedInFacilitator, c *room.Created, sc *scenario.Scenario, req createRequest) error {
	return s.accounts.AddRoom(r.Context(), account.Room{
		ID: c.Room.ID(), Code: c.Room.Code(), Title: sc.Title, Scenario: sc.ID, Created: time.Now().UTC(), Owner: f.ID,
		Options: account.Options{TeamMode: req.TeamMode, Teams: req.Teams, TeamCount: req.TeamCount, Lang: req.Lang},
	})
}

// deleteRoom stops the owner's room at once, removes it from the store and
// from every list.
func (s *Server) deleteRoom(w http.ResponseWriter, r *http.Request) {
	f, id := facilitatorOf(r), chi.URLParam(r, "room")
	rec, err := s.accounts.RoomOf(r.Context(), id, f.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if rec.Owner != f.ID {
		s.writeError(w, r, account.ErrOwnerOnly)
		return
	}
	if err := s.hub.Delete(r.Context(), id); err != nil && !errors.Is(err, session.ErrNotFound) {
		s.writeError(w, r, err)
		return
	}
	if _, err := s.accounts.DeleteRoom(r.Context(), id, f.ID); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type coRequest struct {
	Login string `json:"login"`
}

func (s *Server) addCo(w http.ResponseWriter, r *http.Request) {
	var req coRequest
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	f := facilitatorOf(r)
	rec, err := s.accounts.AddCo(r.Context(), chi.URLParam(r, "room"), f.ID, req.Login)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.describe(r, rec, f.ID, &people{s: s, r: r, known: map[string]person{}}))
}

func (s *Server) removeCo(w http.ResponseWriter, r *http.Request) {
	f, id, co := facilitatorOf(r), chi.URLParam(r, "room"), chi.URLParam(r, "account")
	rec, err := s.accounts.RemoveCo(r.Context(), id, f.ID, co)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// The remote and projector the co-facilitator opened as such close.
	s.sessionSockets.close(func(c sessionSocket) bool { return c.account == co && c.room == id })
	writeJSON(w, http.StatusOK, s.describe(r, rec, f.ID, &people{s: s, r: r, known: map[string]person{}}))
}

type linksRequest struct {
	Host   bool `json:"host"`
	Screen bool `json:"screen"`
}

type linksResponse struct {
	HostToken   string `json:"host_token,omitempty"`
	ScreenToken string `json:"screen_token,omitempty"`
	HostURL     string `json:"host_url,omitempty"`
	ScreenURL   string `json:"screen_url,omitempty"`
}

// reissueLinks revokes a room's host link, screen link or both and answers
// the new ones: the facilitator asked for them, on their own screen.
func (s *Server) reissueLinks(w http.ResponseWriter, r *http.Request) {
	var req linksRequest
	if err := decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	f, id := facilitatorOf(r), chi.URLParam(r, "room")
	if _, err := s.accounts.RoomOf(r.Context(), id, f.ID); err != nil {
		s.writeError(w, r, err)
		return
	}
	rm, err := s.hub.Lookup(id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if rm == nil {
		s.writeError(w, r, session.ErrGone)
		return
	}
	l, err := rm.Reissue(r.Context(), req.Host, req.Screen)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := linksResponse{HostToken: l.HostToken, ScreenToken: l.ScreenToken}
	if l.HostToken != "" {
		out.HostURL = s.base + "/host/" + id + "#h=" + l.HostToken
	}
	if l.ScreenToken != "" {
		out.ScreenURL = s.base + "/screen/" + id + "#s=" + l.ScreenToken
	}
	writeJSON(w, http.StatusOK, out)
}

// remoteQR answers the QR code of a room's remote (/host/{room}) to the
// room's owner and co-facilitators: scanned with their own phone, it opens
// the remote, which asks them to sign in. It carries no token, yet it is
// theirs alone, only from the room's own site, and never cached: the
// projector never shows it.
func (s *Server) remoteQR(w http.ResponseWriter, r *http.Request) {
	if s.crossSite(r) {
		s.writeError(w, r, session.ErrCrossSite)
		return
	}
	f, id := facilitatorOf(r), chi.URLParam(r, "room")
	if _, err := s.accounts.RoomOf(r.Context(), id, f.ID); err != nil {
		s.writeError(w, r, err)
		return
	}
	if rm, err := s.hub.Lookup(id); err != nil || rm == nil {
		s.writeError(w, r, cmp.Or(err, session.ErrGone))
		return
	}
	png, err := qrcode.Encode(s.base+"/host/"+id, qrcode.Medium, 512)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(png)
}
