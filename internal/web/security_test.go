package web

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/huddle-live/huddle/internal/store"
)

func TestClientIP(t *testing.T) {
	proxies, err := ParseProxies("127.0.0.1, 10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, remote, xff, want string
	}{
		{"direct client, header ignored", "203.0.113.5:1234", "1.2.3.4", "203.0.113.5"},
		{"through a trusted proxy", "127.0.0.1:999", "198.51.100.7", "198.51.100.7"},
		{"chain of trusted proxies", "10.0.0.2:80", "198.51.100.7, 10.1.1.1", "198.51.100.7"},
		{"spoofed hop before the client", "10.0.0.2:80", "6.6.6.6, 198.51.100.7", "198.51.100.7"},
		{"garbage header", "127.0.0.1:999", "not-an-ip", "127.0.0.1"},
		{"no header", "127.0.0.1:999", "", "127.0.0.1"},
		{"IPv4-mapped IPv6", "[::ffff:203.0.113.9]:1", "", "203.0.113.9"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.remote
		if tt.xff != "" {
			r.Header.Set("X-Forwarded-For", tt.xff)
		}
		if got := clientIP(r, proxies); got != tt.want {
			t.Errorf("%s: clientIP = %s, want %s", tt.name, got, tt.want)
		}
	}
	if _, err := ParseProxies("10.0.0.0/33"); err == nil {
		t.Error("bad CIDR accepted")
	}
	if p, _ := ParseProxies(""); len(p) != 0 {
		t.Error("empty list")
	}
}

func TestLimiter(t *testing.T) {
	now := time.Unix(0, 0)
	l := newLimiter(60, 3) // 1 a second, burst 3
	l.now = func() time.Time { return now }
	for i := range 3 {
		if !l.allow("a") {
			t.Fatalf("token %d refused", i)
		}
	}
	if l.allow("a") || l.ok("a") {
		t.Fatal("burst exceeded")
	}
	if !l.allow("b") {
		t.Fatal("keys share a bucket")
	}
	now = now.Add(1500 * time.Millisecond)
	if !l.allow("a") || l.allow("a") {
		t.Fatal("refill is not 1 a second")
	}
	now = now.Add(time.Hour)
	l.allow("c") // sweeps the full buckets
	if len(l.buckets) != 1 {
		t.Fatalf("%d buckets after the sweep, want 1", len(l.buckets))
	}
}

// TestJoinLimits: guessing codes is cut off per IP, but a whole venue
// joining from one NAT address, typos included, never is.
func TestJoinLimits(t *testing.T) {
	e := startEnv(t, store.NewMemory(), gameScenario(t))
	c := createRoom(t, e.url, map[string]any{"scenario": "ws-game", "team_count": 10})
	var wg sync.WaitGroup
	errs := make(chan string, 250)
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%10 == 0 { // one in ten mistypes the code first
				var er struct{ Error string }
				if code := postJSON(t, e.url+"/api/join", map[string]any{"code": "000001", "name": "x"}, &er); code != http.StatusNotFound {
					errs <- fmt.Sprintf("typo: %d %s", code, er.Error)
				}
			}
			var j joined
			if code := postJSON(t, e.url+"/api/join", map[string]any{"code": c.Code, "name": fmt.Sprintf("Участник %d", i)}, &j); code != http.StatusCreated {
				errs <- fmt.Sprintf("join %d: %d %s", i, code, j.Error)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
	// Guessing: the venue's 20 typos and further failed look-ups use up the
	// burst, then the IP gets 429, even for a right code.
	failed := 20
	for ; failed < 10*DefaultLimits.LookupBurst; failed++ {
		resp, err := http.Get(fmt.Sprintf("%s/api/join/%06d", e.url, 100000+failed*7))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			break
		}
	}
	if failed < DefaultLimits.LookupBurst || failed > DefaultLimits.LookupBurst+2 { // +2: what refills while the test runs
		t.Errorf("blocked after %d failed look-ups, want %d", failed, DefaultLimits.LookupBurst)
	}
	resp, err := http.Get(e.url + "/api/join/" + c.Code)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("right code from a blocked IP: %d", resp.StatusCode)
	}
}

func TestLockRoom(t *testing.T) {
	e := startEnv(t, store.NewMemory(), gameScenario(t))
	c := createRoom(t, e.url, map[string]any{"scenario": "ws-game"})
	host := dial(t, e.url, c.Room, c.HostToken)
	host.do("lock", map[string]bool{"locked": true})
	var er struct{ Error, Message string }
	if code := postJSON(t, e.url+"/api/join", map[string]any{"code": c.Code, "name": "Поздний"}, &er); code != http.StatusForbidden || er.Error != "room_locked" || er.Message == "" {
		t.Fatalf("join a locked room: %d %+v", code, er)
	}
	host.waitFor("locked in the view", func(cl *client) bool {
		v, ok := latestData[struct {
			Room struct{ Locked bool } `json:"room"`
		}](cl, "view")
		return ok && v.Room.Locked
	})
	host.do("lock", map[string]bool{"locked": false})
	joinRoom(t, e.url, c.Code, "Поздний", "")
}

func TestWebSocketOrigin(t *testing.T) {
	e := startEnv(t, store.NewMemory(), gameScenario(t))
	c := createRoom(t, e.url, map[string]any{"scenario": "ws-game"})
	ws := "ws" + strings.TrimPrefix(e.url, "http") + "/ws/" + c.Room
	ctx := context.Background()
	_, resp, err := websocket.Dial(ctx, ws, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"https://evil.example"}}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin upgrade: err %v, resp %v", err, resp)
	}
	conn, _, err := websocket.Dial(ctx, ws, &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {e.url}}})
	if err != nil {
		t.Fatalf("same-origin upgrade refused: %v", err)
	}
	conn.CloseNow()
}

func TestWebSocketLimits(t *testing.T) {
	e := startEnv(t, store.NewMemory(), gameScenario(t))
	c := createRoom(t, e.url, map[string]any{"scenario": "ws-game"})
	j := joinRoom(t, e.url, c.Code, "Анна", "")
	other := joinRoom(t, e.url, c.Code, "Борис", "")

	// Connections per token.
	var socks []*client
	for range DefaultLimits.ConnsPerToken {
		cl := dial(t, e.url, c.Room, j.Token)
		cl.waitFor("welcome", func(cl *client) bool { _, ok := cl.latest["welcome"]; return ok })
		socks = append(socks, cl)
	}
	extra := dial(t, e.url, c.Room, j.Token)
	extra.waitFor("close", func(cl *client) bool { return cl.closed != nil })
	if websocket.CloseStatus(extra.closed) != websocket.StatusPolicyViolation || extra.latest["error"].Code != "too_many_connections" {
		t.Fatalf("one socket too many: %v %+v", extra.closed, extra.latest["error"])
	}
	for _, s := range socks[1:] {
		s.close()
	}

	// A flood: the burst passes, then typed refusals, then the socket is
	// closed. The burst goes one frame per reply, so that its replies never
	// fill the socket's queue (a reader too slow for its replies is dropped
	// before any refusal); then the rest at once.
	flood := socks[0]
	b, _ := json.Marshal(map[string]any{"id": "f", "type": "answer", "data": map[string]any{"question": "q1", "options": []string{"a"}}})
	limitedYet := false
	for i := 0; !limitedYet; i++ {
		if i > DefaultLimits.MessageBurst+1 {
			t.Fatal("the burst never ran out")
		}
		if err := flood.c.Write(context.Background(), websocket.MessageText, b); err != nil {
			t.Fatal(err)
		}
		flood.waitFor("a reply", func(cl *client) bool { // called under cl's lock
			n := 0
			for _, f := range cl.all {
				if f.ID == "f" {
					n++
					limitedYet = limitedYet || f.Code == "rate_limited"
				}
			}
			return n > i
		})
	}
	for range maxViolations + 5 {
		if err := flood.c.Write(context.Background(), websocket.MessageText, b); err != nil {
			break
		}
	}
	flood.waitFor("close for flooding", func(cl *client) bool { return cl.closed != nil })
	if websocket.CloseStatus(flood.closed) != websocket.StatusPolicyViolation {
		t.Errorf("flood closed with %v", flood.closed)
	}
	limited := 0
	for _, f := range flood.all {
		if f.Type == "error" && f.Code == "rate_limited" {
			limited++
		}
	}
	if limited == 0 {
		t.Error("no rate_limited error before the close")
	}

	// Another player and the host are untouched.
	host := dial(t, e.url, c.Room, c.HostToken)
	host.do("start", nil)
	b2 := dial(t, e.url, c.Room, other.Token)
	b2.do("answer", map[string]any{"question": "q1", "options": []string{"b"}})
}

// TestRoleMatrix sends every command from every role, as docs/protocol.md
// lists them: a refused command gets "forbidden" (or "unauthorized" for a
// connection without a valid token); an allowed one is not refused for its
// role (it may still be wrong for the phase).
func TestRoleMatrix(t *testing.T) {
	// Each case joins two or three players: more than one client's joins.
	e := startEnvWith(t, store.NewMemory(), gameScenario(t), func(c *Config) {
		manyRooms(c)
		c.Limits.JoinsPerMinute, c.Limits.JoinBurst = 1e6, 1e6
	})
	commands := map[string]any{
		"answer":  map[string]any{"question": "q1", "options": []string{"b"}},
		"start":   nil,
		"next":    nil,
		"close":   nil,
		"end":     nil,
		"kick":    nil, // filled with the other team's player
		"readmit": nil, // filled with a player the host removed first
		"lock":    map[string]bool{"locked": true},
		// The host's controls of an open question.
		"quiz.pause":  map[string]bool{"paused": true},
		"quiz.extend": map[string]int{"seconds": 10},
		"quiz.skip":   nil,
		"quiz.hide":   map[string]any{"question": "q1", "text": "x", "hidden": true},
		"move":        nil, // filled with the other team's player
		// The projector's page (a phase that pages or not: the role is
		// checked first).
		"screen.page": map[string]int{"step": 1},
	}
	// Board commands: roles are checked before the stage, so a quiz room
	// tells them apart as well as a board would.
	playerBoard := []string{"board.card", "board.edit", "board.delete", "board.dots", "board.fill"}
	hostBoard := []string{"board.hide", "board.merge", "board.unmerge", "board.reformulate", "board.theme", "board.rename", "board.place", "board.fill",
		"board.group", "board.join", "board.split", "board.accept", "board.dismiss", "board.undo", "board.page", "board.final", "board.adopt"}
	for _, cmd := range append(slices.Clone(playerBoard), hostBoard...) {
		commands[cmd] = map[string]any{"card": "c1", "prompt": "p", "text": "t", "name": "n", "dots": 1, "theme": "t1",
			"onto": "c2", "into": "t2", "cards": []string{"c1", "c2"}, "page": 1, "final": true, "team": "t1"}
	}
	allowed := map[string][]string{
		"host":        append([]string{"start", "next", "close", "end", "kick", "readmit", "lock", "quiz.pause", "quiz.extend", "quiz.skip", "quiz.hide", "move", "screen.page"}, hostBoard...),
		"screen":      {},
		"watcher":     {},
		"team member": append([]string{"answer"}, playerBoard...),
		"other team":  append([]string{"answer"}, playerBoard...),
	}
	for role, ok := range allowed {
		for cmd, data := range commands {
			t.Run(role+"/"+cmd, func(t *testing.T) {
				c := createRoom(t, e.url, map[string]any{"scenario": "ws-game", "team_count": 2})
				member := joinRoom(t, e.url, c.Code, "Анна", "t1")
				other := joinRoom(t, e.url, c.Code, "Борис", "t2")
				host := dial(t, e.url, c.Room, c.HostToken)
				host.do("start", nil) // a question is open, so answer is possible
				switch cmd {
				case "kick":
					data = map[string]string{"player": other.Player}
				case "move":
					data = map[string]string{"player": other.Player, "team": "t1"}
				case "readmit":
					// Someone removed, so that the host's readmit is acked
					// and nobody else's is refused for the moment only.
					removed := joinRoom(t, e.url, c.Code, "Вера", "t1")
					host.do("kick", map[string]string{"player": removed.Player})
					data = map[string]string{"player": removed.Player}
				}
				token := map[string]string{"host": c.HostToken, "screen": c.ScreenToken,
					"team member": member.Token, "other team": other.Token}[role]
				cl := host
				switch role {
				case "host":
				case "watcher":
					cl = dialWatcher(t, e.url, c.Room)
				default:
					cl = dial(t, e.url, c.Room, token)
				}
				f := cl.reply(cl.send(cmd, data))
				if slices.Contains(ok, cmd) {
					if f.Code == "forbidden" || f.Code == "unauthorized" {
						t.Errorf("%s may %s, got %s", role, cmd, f.Code)
					}
				} else if f.Type != "error" || f.Code != "forbidden" {
					t.Errorf("%s must not %s, got %s %s", role, cmd, f.Type, f.Code)
				}
			})
		}
	}
	gameRoleMatrix(t)
	// Anonymous: no token, or a made-up one, gets nothing but a refusal.
	c := createRoom(t, e.url, map[string]any{"scenario": "ws-game"})
	for _, token := range []string{"", "00000000000000000000000000000000"} {
		cl := dial(t, e.url, c.Room, token)
		cl.waitFor("close", func(cl *client) bool { return cl.closed != nil })
		if cl.latest["error"].Code != "unauthorized" || len(cl.all) != 1 {
			t.Errorf("anonymous with %q got %+v", token, cl.all)
		}
	}
}

// TestTokensNotLogged: a request carrying the host token in its query (an
// export link) is logged by path only.
func TestTokensNotLogged(t *testing.T) {
	var buf syncBuffer
	e := startEnvWith(t, store.NewMemory(), gameScenario(t), func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	c := createRoom(t, e.url, map[string]any{"scenario": "ws-game"})
	j := joinRoom(t, e.url, c.Code, "Анна", "")
	resp, err := http.Get(e.url + "/api/rooms/" + c.Room + "/export.csv?token=" + c.HostToken)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	p := dial(t, e.url, c.Room, j.Token)
	p.waitFor("me", func(cl *client) bool { _, ok := cl.latest["me"]; return ok })
	e.stop()
	logs := buf.String()
	if !strings.Contains(logs, "export.csv") {
		t.Fatalf("the request was not logged:\n%s", logs)
	}
	for _, secret := range []string{c.HostToken, c.ScreenToken, j.Token} {
		if strings.Contains(logs, secret) {
			t.Errorf("a token is in the logs:\n%s", logs)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a logger shared by goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
