package web

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/huddle-live/huddle/internal/session"
	"github.com/huddle-live/huddle/internal/store"
)

// TestAuditLog: the host gets the room's stored events (joins, answers, host
// actions, kicks) in order; nobody else gets them, and no token or token
// hash is ever in them.
func TestAuditLog(t *testing.T) {
	e := startEnv(t, store.NewMemory(), gameScenario(t))
	g := newGame(t, e.url, 3, 2)
	g.host.do("start", nil)
	g.waitPhones("question", "q1")
	g.phones[0].cl.do("answer", map[string]any{"question": "q1", "options": []string{"b"}})
	g.host.do("kick", map[string]any{"player": g.phones[2].joined.Player})

	get := func(token string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, e.url+"/api/rooms/"+g.room.Room+"/audit.json", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, tok := range []string{"", g.room.ScreenToken, g.phones[0].joined.Token} {
		if code, _ := get(tok); code != http.StatusUnauthorized {
			t.Errorf("audit with token %.4q…: status %d, want 401", tok, code)
		}
	}
	code, body := get(g.room.HostToken)
	if code != http.StatusOK {
		t.Fatalf("audit: %d %s", code, body)
	}
	var audit struct {
		Events []struct {
			Seq  uint64         `json:"seq"`
			Type string         `json:"type"`
			Data map[string]any `json:"data"`
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(body), &audit); err != nil {
		t.Fatal(err)
	}
	var types []string
	for i, ev := range audit.Events {
		if ev.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d", i, ev.Seq)
		}
		types = append(types, ev.Type)
	}
	if got := strings.Join(types, ","); got != "created,joined,joined,joined,started,answered,kicked" {
		t.Errorf("events %s", got)
	}
	secrets := []string{g.room.HostToken, g.room.ScreenToken, session.HashToken(g.room.HostToken), session.HashToken(g.room.ScreenToken), "_hash"}
	for _, p := range g.phones {
		secrets = append(secrets, p.joined.Token, session.HashToken(p.joined.Token))
	}
	for _, s := range secrets {
		if strings.Contains(body, s) {
			t.Fatalf("the audit log contains %q", s)
		}
	}
}
