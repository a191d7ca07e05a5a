package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRoomCapAcrossRestart runs the binary with a small -max-rooms and a
// short -unjoined-ttl: rooms past the cap are refused with too_many_rooms;
// after a restart that comes later than the TTL, the rooms nobody joined
// are deleted instead of loaded, the joined one comes back, and there is
// room for new rooms again.
func TestRoomCapAcrossRestart(t *testing.T) {
	const maxRooms = 30
	in := newInstance(t, fmt.Sprintf("HUDDLE_MAX_ROOMS=%d", maxRooms), "HUDDLE_UNJOINED_TTL=2s", "HUDDLE_ROOMS_PER_MINUTE=1000")
	p := in.start()
	var rooms []createdRoom
	for range maxRooms {
		var c createdRoom
		if code := p.createRoom(t, map[string]any{"scenario": "process"}, &c); code != http.StatusCreated {
			t.Fatalf("create room %d: %d", len(rooms)+1, code)
		}
		rooms = append(rooms, c)
	}
	var refused struct{ Error, Message string }
	if code := postJSONAs(t, p.session, p.base+"/api/rooms?lang=en", map[string]any{"scenario": "process"}, &refused); code != http.StatusServiceUnavailable ||
		refused.Error != "too_many_rooms" || !strings.Contains(refused.Message, "as many rooms") {
		t.Fatalf("room over the cap: %d %+v", code, refused)
	}
	var j joinedPlayer
	if code := postJSON(t, p.base+"/api/join", map[string]any{"code": rooms[0].Code, "name": "Анна"}, &j); code != http.StatusCreated {
		t.Fatalf("join: %d", code)
	}
	if _, err := p.term(15 * time.Second); err != nil {
		t.Fatalf("SIGTERM: %v\n%s", err, p.output())
	}
	if out := p.output(); strings.Contains(out, "abandoned") {
		t.Errorf("the shutdown abandoned store writes:\n%s", out)
	}

	time.Sleep(2500 * time.Millisecond) // the server is down longer than the unjoined TTL
	p = in.start()
	out := p.output()
	if !strings.Contains(out, "rooms_restored=1") || !strings.Contains(out, fmt.Sprintf("rooms expired while the server was down, deleted\" rooms=%d", maxRooms-1)) {
		t.Errorf("restart log:\n%s", out)
	}
	status := func(code string) int {
		resp, err := http.Get(p.base + "/api/join/" + code)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := status(rooms[0].Code); s != http.StatusOK {
		t.Errorf("the joined room after the restart: %d", s)
	}
	for _, c := range rooms[1:] {
		if s := status(c.Code); s != http.StatusNotFound {
			t.Errorf("a room nobody joined is back after its TTL: %d", s)
		}
	}
	var c createdRoom
	if code := p.createRoom(t, map[string]any{"scenario": "process"}, &c); code != http.StatusCreated {
		t.Fatalf("create after the unjoined rooms went: %d", code)
	}
}
