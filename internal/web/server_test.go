package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/huddle-live/huddle/internal/room"
	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/store"
	"github.com/huddle-live/huddle/internal/store/storetest"
	"github.com/huddle-live/huddle/static"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) { storetest.StopRedis() }))
}

// env is one running server: hub, HTTP front and store.
type env struct {
	t     testing.TB
	url   string
	hub   *room.Hub
	srv   *Server
	http  *httptest.Server
	store store.Store
	once  sync.Once
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// startEnv starts a server on st with the given scenarios, restoring
// whatever st holds. It stops at the end of the test unless stopped before.
func startEnv(t testing.TB, st store.Store, scenarios []*scenario.Scenario) *env {
	t.Helper()
	return startEnvWith(t, st, scenarios, nil)
}

// startEnvWith is startEnv with changes to the server's configuration.
func startEnvWith(t testing.TB, st store.Store, scenarios []*scenario.Scenario, change func(*Config)) *env {
	t.Helper()
	return startEnvAt(t, st, scenarios, change, "")
}

// startEnvAt is startEnvWith listening on addr ("" for any free port), so
// that a restarted server can take over its predecessor's address.
func startEnvAt(t testing.TB, st store.Store, scenarios []*scenario.Scenario, change func(*Config), addr string) *env {
	t.Helper()
	return startEnvHub(t, st, scenarios, nil, change, addr)
}

// startEnvHub is startEnvAt with changes to the hub's configuration too.
func startEnvHub(t testing.TB, st store.Store, scenarios []*scenario.Scenario, hubChange func(*room.HubConfig), change func(*Config), addr string) *env {
	t.Helper()
	e := &env{t: t, store: st}
	e.http = httptest.NewUnstartedServer(nil)
	if addr != "" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		e.http.Listener.Close()
		e.http.Listener = ln
	}
	e.url = "http://" + e.http.Listener.Addr().String()
	hc := room.HubConfig{Store: st, Logger: testLogger(t), PublicURL: e.url}
	if hubChange != nil {
		hubChange(&hc)
	}
	e.hub = room.NewHub(hc)
	if _, err := e.hub.Restore(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Hub: e.hub, Scenarios: scenarios, Static: static.FS, PublicURL: e.url, Logger: testLogger(t), Accounts: testAccounts(t, st, e.url)}
	if change != nil {
		change(&cfg)
	}
	e.srv = New(cfg)
	// The binary's own HTTP server and listener: timeouts and the cap on
	// connections per client.
	e.http.Config = e.srv.HTTPServer()
	e.http.Listener = e.srv.Listener(e.http.Listener)
	e.http.Start()
	t.Cleanup(e.stop)
	return e
}

// manyRooms lifts the limit on rooms created per client, for tests that
// make a room per case from one address.
func manyRooms(c *Config) { c.Limits.RoomsPerMinute, c.Limits.RoomBurst = 1e6, 1e6 }

// stop shuts the server down the way the binary does, keeping the store.
func (e *env) stop() {
	e.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := e.hub.Shutdown(ctx); err != nil {
			e.t.Errorf("hub shutdown: %v", err)
		}
		e.srv.Wait()
		e.http.Close()
	})
}

func shippedScenarios(t testing.TB) []*scenario.Scenario {
	t.Helper()
	scs, err := scenario.LoadDir(filepath.Join("..", "..", "scenarios"))
	if err != nil {
		t.Fatal(err)
	}
	return scs
}

// startTestServer starts a server with the shipped scenarios on an embedded
// store and returns its base URL.
func startTestServer(t *testing.T) string {
	t.Helper()
	st, err := store.OpenBolt(filepath.Join(t.TempDir(), "huddle.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return startEnv(t, st, shippedScenarios(t)).url
}

func postJSON(t testing.TB, url string, body, out any) int {
	t.Helper()
	return postJSONAs(t, "", url, body, out)
}

// postJSONAs is postJSON with a facilitator's session cookie ("" for none).
func postJSONAs(t testing.TB, session, url string, body, out any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if session != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("POST %s: %d %s: %v", url, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode
}

type created struct {
	Room        string `json:"room"`
	Code        string `json:"code"`
	HostToken   string `json:"host_token"`
	ScreenToken string `json:"screen_token"`
}

func createRoom(t testing.TB, base string, req map[string]any) created {
	t.Helper()
	var c created
	if code := postJSONAs(t, testSession(t, base), base+"/api/rooms", req, &c); code != http.StatusCreated {
		t.Fatalf("create room: status %d", code)
	}
	return c
}

type joined struct {
	Room   string `json:"room"`
	Player string `json:"player"`
	Token  string `json:"token"`
	Team   string `json:"team"`
	Error  string `json:"error"`
}

func joinRoom(t testing.TB, base, code, name, team string) joined {
	t.Helper()
	var j joined
	if status := postJSON(t, base+"/api/join", map[string]string{"code": code, "name": name, "team": team}, &j); status != http.StatusCreated {
		t.Fatalf("join %s: status %d (%s)", name, status, j.Error)
	}
	return j
}

// frame is any server frame.
type frame struct {
	Type       string          `json:"type"`
	Seq        uint64          `json:"seq"`
	Time       int64           `json:"time"`
	ID         string          `json:"id"`
	Duplicate  bool            `json:"duplicate"`
	Code       string          `json:"code"`
	Message    string          `json:"message"`
	RetryAfter int             `json:"retry_after"`
	Data       json.RawMessage `json:"data"`
	own        bool            // the client's copy of the own view a state or an ack carried, not a frame of its own
}

// client is a WebSocket client that keeps the latest frame of each type and
// lets a test wait for conditions on them.
type client struct {
	t       testing.TB
	c       *websocket.Conn
	mu      sync.Mutex
	cond    *sync.Cond
	latest  map[string]frame
	replies map[string]frame
	all     []frame
	closed  error
	done    chan struct{}
}

func dial(t testing.TB, base, roomID, token string) *client {
	t.Helper()
	return dialWith(t, base, roomID, token, nil)
}

// dialWith is dial with headers on the upgrade request.
func dialWith(t testing.TB, base, roomID, token string, header http.Header) *client {
	t.Helper()
	return dialHello(t, base, roomID, map[string]any{"type": "hello", "token": token, "lang": "ru"}, header)
}

// dialWatcher connects to a room as a watcher: a hello without a token
// that only watches.
func dialWatcher(t testing.TB, base, roomID string) *client {
	t.Helper()
	return dialHello(t, base, roomID, map[string]any{"type": "hello", "watch": true, "lang": "ru"}, nil)
}

// dialHello connects and sends hello as its first frame.
func dialHello(t testing.TB, base, roomID string, hello map[string]any, header http.Header) *client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws/"+roomID, &websocket.DialOptions{HTTPHeader: header})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c.SetReadLimit(1 << 20)
	cl := &client{t: t, c: c, latest: map[string]frame{}, replies: map[string]frame{}, done: make(chan struct{})}
	cl.cond = sync.NewCond(&cl.mu)
	go cl.read()
	t.Cleanup(cl.close)
	cl.write(hello)
	return cl
}

func (cl *client) read() {
	defer close(cl.done)
	for {
		_, b, err := cl.c.Read(context.Background())
		cl.mu.Lock()
		if err != nil {
			cl.closed = err
			cl.cond.Broadcast()
			cl.mu.Unlock()
			return
		}
		var f frame
		if err := json.Unmarshal(b, &f); err != nil {
			cl.t.Errorf("bad frame %s: %v", b, err)
		}
		cl.latest[f.Type] = f
		if f.ID != "" {
			cl.replies[f.ID] = f
		}
		cl.all = append(cl.all, f)
		// A state frame or an ack may carry the phone's own view, an
		// answer's ack the keys of it that changed: the view is kept as the
		// latest "me", as play.js reads it.
		var own struct {
			Me    json.RawMessage `json:"me"`
			Patch json.RawMessage `json:"me_patch"`
		}
		if (f.Type == "state" || f.Type == "ack") && json.Unmarshal(f.Data, &own) == nil && own.Me == nil && own.Patch != nil {
			if prev, ok := cl.latest["me"]; ok {
				own.Me = mergeMe(prev.Data, own.Patch)
			}
		}
		if (f.Type == "state" || f.Type == "ack") && own.Me != nil {
			me := frame{Type: "me", Seq: f.Seq, Time: f.Time, Data: own.Me, own: true}
			cl.latest["me"] = me
			cl.all = append(cl.all, me)
		}
		cl.cond.Broadcast()
		cl.mu.Unlock()
	}
}

// mergeMe is what play.js makes of an ack's me_patch: its keys replace
// those of the own view the phone has.
func mergeMe(me, patch json.RawMessage) json.RawMessage {
	var m, p map[string]json.RawMessage
	if json.Unmarshal(me, &m) != nil || json.Unmarshal(patch, &p) != nil {
		return nil
	}
	maps.Copy(m, p)
	b, _ := json.Marshal(m)
	return b
}

func (cl *client) close() {
	_ = cl.c.CloseNow()
	<-cl.done
}

func (cl *client) write(v any) {
	cl.t.Helper()
	b, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := cl.c.Write(ctx, websocket.MessageText, b); err != nil {
		cl.t.Fatalf("write: %v", err)
	}
}

var commandIDs atomic.Int64

// send sends a command and returns its id.
func (cl *client) send(typ string, data any) string {
	cl.t.Helper()
	// Ids are unique per sender across reconnects, as the pages make them:
	// the server takes a known id for a re-sent command.
	id := fmt.Sprintf("c%d", commandIDs.Add(1))
	cl.write(map[string]any{"id": id, "type": typ, "data": data})
	return id
}

// waitFor waits until cond holds for the client's frames.
func (cl *client) waitFor(what string, cond func(cl *client) bool) {
	cl.t.Helper()
	cl.waitWithin(10*time.Second, what, cond)
}

// waitWithin is waitFor with its own time limit.
func (cl *client) waitWithin(limit time.Duration, what string, cond func(cl *client) bool) {
	cl.t.Helper()
	timer := time.AfterFunc(limit, func() {
		cl.mu.Lock()
		cl.closed = fmt.Errorf("timed out waiting for %s", what)
		cl.cond.Broadcast()
		cl.mu.Unlock()
	})
	defer timer.Stop()
	cl.mu.Lock()
	defer cl.mu.Unlock()
	for !cond(cl) {
		if cl.closed != nil {
			cl.t.Fatalf("waiting for %s: %v", what, cl.closed)
		}
		cl.cond.Wait()
	}
}

// reply waits for the ack or error of command id.
func (cl *client) reply(id string) frame {
	cl.t.Helper()
	var f frame
	cl.waitFor("reply to "+id, func(cl *client) bool {
		var ok bool
		f, ok = cl.replies[id]
		return ok
	})
	return f
}

// do sends a command and fails the test unless it is acked.
func (cl *client) do(typ string, data any) frame {
	cl.t.Helper()
	f := cl.reply(cl.send(typ, data))
	if f.Type != "ack" {
		cl.t.Fatalf("%s: %s %s", typ, f.Code, f.Message)
	}
	return f
}

// data decodes the latest frame of a type.
func (cl *client) data(typ string, v any) {
	cl.t.Helper()
	cl.mu.Lock()
	f := cl.latest[typ]
	cl.mu.Unlock()
	if err := json.Unmarshal(f.Data, v); err != nil {
		cl.t.Fatalf("decode %s %s: %v", typ, f.Data, err)
	}
}

// latestData decodes the latest frame of a type. The caller holds cl.mu, as
// a waitFor condition does; elsewhere use latestNow.
func latestData[T any](cl *client, typ string) (T, bool) {
	var v T
	f, ok := cl.latest[typ]
	if !ok || json.Unmarshal(f.Data, &v) != nil {
		return v, false
	}
	return v, true
}

// latestNow is latestData outside waitFor: it takes the client's lock,
// since the client's reader writes cl.latest under it.
func latestNow[T any](cl *client, typ string) (T, bool) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return latestData[T](cl, typ)
}

func TestHealthzAndPages(t *testing.T) {
	base := startTestServer(t)
	for _, path := range []string{"/healthz", "/", "/signin", "/setup", "/invite", "/rooms", "/play", "/j/123456", "/screen/x", "/host/x", "/static/app.js", "/api/scenarios"} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("GET %s: CSP %q", path, csp)
		}
	}
}

func TestAPIErrors(t *testing.T) {
	base := startTestServer(t)
	var e struct{ Error, Message string }
	if code := postJSONAs(t, testSession(t, base), base+"/api/rooms", map[string]any{"scenario": "nope"}, &e); code != http.StatusNotFound || e.Error != "not_found" || e.Message == "" {
		t.Errorf("unknown scenario: %d %+v", code, e)
	}
	if code := postJSON(t, base+"/api/join", map[string]any{"code": "000000", "name": "A"}, &e); code != http.StatusNotFound {
		t.Errorf("unknown code: %d %+v", code, e)
	}
	c := createRoom(t, base, map[string]any{"scenario": "partnership-quiz", "team_count": 3})
	if code := postJSON(t, base+"/api/join", map[string]any{"code": c.Code, "name": ""}, &e); code != http.StatusBadRequest || e.Error != "bad_name" {
		t.Errorf("empty name: %d %+v", code, e)
	}
	joinRoom(t, base, c.Code, "Анна", "")
	if code := postJSON(t, base+"/api/join", map[string]any{"code": c.Code, "name": "анна"}, &e); code != http.StatusConflict || e.Error != "name_taken" {
		t.Errorf("taken name: %d %+v", code, e)
	}
	if code := postJSON(t, base+"/api/join", map[string]any{"code": c.Code, "name": "Борис", "team": "t9"}, &e); code != http.StatusNotFound {
		t.Errorf("unknown team: %d %+v", code, e)
	}
	resp, err := http.Get(base + "/api/rooms/" + c.Room + "/export.csv?token=" + c.ScreenToken)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("export with the screen token: %d", resp.StatusCode)
	}
	resp, err = http.Get(base + "/api/rooms/" + c.Room + "/qr.png")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
		t.Errorf("qr: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

func TestMediaServesOnlyImages(t *testing.T) {
	media := fstest.MapFS{
		"img/team.png":  {Data: []byte("\x89PNG\r\n\x1a\n")},
		"quiz.yaml":     {Data: []byte("id: secret")},
		"img/notes.txt": {Data: []byte("no")},
	}
	e := startEnvWith(t, store.NewMemory(), nil, func(c *Config) { c.Media = media })
	for path, want := range map[string]int{
		"/media/img/team.png":  http.StatusOK,
		"/media/quiz.yaml":     http.StatusNotFound,
		"/media/img/notes.txt": http.StatusNotFound,
		"/media/../go.mod":     http.StatusNotFound,
	} {
		resp, err := http.Get(e.url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
}

func TestWebSocketBadInput(t *testing.T) {
	e := startEnv(t, store.NewMemory(), gameScenario(t))
	c := createRoom(t, e.url, map[string]any{"scenario": "ws-game"})
	j := joinRoom(t, e.url, c.Code, "Анна", "")

	// An unknown token is refused and the socket closed with 1008.
	bad := dial(t, e.url, c.Room, "0123456789abcdef0123456789abcdef")
	bad.waitFor("close", func(cl *client) bool { return cl.closed != nil })
	if websocket.CloseStatus(bad.closed) != websocket.StatusPolicyViolation || bad.latest["error"].Code != "unauthorized" {
		t.Fatalf("unknown token: %v %+v", bad.closed, bad.latest["error"])
	}

	// A room the server does not hold is said in a frame the page can read,
	// then the socket is closed with 1008.
	gone := dial(t, e.url, "no-such-room", j.Token)
	gone.waitFor("close", func(cl *client) bool { return cl.closed != nil })
	if websocket.CloseStatus(gone.closed) != websocket.StatusPolicyViolation || gone.latest["error"].Code != "room_gone" {
		t.Fatalf("unknown room: %v %+v", gone.closed, gone.latest["error"])
	}

	// Garbage gets a typed error and the phone keeps playing.
	p := dial(t, e.url, c.Room, j.Token)
	p.waitFor("me", func(cl *client) bool { _, ok := cl.latest["me"]; return ok })
	ctx := context.Background()
	if err := p.c.Write(ctx, websocket.MessageText, []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	if err := p.c.Write(ctx, websocket.MessageBinary, []byte{0, 1, 2}); err != nil {
		t.Fatal(err)
	}
	p.waitFor("two bad_request errors", func(cl *client) bool {
		n := 0
		for _, f := range cl.all {
			if f.Type == "error" && f.Code == "bad_request" {
				n++
			}
		}
		return n == 2
	})
	if f := p.reply(p.send("answer", map[string]any{"question": 7})); f.Code != "bad_request" {
		t.Errorf("answer with a number as question: %+v", f)
	}
	if f := p.reply(p.send("answer", map[string]any{"question": "q1", "options": []string{"a"}})); f.Code != "wrong_phase" {
		t.Errorf("answer in the lobby: %+v", f)
	}

	// A frame over the read limit closes only that socket.
	big := strings.Repeat("x", readLimit+1)
	_ = p.c.Write(ctx, websocket.MessageText, []byte(`{"type":"answer","data":"`+big+`"}`))
	p.waitFor("close", func(cl *client) bool { return cl.closed != nil })
	if websocket.CloseStatus(p.closed) != websocket.StatusMessageTooBig {
		t.Errorf("oversized frame closed with %v", p.closed)
	}
	host := dial(t, e.url, c.Room, c.HostToken)
	host.do("start", nil)
}
