package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/huddle-live/huddle/internal/account"
	"github.com/huddle-live/huddle/internal/store"
	"github.com/huddle-live/huddle/internal/store/storetest"
)

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// call sends a request with a session cookie ("" for none) and a JSON body
// (nil for none) and returns the status and the body.
func call(t testing.TB, method, url, session string, body any, headers ...string) (int, []byte, *http.Response) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	if session != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data, resp
}

func cookieOf(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			return c
		}
	}
	return nil
}

// addFacilitator makes an account on the test server and signs it in over
// HTTP; it returns the session cookie.
func addFacilitator(t testing.TB, e *env, login string) (account.Account, string) {
	t.Helper()
	a, err := e.srv.accounts.Add(context.Background(), account.NewAccount{Name: "Name " + login, Login: login, Password: login + " password"})
	if err != nil {
		t.Fatal(err)
	}
	return a, signInHTTP(t, e.url, login, login+" password")
}

func signInHTTP(t testing.TB, base, login, password string) string {
	t.Helper()
	code, body, resp := call(t, "POST", base+"/api/account/signin", "", map[string]string{"login": login, "password": password})
	if code != http.StatusOK || cookieOf(resp) == nil {
		t.Fatalf("sign in as %s: %d %s", login, code, body)
	}
	return cookieOf(resp).Value
}

func createAs(t testing.TB, base, session string, req map[string]any) created {
	t.Helper()
	var c created
	if code := postJSONAs(t, session, base+"/api/rooms", req, &c); code != http.StatusCreated {
		t.Fatalf("create room: %d", code)
	}
	return c
}

type myRoomJSON struct {
	Room    string `json:"room"`
	Title   string `json:"title"`
	Status  string `json:"status"`
	Mine    bool   `json:"mine"`
	Players int    `json:"players"`
	Owner   struct{ Name, Login string }
	Co      []struct{ ID, Name, Login string }
	Options account.Options
}

func myRooms(t testing.TB, base, session string) []myRoomJSON {
	t.Helper()
	code, body, _ := call(t, "GET", base+"/api/account/rooms", session, nil)
	if code != http.StatusOK {
		t.Fatalf("my rooms: %d %s", code, body)
	}
	var out []myRoomJSON
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAccountFlowsOverHTTP: the setup link creates the first account and
// signs it in; it creates a room, which its list shows; it invites a
// colleague, who registers with the link, gets the room as co-facilitator
// and opens it; signing out ends the session, and signing out everywhere
// ends them all.
func TestAccountFlowsOverHTTP(t *testing.T) {
	st := store.NewMemory()
	e := startEnvWith(t, st, shippedScenarios(t), func(c *Config) {
		c.Accounts = account.New(account.Config{Store: store.NewMemory().Accounts(), Params: testParams})
	})
	ctx := context.Background()
	token, until, err := e.srv.accounts.Setup(ctx)
	if err != nil || token == "" || time.Until(until) > time.Hour || time.Until(until) < 59*time.Minute {
		t.Fatalf("Setup = %q, %v, %v", token, until, err)
	}
	var e1 struct{ Error string }
	if code := postJSON(t, e.url+"/api/account/register", map[string]string{"token": wrongFirst(token), "name": "Анна", "login": "anna", "password": "anna's password"}, &e1); code != http.StatusGone || e1.Error != "link_invalid" {
		t.Errorf("a wrong setup token: %d %s", code, e1.Error)
	}
	code, body, resp := call(t, "POST", e.url+"/api/account/register", "", map[string]string{"token": token, "name": " Анна\u202e ", "login": "Anna", "password": "anna's password"})
	if code != http.StatusCreated || cookieOf(resp) == nil {
		t.Fatalf("register with the setup link: %d %s", code, body)
	}
	anna := cookieOf(resp).Value
	code, body, _ = call(t, "GET", e.url+"/api/account", anna, nil)
	var me meResponse
	_ = json.Unmarshal(body, &me)
	if code != http.StatusOK || me.Name != "Анна" || me.Login != "anna" {
		t.Errorf("me: %d %+v (the name cleaned, the login in lower case)", code, me)
	}
	if code, _, _ := call(t, "POST", e.url+"/api/account/register", "", map[string]string{"token": token, "name": "Б", "login": "boris", "password": "boris's password"}); code != http.StatusGone {
		t.Errorf("the setup link twice: %d", code)
	}
	if tok, _, _ := e.srv.accounts.Setup(ctx); tok != "" {
		t.Error("a setup link while an account exists")
	}

	c := createAs(t, e.url, anna, map[string]any{"scenario": "partnership-quiz", "team_count": 3, "team_mode": "team", "lang": "en"})
	rooms := myRooms(t, e.url, anna)
	if len(rooms) != 1 || rooms[0].Room != c.Room || rooms[0].Status != statusRunning || !rooms[0].Mine ||
		rooms[0].Options.TeamCount != 3 || rooms[0].Options.TeamMode != "team" || rooms[0].Options.Lang != "en" {
		t.Fatalf("Anna's rooms: %+v", rooms)
	}
	if strings.Contains(string(mustGet(t, e.url+"/api/account/rooms", anna)), c.HostToken) {
		t.Error("the list carries the host token")
	}

	// An invitation brings a second facilitator.
	code, body, _ = call(t, "POST", e.url+"/api/account/invitations", anna, map[string]any{})
	var inv inviteResponse
	_ = json.Unmarshal(body, &inv)
	if code != http.StatusCreated || !strings.HasPrefix(inv.URL, e.url+"/invite#") || inv.Expires.Before(time.Now().Add(71*time.Hour)) {
		t.Fatalf("invite: %d %s", code, body)
	}
	invToken := strings.TrimPrefix(inv.URL, e.url+"/invite#")
	code, body, resp = call(t, "POST", e.url+"/api/account/register", "", map[string]string{"token": invToken, "name": "Борис", "login": "anna", "password": "boris's password"})
	if code != http.StatusConflict {
		t.Errorf("an invitation with a taken login: %d %s", code, body)
	}
	code, _, resp = call(t, "POST", e.url+"/api/account/register", "", map[string]string{"token": invToken, "name": "Борис", "login": "boris@example.org", "password": "boris's password"})
	if code != http.StatusCreated {
		t.Fatalf("register with the invitation: %d", code)
	}
	boris := cookieOf(resp).Value
	if len(myRooms(t, e.url, boris)) != 0 {
		t.Error("Boris sees Anna's room before he is a co-facilitator")
	}
	var co myRoomJSON
	if code := postJSONAs(t, anna, e.url+"/api/account/rooms/"+c.Room+"/co", map[string]string{"login": "Boris@Example.org"}, &co); code != http.StatusOK || len(co.Co) != 1 || co.Co[0].Name != "Борис" {
		t.Fatalf("add Boris: %d %+v", code, co)
	}
	var er struct{ Error string }
	if code := postJSONAs(t, anna, e.url+"/api/account/rooms/"+c.Room+"/co", map[string]string{"login": "nobody"}, &er); code != http.StatusNotFound || er.Error != "no_facilitator" {
		t.Errorf("add an unknown login: %d %s", code, er.Error)
	}
	rooms = myRooms(t, e.url, boris)
	if len(rooms) != 1 || rooms[0].Mine || rooms[0].Owner.Name != "Анна" {
		t.Fatalf("Boris's rooms: %+v", rooms)
	}
	// Boris opens the remote on his device, with no token.
	host := dialAs(t, e.url, c.Room, "", boris)
	host.waitFor("the host view", func(cl *client) bool { _, ok := cl.latest["view"]; return ok })
	host.do("start", nil)

	// Sign out: that session only. Sign out everywhere: every session.
	anna2 := signInHTTP(t, e.url, "anna", "anna's password")
	code, _, resp = call(t, "POST", e.url+"/api/account/signout", anna, map[string]any{})
	if code != http.StatusNoContent || cookieOf(resp) == nil || cookieOf(resp).MaxAge >= 0 {
		t.Errorf("sign out: %d, cookie %+v", code, cookieOf(resp))
	}
	if code, _, _ := call(t, "GET", e.url+"/api/account", anna, nil); code != http.StatusUnauthorized {
		t.Errorf("the session after sign-out: %d", code)
	}
	if code, _, _ := call(t, "GET", e.url+"/api/account", anna2, nil); code != http.StatusOK {
		t.Errorf("another session after sign-out: %d", code)
	}
	anna3 := signInHTTP(t, e.url, "anna", "anna's password")
	if code, _, _ := call(t, "POST", e.url+"/api/account/signout-everywhere", anna3, map[string]any{}); code != http.StatusNoContent {
		t.Errorf("sign out everywhere: %d", code)
	}
	for _, s := range []string{anna2, anna3} {
		if code, _, _ := call(t, "GET", e.url+"/api/account", s, nil); code != http.StatusUnauthorized {
			t.Errorf("a session after sign-out everywhere: %d", code)
		}
	}
	if code, _, _ := call(t, "GET", e.url+"/api/account", boris, nil); code != http.StatusOK {
		t.Errorf("Boris was signed out with Anna: %d", code)
	}
	// Signing out everywhere closes the sockets opened by those sessions.
	code, _, _ = call(t, "POST", e.url+"/api/account/signout-everywhere", boris, map[string]any{})
	host.waitFor("the session host closed", func(cl *client) bool { return cl.closed != nil })
	if code != http.StatusNoContent || websocket.CloseStatus(host.closed) != websocket.StatusPolicyViolation || host.latest["error"].Code != "unauthorized" {
		t.Errorf("Boris's remote after sign-out everywhere: %d %v %+v", code, host.closed, host.latest["error"])
	}
}

func mustGet(t testing.TB, url, session string) []byte {
	t.Helper()
	code, body, _ := call(t, "GET", url, session, nil)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, code, body)
	}
	return body
}

// dialAs is dial with a session cookie on the upgrade.
func dialAs(t testing.TB, base, roomID, token, session string) *client {
	t.Helper()
	return dialWith(t, base, roomID, token, http.Header{"Cookie": {sessionCookie + "=" + session}})
}

// TestAccountRoleMatrix checks every HTTP route a room or an account has,
// and the host role of the WebSocket, for the room's owner, another
// facilitator, a co-facilitator, someone signed out, and the host token, as
// docs/protocol.md lists them.
func TestAccountRoleMatrix(t *testing.T) {
	e := startEnvWith(t, store.NewMemory(), shippedScenarios(t), manyRooms)
	owner, ownerS := addFacilitator(t, e, "owner")
	_, otherS := addFacilitator(t, e, "other")
	co, coS := addFacilitator(t, e, "cofac")
	sessions := map[string]string{"owner": ownerS, "other": otherS, "co": coS, "anonymous": ""}
	_ = owner
	newRoom := func(t *testing.T) created {
		c := createAs(t, e.url, ownerS, map[string]any{"scenario": "partnership-board", "team_count": 2})
		if code := postJSONAs(t, ownerS, e.url+"/api/account/rooms/"+c.Room+"/co", map[string]string{"login": "cofac"}, nil); code != http.StatusOK {
			t.Fatalf("add co: %d", code)
		}
		return c
	}
	shared := newRoom(t)
	type route struct {
		method, path string
		body         any
		want         map[string]int // role → status; "host" is the host token alone
		fresh        bool           // changes the room: a new one per cell
	}
	host := func(c created) string { return c.HostToken }
	roomGET := func(p string) route {
		return route{"GET", p, nil, map[string]int{"owner": 200, "co": 200, "other": 401, "anonymous": 401, "host": 200}, false}
	}
	routes := []route{
		roomGET("/api/rooms/{room}/export.csv"),
		roomGET("/api/rooms/{room}/export.xlsx"),
		roomGET("/api/rooms/{room}/export.json"),
		roomGET("/api/rooms/{room}/board.docx"),
		roomGET("/api/rooms/{room}/board.md"),
		roomGET("/api/rooms/{room}/board.csv"),
		roomGET("/api/rooms/{room}/board.json"),
		roomGET("/print/{room}"),
		roomGET("/api/rooms/{room}/audit.json"),
		{"GET", "/api/rooms/{room}/qr.png", nil, map[string]int{"owner": 200, "co": 200, "other": 200, "anonymous": 200}, false},
		{"GET", "/api/join/{code}", nil, map[string]int{"owner": 200, "co": 200, "other": 200, "anonymous": 200}, false},
		{"GET", "/api/account", nil, map[string]int{"owner": 200, "co": 200, "other": 200, "anonymous": 401}, false},
		{"GET", "/api/account/rooms", nil, map[string]int{"owner": 200, "co": 200, "other": 200, "anonymous": 401}, false},
		{"GET", "/", nil, map[string]int{"owner": 200, "co": 200, "other": 200, "anonymous": 303}, false},
		{"GET", "/rooms", nil, map[string]int{"owner": 200, "co": 200, "other": 200, "anonymous": 303}, false},
		{"GET", "/signin", nil, map[string]int{"owner": 200, "co": 200, "other": 200, "anonymous": 200}, false},
		{"GET", "/setup", nil, map[string]int{"owner": 200, "anonymous": 200}, false},
		{"GET", "/invite", nil, map[string]int{"owner": 200, "anonymous": 200}, false},
		{"POST", "/api/rooms", map[string]any{"scenario": "partnership-quiz"}, map[string]int{"owner": 201, "co": 201, "other": 201, "anonymous": 401}, false},
		{"POST", "/api/account/invitations", map[string]any{}, map[string]int{"owner": 201, "co": 201, "other": 201, "anonymous": 401}, false},
		{"POST", "/api/account/register", map[string]any{"token": "nope", "name": "X", "login": "xxx", "password": "xxxxxxxxxxxx"}, map[string]int{"owner": 410, "anonymous": 410}, false},
		{"POST", "/api/account/rooms/{room}/co", map[string]string{"login": "other"}, map[string]int{"owner": 200, "co": 403, "other": 404, "anonymous": 401}, true},
		{"DELETE", "/api/account/rooms/{room}/co/" + co.ID, map[string]any{}, map[string]int{"owner": 200, "co": 403, "other": 404, "anonymous": 401}, true},
		{"POST", "/api/account/rooms/{room}/links", map[string]bool{"host": true, "screen": true}, map[string]int{"owner": 200, "co": 200, "other": 404, "anonymous": 401}, true},
		{"GET", "/api/account/rooms/{room}/remote.png", nil, map[string]int{"owner": 200, "co": 200, "other": 404, "anonymous": 401, "host": 401}, false},
		{"DELETE", "/api/account/rooms/{room}", map[string]any{}, map[string]int{"owner": 204, "co": 403, "other": 404, "anonymous": 401}, true},
	}
	for _, rt := range routes {
		for role, want := range rt.want {
			t.Run(rt.method+" "+rt.path+"/"+role, func(t *testing.T) {
				c := shared
				if rt.fresh {
					c = newRoom(t)
				}
				path := strings.NewReplacer("{room}", c.Room, "{code}", c.Code).Replace(rt.path)
				session, headers := sessions[role], []string{}
				if role == "host" {
					headers = []string{"Authorization", "Bearer " + host(c)}
				}
				code, body, _ := call(t, rt.method, e.url+path, session, rt.body, headers...)
				if code != want {
					t.Errorf("%s %s as %s: %d %s, want %d", rt.method, rt.path, role, code, body, want)
				}
			})
		}
	}
	// Sign-in, sign-out and sign-out-everywhere have their own tests below;
	// without a session the last two answer 401.
	for _, p := range []string{"/api/account/signout", "/api/account/signout-everywhere"} {
		if code, _, _ := call(t, "POST", e.url+p, "", map[string]any{}); code != http.StatusUnauthorized {
			t.Errorf("POST %s signed out: %d", p, code)
		}
	}

	// WebSocket: without a token, the owner and a co-facilitator come in as
	// the host; another facilitator and someone signed out are refused. A
	// token decides whatever the cookie says.
	for role, want := range map[string]string{"owner": "host", "co": "host", "other": "", "anonymous": ""} {
		cl := dialAs(t, e.url, shared.Room, "", sessions[role])
		cl.waitFor(role+"'s welcome or refusal", func(cl *client) bool { _, ok := cl.latest["welcome"]; return ok || cl.closed != nil })
		if want == "" {
			if cl.latest["error"].Code != "unauthorized" || len(cl.all) != 1 {
				t.Errorf("%s over WebSocket got %+v", role, cl.all)
			}
			continue
		}
		var w struct{ Role string }
		cl.data("welcome", &w)
		if w.Role != want {
			t.Errorf("%s over WebSocket: role %q", role, w.Role)
		}
		cl.close()
	}
	j := joinRoom(t, e.url, shared.Code, "Анна", "")
	for token, want := range map[string]string{j.Token: "player", shared.ScreenToken: "screen"} {
		cl := dialAs(t, e.url, shared.Room, token, ownerS)
		cl.waitFor("welcome", func(cl *client) bool { _, ok := cl.latest["welcome"]; return ok })
		var w struct{ Role string }
		cl.data("welcome", &w)
		if w.Role != want {
			t.Errorf("the owner's cookie with a %s token: role %q", want, w.Role)
		}
		cl.close()
	}
}

// TestSessionFixation: a session token planted in the browser before sign-in
// is ended by the sign-in, and the signed-in session gets a new token.
func TestSessionFixation(t *testing.T) {
	e := startEnv(t, store.NewMemory(), gameScenario(t))
	_, planted := addFacilitator(t, e, "attacker")
	code, _, resp := call(t, "POST", e.url+"/api/account/signin", planted, map[string]string{"login": testLogin, "password": testPassword})
	got := cookieOf(resp)
	if code != http.StatusOK || got == nil || got.Value == planted || len(got.Value) != 64 {
		t.Fatalf("sign-in over a planted cookie: %d, cookie %+v", code, got)
	}
	if code, _, _ := call(t, "GET", e.url+"/api/account", planted, nil); code != http.StatusUnauthorized {
		t.Errorf("the planted session still works: %d", code)
	}
	// A made-up token is nobody.
	if code, _, _ := call(t, "GET", e.url+"/api/account", strings.Repeat("ab", 32), nil); code != http.StatusUnauthorized {
		t.Errorf("a made-up session: %d", code)
	}
	// The store keeps no token, only its hash.
	if _, _, err := e.srv.accounts.Resolve(context.Background(), got.Value); err != nil {
		t.Fatal(err)
	}
	sess, err := memoryAccounts(e).Session(context.Background(), account.HashToken(got.Value), time.Now())
	if err != nil || sess.Hash == got.Value {
		t.Errorf("stored session %+v, %v", sess, err)
	}
	if _, err := memoryAccounts(e).Session(context.Background(), got.Value, time.Now()); err == nil {
		t.Error("the raw token finds a stored session")
	}
}

func memoryAccounts(e *env) store.Accounts {
	return e.store.(*store.Memory).Accounts()
}

// TestSessionCookie: HttpOnly, SameSite=Lax, Path=/, Max-Age of the
// session; Secure over https, directly or through a trusted proxy, and
// only then.
func TestSessionCookie(t *testing.T) {
	proxies, _ := ParseProxies("127.0.0.1")
	e := startEnvWith(t, store.NewMemory(), gameScenario(t), func(c *Config) { c.TrustedProxies = proxies })
	plain := startEnv(t, store.NewMemory(), gameScenario(t))
	for _, tt := range []struct {
		name   string
		base   string
		xfp    string
		secure bool
	}{
		{"plain http", plain.url, "", false},
		{"plain http, header from an untrusted client", plain.url, "https", false},
		{"https at a trusted proxy", e.url, "https", true},
		{"http at a trusted proxy", e.url, "http", false},
	} {
		var headers []string
		if tt.xfp != "" {
			headers = []string{"X-Forwarded-Proto", tt.xfp}
		}
		code, _, resp := call(t, "POST", tt.base+"/api/account/signin", "", map[string]string{"login": testLogin, "password": testPassword}, headers...)
		c := cookieOf(resp)
		if code != http.StatusOK || c == nil {
			t.Fatalf("%s: %d", tt.name, code)
		}
		raw := resp.Header.Get("Set-Cookie")
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure != tt.secure ||
			c.MaxAge < int(account.DefaultSessionTTL.Seconds())-60 || c.MaxAge > int(account.DefaultSessionTTL.Seconds()) {
			t.Errorf("%s: cookie %s", tt.name, raw)
		}
	}
}

// TestCrossSiteRefused: the state-changing routes take JSON only and refuse
// requests a browser marks as cross-site, or whose Origin is another site;
// a session cookie does not open the room's downloads to another site.
func TestCrossSiteRefused(t *testing.T) {
	e := startEnv(t, store.NewMemory(), gameScenario(t))
	s := testSession(t, e.url)
	c := createRoom(t, e.url, map[string]any{"scenario": "ws-game"})
	posts := []string{"/api/rooms", "/api/account/signin", "/api/account/register", "/api/account/signout",
		"/api/account/signout-everywhere", "/api/account/invitations", "/api/account/rooms/" + c.Room + "/links", "/api/account/rooms/" + c.Room + "/co"}
	for _, p := range posts {
		for _, h := range [][]string{
			{"Sec-Fetch-Site", "cross-site"},
			{"Sec-Fetch-Site", "same-site"},
			{"Origin", "https://evil.example"},
			{"Origin", "null"},
		} {
			code, body, _ := call(t, "POST", e.url+p, s, map[string]any{"scenario": "ws-game"}, h...)
			if code != http.StatusForbidden || !strings.Contains(string(body), "cross_site") {
				t.Errorf("POST %s with %s: %d %s", p, h, code, body)
			}
		}
		// A form post (no preflight) is refused for its type.
		req, _ := http.NewRequest("POST", e.url+p, strings.NewReader("scenario=ws-game"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: s})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnsupportedMediaType {
			t.Errorf("a form POST to %s: %d", p, resp.StatusCode)
		}
	}
	if code, _, _ := call(t, "DELETE", e.url+"/api/account/rooms/"+c.Room, s, map[string]any{}, "Sec-Fetch-Site", "cross-site"); code != http.StatusForbidden {
		t.Errorf("a cross-site DELETE: %d", code)
	}
	// Same origin passes.
	if code, body, _ := call(t, "POST", e.url+"/api/rooms", s, map[string]any{"scenario": "ws-game"}, "Sec-Fetch-Site", "same-origin", "Origin", e.url); code != http.StatusCreated {
		t.Errorf("a same-origin create: %d %s", code, body)
	}
	// A cross-site GET of a download carries the cookie (SameSite=Lax) but
	// not the right.
	if code, _, _ := call(t, "GET", e.url+"/api/rooms/"+c.Room+"/export.csv", s, nil, "Sec-Fetch-Site", "cross-site"); code != http.StatusUnauthorized {
		t.Errorf("a cross-site export with the cookie: %d", code)
	}
	if code, _, _ := call(t, "GET", e.url+"/api/rooms/"+c.Room+"/export.csv", s, nil, "Sec-Fetch-Site", "same-origin"); code != http.StatusOK {
		t.Errorf("a same-origin export with the cookie: %d", code)
	}
}

// TestSignInLimits: guessing one account's password is cut off after its
// burst, from any address, without locking out its right password from the
// same limit forever; guessing from one address is cut off across accounts.
func TestSignInLimits(t *testing.T) {
	proxies, _ := ParseProxies("127.0.0.1")
	e := startEnvWith(t, store.NewMemory(), gameScenario(t), func(c *Config) { c.TrustedProxies = proxies })
	for i := range 3 {
		addFacilitator(t, e, fmt.Sprintf("victim%d", i))
	}
	try := func(login, password, from string) int {
		code, _, _ := call(t, "POST", e.url+"/api/account/signin", "", map[string]string{"login": login, "password": password}, "X-Forwarded-For", from)
		return code
	}
	lim := account.DefaultLimits
	// One account from many addresses.
	for i := range lim.AccountBurst {
		if code := try("victim0", "guess", fmt.Sprintf("198.51.100.%d", i+1)); code != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d", i, code)
		}
	}
	if code := try("victim0", "guess", "198.51.100.200"); code != http.StatusTooManyRequests {
		t.Errorf("guess past the account's burst: %d", code)
	}
	if code := try("victim0", "victim0 password", "203.0.113.9"); code != http.StatusTooManyRequests {
		t.Errorf("the right password during the lock-out: %d (refused without a check)", code)
	}
	if code := try("victim1", "victim1 password", "198.51.100.1"); code != http.StatusOK {
		t.Errorf("another account from a guessing address: %d", code)
	}
	// One address across accounts, unknown logins included.
	from := "192.0.2.7"
	n := 0
	for ; n < 3*lim.AddrBurst; n++ {
		if code := try(fmt.Sprintf("nobody%d", n), "guess", from); code == http.StatusTooManyRequests {
			break
		}
	}
	if n != lim.AddrBurst {
		t.Errorf("the address was cut off after %d failures, want %d", n, lim.AddrBurst)
	}
	code, body, resp := call(t, "POST", e.url+"/api/account/signin", "", map[string]string{"login": "victim2", "password": "victim2 password"}, "X-Forwarded-For", from)
	if code != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), "rate_limited") {
		t.Errorf("a right password from the cut-off address: %d %s", code, body)
	}
	if code := try("victim2", "victim2 password", "192.0.2.8"); code != http.StatusOK {
		t.Errorf("the same account from another address: %d", code)
	}
}

// TestAccountsSurviveRestart: accounts, sessions, room records, co-
// facilitators and reissued links come back after a restart on both
// stores; a room the hub no longer holds stays in the list as expired.
func TestAccountsSurviveRestart(t *testing.T) {
	for _, name := range []string{"bolt", "redis"} {
		t.Run(name, func(t *testing.T) {
			var open func() store.Store
			if name == "bolt" {
				path := filepath.Join(t.TempDir(), "huddle.db")
				open = func() store.Store {
					b, err := store.OpenBolt(path)
					if err != nil {
						t.Fatal(err)
					}
					return b
				}
			} else {
				url, prefix := storetest.RedisURL(t), storetest.UniquePrefix(t)
				open = func() store.Store {
					r, err := store.OpenRedis(context.Background(), url, prefix)
					if err != nil {
						t.Fatal(err)
					}
					return r
				}
			}
			st := open()
			e1 := startEnv(t, st, gameScenario(t))
			_, anna := addFacilitator(t, e1, "anna")
			_, boris := addFacilitator(t, e1, "boris")
			c := createAs(t, e1.url, anna, map[string]any{"scenario": "ws-game", "team_count": 2})
			gone := createAs(t, e1.url, anna, map[string]any{"scenario": "ws-game"})
			if code := postJSONAs(t, anna, e1.url+"/api/account/rooms/"+c.Room+"/co", map[string]string{"login": "boris"}, nil); code != http.StatusOK {
				t.Fatal("add co")
			}
			var links linksResponse
			if code := postJSONAs(t, boris, e1.url+"/api/account/rooms/"+c.Room+"/links", map[string]bool{"host": true}, &links); code != http.StatusOK || links.HostToken == "" || links.ScreenToken != "" {
				t.Fatalf("reissue: %d %+v", code, links)
			}
			if err := e1.hub.Delete(context.Background(), gone.Room); err != nil { // as expiry would
				t.Fatal(err)
			}
			addr := strings.TrimPrefix(e1.url, "http://")
			e1.stop()
			st.Close()

			st = open()
			t.Cleanup(func() { st.Close() })
			e2 := startEnvAt(t, st, gameScenario(t), nil, addr)
			rooms := myRooms(t, e2.url, anna)
			if len(rooms) != 2 {
				t.Fatalf("Anna's rooms after the restart: %+v", rooms)
			}
			status := map[string]string{}
			for _, r := range rooms {
				status[r.Room] = r.Status
			}
			if status[c.Room] != statusRunning || status[gone.Room] != statusExpired {
				t.Errorf("statuses %v", status)
			}
			if rs := myRooms(t, e2.url, boris); len(rs) != 1 || rs[0].Room != c.Room {
				t.Errorf("Boris's rooms after the restart: %+v", rs)
			}
			if signInHTTP(t, e2.url, "anna", "anna password") == "" {
				t.Fatal("no session")
			}
			old := dial(t, e2.url, c.Room, c.HostToken)
			old.waitFor("refusal", func(cl *client) bool { return cl.closed != nil })
			host := dial(t, e2.url, c.Room, links.HostToken)
			host.do("start", nil)
			// Deleting the expired room forgets it.
			if code, _, _ := call(t, "DELETE", e2.url+"/api/account/rooms/"+gone.Room, anna, map[string]any{}); code != http.StatusNoContent {
				t.Errorf("delete the expired room: %d", code)
			}
			if rs := myRooms(t, e2.url, anna); len(rs) != 1 {
				t.Errorf("after delete: %+v", rs)
			}
		})
	}
}

// TestReissueAndRemoveOverWebSockets: new links close the sockets of the old
// host token at once; the owner's session socket stays; taking a
// co-facilitator off a room closes the sockets their session opened there;
// deleting a room ends it for everyone.
func TestReissueAndRemoveOverWebSockets(t *testing.T) {
	e := startEnv(t, store.NewMemory(), gameScenario(t))
	_, owner := addFacilitator(t, e, "owner")
	co, coS := addFacilitator(t, e, "cofac")
	c := createAs(t, e.url, owner, map[string]any{"scenario": "ws-game", "team_count": 2})
	postJSONAs(t, owner, e.url+"/api/account/rooms/"+c.Room+"/co", map[string]string{"login": "cofac"}, nil)
	byToken := dial(t, e.url, c.Room, c.HostToken)
	screen := dial(t, e.url, c.Room, c.ScreenToken)
	mine := dialAs(t, e.url, c.Room, "", owner)
	theirs := dialAs(t, e.url, c.Room, "", coS)
	for _, cl := range []*client{byToken, screen, mine, theirs} {
		cl.waitFor("view", func(cl *client) bool { _, ok := cl.latest["view"]; return ok })
	}
	var links linksResponse
	if code := postJSONAs(t, owner, e.url+"/api/account/rooms/"+c.Room+"/links", map[string]bool{"host": true, "screen": true}, &links); code != http.StatusOK {
		t.Fatalf("reissue: %d", code)
	}
	for _, cl := range []*client{byToken, screen} {
		cl.waitFor("closed", func(cl *client) bool { return cl.closed != nil })
		if websocket.CloseStatus(cl.closed) != websocket.StatusPolicyViolation {
			t.Errorf("an old token's socket closed with %v", cl.closed)
		}
	}
	mine.do("start", nil)
	if code, _, _ := call(t, "GET", e.url+"/api/rooms/"+c.Room+"/export.json?token="+c.HostToken, "", nil); code != http.StatusUnauthorized {
		t.Errorf("an export with the old host token: %d", code)
	}
	if code, _, _ := call(t, "GET", e.url+"/api/rooms/"+c.Room+"/export.json?token="+links.HostToken, "", nil); code != http.StatusOK {
		t.Errorf("an export with the new host token: %d", code)
	}
	if code, _, _ := call(t, "DELETE", e.url+"/api/account/rooms/"+c.Room+"/co/"+co.ID, owner, map[string]any{}); code != http.StatusOK {
		t.Fatalf("remove co: %d", code)
	}
	theirs.waitFor("closed", func(cl *client) bool { return cl.closed != nil })
	if again := dialAs(t, e.url, c.Room, "", coS); true {
		again.waitFor("refusal", func(cl *client) bool { return cl.closed != nil })
		if again.latest["error"].Code != "unauthorized" {
			t.Errorf("a removed co-facilitator: %+v", again.all)
		}
	}
	if code, _, _ := call(t, "DELETE", e.url+"/api/account/rooms/"+c.Room, owner, map[string]any{}); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	mine.waitFor("closed", func(cl *client) bool { return cl.closed != nil })
	if e.hub.Room(c.Room) != nil || slices.ContainsFunc(myRooms(t, e.url, owner), func(r myRoomJSON) bool { return r.Room == c.Room }) {
		t.Error("the deleted room is still there")
	}
}

// wrongFirst returns token with its first character changed: a token one
// character off.
func wrongFirst(token string) string {
	if token[0] == '0' {
		return "1" + token[1:]
	}
	return "0" + token[1:]
}
