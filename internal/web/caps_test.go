package web

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/huddle-live/huddle/internal/room"
	"github.com/huddle-live/huddle/internal/session"
	"github.com/huddle-live/huddle/internal/store"
)

// TestRoomAndPlayerCaps: past -max-rooms a new room is refused with 503
// too_many_rooms and a sentence in the asker's language; past -max-players
// a join is refused with 403 room_full, also over the join page's API.
// The rooms already there go on.
func TestRoomAndPlayerCaps(t *testing.T) {
	e := startEnvHub(t, store.NewMemory(), gameScenario(t), func(h *room.HubConfig) {
		h.MaxRooms, h.MaxPlayers = 3, 5
	}, nil, "")
	var rooms []created
	for range 3 {
		rooms = append(rooms, createRoom(t, e.url, map[string]any{"scenario": "ws-game"}))
	}
	for _, lang := range []string{"ru", "en"} {
		var body struct{ Error, Message string }
		status := postJSONAs(t, testSession(t, e.url), e.url+"/api/rooms?lang="+lang, map[string]any{"scenario": "ws-game"}, &body)
		if status != http.StatusServiceUnavailable || body.Error != string(session.CodeTooManyRooms) || body.Message != session.CodeTooManyRooms.Message(lang) {
			t.Fatalf("room over the cap (%s): %d %+v", lang, status, body)
		}
	}

	c := rooms[0]
	for i := range 5 {
		joinRoom(t, e.url, c.Code, fmt.Sprintf("Игрок %d", i), "")
	}
	var body struct{ Error, Message string }
	if status := postJSON(t, e.url+"/api/join", map[string]any{"code": c.Code, "name": "Шестой"}, &body); status != http.StatusForbidden ||
		body.Error != string(session.CodeRoomFull) || body.Message != session.CodeRoomFull.Message("ru") {
		t.Fatalf("sixth player in a room of five: %d %+v", status, body)
	}
	// Another room still takes players, and the full one still plays.
	joinRoom(t, e.url, rooms[1].Code, "Шестой", "")
	host := dial(t, e.url, c.Room, c.HostToken)
	host.do("start", nil)
}
