package web

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/store"
)

// apiReply is the body of an API error.
type apiReply struct {
	Error, Message string
}

// send makes one request with the given headers and returns its status,
// decoded error body and Retry-After.
func send(t testing.TB, method, url, ctype string, body io.Reader, header map[string]string) (int, apiReply, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r apiReply
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &r)
	return resp.StatusCode, r, resp.Header.Get("Retry-After")
}

// TestRoomCreateLimit: one client creates a burst of rooms, then gets 429
// rooms_rate_limited in its language; other clients, an IPv6 client of another
// /64 among them, still create rooms.
func TestRoomCreateLimit(t *testing.T) {
	proxies, _ := ParseProxies("127.0.0.1")
	e := startEnvWith(t, store.NewMemory(), gameScenario(t), func(c *Config) { c.TrustedProxies = proxies })
	body := `{"scenario":"ws-game"}`
	create := func(from, lang string) (int, apiReply, string) {
		h := map[string]string{"Accept-Language": lang, "Cookie": sessionCookie + "=" + testSession(t, e.url)}
		if from != "" {
			h["X-Forwarded-For"] = from
		}
		return send(t, "POST", e.url+"/api/rooms", "application/json", strings.NewReader(body), h)
	}
	for _, from := range []string{"", "2001:db8:1:2::1"} {
		for i := range DefaultLimits.RoomBurst {
			if code, r, _ := create(from, "ru"); code != http.StatusCreated {
				t.Fatalf("%q: room %d refused: %d %+v", from, i+1, code, r)
			}
		}
		code, r, retry := create(from, "ru")
		if code != http.StatusTooManyRequests || r.Error != "rooms_rate_limited" || retry == "" || !strings.Contains(r.Message, "комнат") {
			t.Fatalf("%q: one room past the burst: %d %+v Retry-After %q", from, code, r, retry)
		}
	}
	// Another address in the same /64 is the same client.
	if code, r, _ := create("2001:db8:1:2::ffff", "en"); code != http.StatusTooManyRequests || !strings.Contains(r.Message, "Too many rooms") {
		t.Fatalf("same /64: %d %+v", code, r)
	}
	for _, other := range []string{"198.51.100.7", "2001:db8:1:3::1"} {
		if code, r, _ := create(other, "ru"); code != http.StatusCreated {
			t.Fatalf("another client %s: %d %+v", other, code, r)
		}
	}
}

// TestIPv6LimitsPerSlash64: failed join-code look-ups from addresses all
// over one IPv6 /64 share one limit; another /64 has its own.
func TestIPv6LimitsPerSlash64(t *testing.T) {
	proxies, _ := ParseProxies("127.0.0.1")
	e := startEnvWith(t, store.NewMemory(), gameScenario(t), func(c *Config) { c.TrustedProxies = proxies })
	lookup := func(from string, i int) int {
		code, _, _ := send(t, "GET", fmt.Sprintf("%s/api/join/%06d", e.url, 100000+i*7), "", nil, map[string]string{"X-Forwarded-For": from})
		return code
	}
	for i := range DefaultLimits.LookupBurst {
		// A new address of the /64 for every guess.
		if code := lookup(fmt.Sprintf("2001:db8:7:7:%x::1", i+1), i); code != http.StatusNotFound {
			t.Fatalf("guess %d: %d", i+1, code)
		}
	}
	if code := lookup("2001:db8:7:7:ffff:ffff:ffff:ffff", 0); code != http.StatusTooManyRequests {
		t.Fatalf("a fresh address of the same /64 after the burst: %d, want 429", code)
	}
	if code := lookup("2001:db8:7:8::1", 0); code != http.StatusNotFound {
		t.Fatalf("another /64: %d, want 404", code)
	}
}

func TestLimitKey(t *testing.T) {
	for ip, want := range map[string]string{
		"203.0.113.5":                 "203.0.113.5",
		"::ffff:203.0.113.5":          "203.0.113.5",
		"2001:db8:1:2:3:4:5:6":        "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1":        "2001:db8:1:2::/64",
		"2001:db8:1:3::1":             "2001:db8:1:3::/64",
		"::1":                         "::/64",
		"fe80::1%eth0":                "fe80::/64",
		"not an address":              "not an address",
		"2001:0db8:0001:0002:0:0:0:1": "2001:db8:1:2::/64",
	} {
		if got := limitKey(ip); got != want {
			t.Errorf("limitKey(%q) = %q, want %q", ip, got, want)
		}
	}
}

// TestCrossSiteWrites sends what a page on another site can make its
// visitors' browsers send: every such write is refused, same-origin JSON
// goes through, and reads are not affected.
func TestCrossSiteWrites(t *testing.T) {
	e := startEnv(t, store.NewMemory(), gameScenario(t))
	c := createRoom(t, e.url, map[string]any{"scenario": "ws-game"})
	bodies := map[string]string{
		"/api/rooms": `{"scenario":"ws-game"}`,
		"/api/join":  `{"code":"` + c.Code + `","name":"Гость"}`,
	}
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	_ = mw.WriteField("scenario", "ws-game")
	_ = mw.Close()
	tests := []struct {
		name   string
		ctype  string
		body   string // "" for the route's JSON body
		header map[string]string
		status int
		code   string
	}{
		{"text/plain from another site", "text/plain", "", map[string]string{"Origin": "https://evil.example"}, 403, "cross_site"},
		{"text/plain without Origin", "text/plain;charset=UTF-8", "", nil, 415, "unsupported_media_type"},
		{"a form", "application/x-www-form-urlencoded", "scenario=ws-game", nil, 415, "unsupported_media_type"},
		{"multipart", mw.FormDataContentType(), form.String(), nil, 415, "unsupported_media_type"},
		{"no content type", "", "", nil, 415, "unsupported_media_type"},
		{"JSON from another origin", "application/json", "", map[string]string{"Origin": "https://evil.example"}, 403, "cross_site"},
		{"JSON, Sec-Fetch-Site cross-site", "application/json", "", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403, "cross_site"},
		{"JSON, Sec-Fetch-Site same-site", "application/json", "", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "http://other.localhost"}, 403, "cross_site"},
		{"same-origin JSON", "application/json", "", map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": e.url}, 201, ""},
		{"same-origin JSON, old browser", "application/json; charset=utf-8", "", map[string]string{"Origin": e.url}, 201, ""},
		{"JSON from no browser", "application/json", "", nil, 201, ""},
	}
	n := 0
	for _, tt := range tests {
		for path, js := range bodies {
			body := tt.body
			if body == "" {
				body = js
			}
			if path == "/api/join" {
				n++ // names must differ
				body = strings.Replace(body, "Гость", fmt.Sprintf("Гость %d", n), 1)
			}
			header := map[string]string{"Cookie": sessionCookie + "=" + testSession(t, e.url)}
			maps.Copy(header, tt.header)
			code, r, _ := send(t, "POST", e.url+path, tt.ctype, strings.NewReader(body), header)
			if code != tt.status || r.Error != tt.code || (tt.code != "" && r.Message == "") {
				t.Errorf("%s to %s: %d %+v, want %d %s", tt.name, path, code, r, tt.status, tt.code)
			}
		}
	}
	// Reads carry no state change: a cross-site page may load them.
	if code, _, _ := send(t, "GET", e.url+"/api/join/"+c.Code, "", nil, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}); code != http.StatusOK {
		t.Errorf("cross-site read: %d", code)
	}
	if code, r, _ := send(t, "POST", e.url+"/api/rooms", "text/plain", strings.NewReader(bodies["/api/rooms"]), map[string]string{"Accept-Language": "en"}); r.Message != "The request must be JSON." {
		t.Errorf("English message: %d %+v", code, r)
	}
}

// rawHTTP is a TCP connection from a chosen loopback address, speaking
// HTTP by hand.
func rawHTTP(t *testing.T, base string, from string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedWithin reads (and drops) what the server sends until it closes c,
// and fails the test if c is still open after limit.
func closedWithin(t *testing.T, c net.Conn, limit time.Duration, what string) time.Duration {
	t.Helper()
	start := time.Now()
	_ = c.SetReadDeadline(start.Add(limit))
	_, err := io.Copy(io.Discard, c)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("%s: still open after %v", what, limit)
	}
	return time.Since(start)
}

// trickle writes s one byte every gap until the connection fails.
func trickle(c net.Conn, s string, gap time.Duration) {
	for i := range len(s) {
		if _, err := c.Write([]byte{s[i]}); err != nil {
			return
		}
		time.Sleep(gap)
	}
}

// TestSlowClientsAreCut: a request body or header that trickles in and a
// kept-alive connection left idle are cut by the server's timeouts; a
// WebSocket lives on past all of them.
func TestSlowClientsAreCut(t *testing.T) {
	lim := Limits{ReadHeaderTimeout: 500 * time.Millisecond, ReadTimeout: time.Second, WriteTimeout: time.Second, IdleTimeout: time.Second}
	e := startEnvWith(t, store.NewMemory(), gameScenario(t), func(c *Config) { c.Limits = lim })
	c := createRoom(t, e.url, map[string]any{"scenario": "ws-game"})
	j := joinRoom(t, e.url, c.Code, "Анна", "")
	p := dial(t, e.url, c.Room, j.Token)
	p.waitFor("me", func(cl *client) bool { _, ok := cl.latest["me"]; return ok })
	opened := time.Now()
	const limit = 6 * time.Second // every timeout above, with slack for a loaded machine

	body := `{"code":"` + c.Code + `","name":"Медленный"}`
	slowBody := rawHTTP(t, e.url, "127.0.0.1")
	fmt.Fprintf(slowBody, "POST /api/join HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body))
	go trickle(slowBody, body, 200*time.Millisecond) // 7 s for the whole body

	slowHeader := rawHTTP(t, e.url, "127.0.0.1")
	go trickle(slowHeader, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: "+strings.Repeat("a", 40)+"\r\n\r\n", 200*time.Millisecond)

	idle := rawHTTP(t, e.url, "127.0.0.1")
	fmt.Fprint(idle, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(idle), nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("healthz on the kept-alive connection: %v", err)
	}
	resp.Body.Close()

	for what, conn := range map[string]net.Conn{"a trickled body": slowBody, "a trickled header": slowHeader, "an idle kept-alive connection": idle} {
		took := closedWithin(t, conn, limit, what)
		t.Logf("%s cut after %v", what, took.Round(10*time.Millisecond))
	}
	// The WebSocket outlives every timeout twice over and still answers.
	time.Sleep(time.Until(opened.Add(2 * time.Second)))
	if f := p.reply(p.send("answer", map[string]any{"question": "q1", "options": []string{"a"}})); f.Code != "wrong_phase" {
		t.Fatalf("the WebSocket after the timeouts: %+v", f)
	}
}

// TestConnsPerClient: one client holds at most ConnsPerClient connections;
// the next is closed unanswered while other clients, and trusted proxies,
// are served; a freed place is taken again.
func TestConnsPerClient(t *testing.T) {
	const cap = 20
	proxies, _ := ParseProxies("127.0.0.5")
	e := startEnvWith(t, store.NewMemory(), gameScenario(t), func(c *Config) {
		c.Limits.ConnsPerClient = cap
		c.TrustedProxies = proxies
	})
	// get sends a request on a new connection from `from` and reports
	// whether it was answered; the connection stays open.
	get := func(from string) (net.Conn, bool) {
		c := rawHTTP(t, e.url, from)
		fmt.Fprint(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return c, false
		}
		resp.Body.Close()
		return c, resp.StatusCode == http.StatusOK
	}
	var held []net.Conn
	for i := range cap {
		c, ok := get("127.0.0.3")
		if !ok {
			t.Fatalf("connection %d refused", i+1)
		}
		held = append(held, c)
	}
	if _, ok := get("127.0.0.3"); ok {
		t.Fatalf("connection %d served", cap+1)
	}
	if _, ok := get("127.0.0.4"); !ok {
		t.Fatal("another client refused")
	}
	for i := range cap + 5 {
		if _, ok := get("127.0.0.5"); !ok {
			t.Fatalf("trusted proxy's connection %d refused", i+1)
		}
	}
	held[0].Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, ok := get("127.0.0.3"); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a freed place was not given back")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
