package web

import (
	"strings"
	"testing"

	"github.com/huddle-live/huddle/internal/store"
)

// watchView is what the watcher test reads of a host's or screen's view.
type watchView struct {
	Phase    string `json:"phase"`
	Players  int    `json:"players"`
	Watchers int    `json:"watchers"`
	Teams    []struct {
		ID   string `json:"id"`
		Size int    `json:"size"`
	} `json:"teams"`
	Leaderboard struct {
		Players []struct {
			Name string `json:"name"`
		} `json:"players"`
	} `json:"leaderboard"`
}

// TestWatcher: someone without a team follows the room over a WebSocket of
// their own. They get what every phone gets and nothing of a player's own;
// they are not a player (not counted in players, team sizes, answers or
// standings: the question closes when the two players have answered); the
// host and the projector count them; they may send nothing; a reconnect
// gets the room where it stands.
func TestWatcher(t *testing.T) {
	e := startEnvWith(t, store.NewMemory(), gameScenario(t), manyRooms)
	c := createRoom(t, e.url, map[string]any{"scenario": "ws-game", "team_count": 2})
	anna := dial(t, e.url, c.Room, joinRoom(t, e.url, c.Code, "Анна", "t1").Token)
	boris := dial(t, e.url, c.Room, joinRoom(t, e.url, c.Code, "Борис", "t2").Token)
	host := dial(t, e.url, c.Room, c.HostToken)
	screen := dial(t, e.url, c.Room, c.ScreenToken)

	w := dialWatcher(t, e.url, c.Room)
	w.waitFor("the watcher's state", func(cl *client) bool { _, ok := cl.latest["state"]; return ok })
	var welcome struct {
		Role   string `json:"role"`
		Player string `json:"player"`
	}
	w.data("welcome", &welcome)
	if welcome.Role != "watcher" || welcome.Player != "" {
		t.Errorf("the watcher's welcome: %+v", welcome)
	}
	counted := func(who *client, n int) watchView {
		t.Helper()
		var v watchView
		who.waitFor("the watchers' count", func(cl *client) bool {
			var ok bool
			v, ok = latestData[watchView](cl, "view")
			return ok && v.Watchers == n
		})
		return v
	}
	for _, who := range []*client{host, screen} {
		v := counted(who, 1)
		if v.Players != 2 || len(v.Teams) != 2 || v.Teams[0].Size+v.Teams[1].Size != 2 {
			t.Errorf("a watcher counted as a player: %+v", v)
		}
	}

	host.do("start", nil)
	w.waitFor("the question", func(cl *client) bool {
		return strings.Contains(string(cl.latest["state"].Data), `"phase":"question"`)
	})
	// Everything a phone may be refused, a watcher is, before its role is
	// even looked at for the command's data.
	for cmd, data := range map[string]any{
		"answer":     map[string]any{"question": "q1", "options": []string{"b"}},
		"next":       nil,
		"game.pick":  map[string]string{"node": "post", "choice": "call"},
		"board.card": map[string]string{"prompt": "p", "text": "t"},
	} {
		if f := w.reply(w.send(cmd, data)); f.Type != "error" || f.Code != "forbidden" {
			t.Errorf("a watcher's %s: %s %s", cmd, f.Type, f.Code)
		}
	}
	if f := w.reply(w.send("watch.anything", nil)); f.Code != "bad_request" {
		t.Errorf("a watcher's unknown command: %s", f.Code)
	}
	// Both players answer: the question closes, the watcher not waited for.
	anna.do("answer", map[string]any{"question": "q1", "options": []string{"b"}})
	boris.do("answer", map[string]any{"question": "q1", "options": []string{"a"}})
	w.waitFor("the reveal", func(cl *client) bool {
		return strings.Contains(string(cl.latest["state"].Data), `"phase":"reveal"`)
	})
	// Phones (and watchers) get a flush before the host: wait for its reveal.
	var v watchView
	host.waitFor("the host's reveal", func(cl *client) bool {
		var ok bool
		v, ok = latestData[watchView](cl, "view")
		return ok && v.Phase == "reveal"
	})
	if v.Watchers != 1 || len(v.Leaderboard.Players) != 2 {
		t.Errorf("the standings after the answers: %+v", v)
	}
	w.mu.Lock()
	for _, f := range w.all {
		if f.Type == "me" || strings.Contains(string(f.Data), `"me":`) || strings.Contains(string(f.Data), c.HostToken) {
			t.Errorf("a watcher got a player's own view or a token: %s %s", f.Type, f.Data)
		}
		if f.Type == "state" && strings.Contains(string(f.Data), `"phase":"question"`) && strings.Contains(string(f.Data), `"correct"`) {
			t.Errorf("a watcher got the answer of an open question: %s", f.Data)
		}
	}
	w.mu.Unlock()

	// A reload: the socket goes, the count follows; a new one is where
	// the room stands.
	w.close()
	counted(host, 0)
	counted(screen, 0)
	again := dialWatcher(t, e.url, c.Room)
	again.waitFor("the reveal after a reconnect", func(cl *client) bool {
		return strings.Contains(string(cl.latest["state"].Data), `"phase":"reveal"`)
	})
	counted(host, 1)
}
