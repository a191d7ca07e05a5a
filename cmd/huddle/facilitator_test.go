package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/store/storetest"
)

// The facilitator every process test instance has.
const (
	processLogin    = "process@test"
	processPassword = "process password"
)

// facilitator runs `huddle facilitator ARGS...` on the instance's store,
// with the password on stdin, and fails the test unless it succeeds.
func (in *instance) facilitator(args ...string) string {
	in.t.Helper()
	out, err := in.facilitatorWith(processPassword+"\n", args...)
	if err != nil {
		in.t.Fatalf("huddle facilitator %v: %v\n%s", args, err, out)
	}
	return out
}

func (in *instance) facilitatorWith(stdin string, args ...string) (string, error) {
	in.t.Helper()
	cmd := exec.Command(huddleBinary(in.t), append([]string{"facilitator"}, args...)...)
	cmd.Env = in.env
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// signIn signs in over HTTP and returns the session cookie.
func signIn(t testing.TB, base, login, password string) string {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"login": login, "password": password})
	resp, err := http.Post(base+"/api/account/signin", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sign in as %s: %d", login, resp.StatusCode)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "huddle_session" {
			return c.Value
		}
	}
	t.Fatal("sign in: no session cookie")
	return ""
}

func signInStatus(t testing.TB, base, login, password string) int {
	t.Helper()
	var e struct{ Error string }
	return postJSON(t, base+"/api/account/signin", map[string]string{"login": login, "password": password}, &e)
}

// TestFacilitatorCommand runs `huddle facilitator` as a real process on
// both stores: add, list, a taken login, reset-password (which ends the
// sessions), remove; the server started on the same store signs the
// accounts in and keeps their sessions across a restart.
func TestFacilitatorCommand(t *testing.T) {
	for _, name := range []string{"bolt", "redis"} {
		t.Run(name, func(t *testing.T) {
			var env []string
			if name == "redis" {
				env = append(env, "REDIS_URL="+storetest.RedisURL(t), "HUDDLE_REDIS_PREFIX="+storetest.UniquePrefix(t))
			}
			in := newInstance(t, env...)
			p := in.start() // adds processLogin first
			if strings.Contains(p.output(), "/setup#") {
				t.Errorf("a setup link was printed though an account exists:\n%s", p.output())
			}
			p.term(15 * time.Second)

			if out := in.facilitator("add", "-login", "Anna@Example.org", "-name", "Анна  Петрова"); !strings.Contains(out, "anna@example.org (Анна Петрова)") {
				t.Errorf("add: %s", out)
			}
			if out, err := in.facilitatorWith("another password\n", "add", "-login", "anna@example.org", "-name", "X"); err == nil || !strings.Contains(out, "login taken") {
				t.Errorf("the same login twice: %v\n%s", err, out)
			}
			if out, err := in.facilitatorWith("short\n", "add", "-login", "boris", "-name", "Борис"); err == nil || !strings.Contains(out, "10 to 256") {
				t.Errorf("a short password: %v\n%s", err, out)
			}
			list := in.facilitator("list")
			if !regexp.MustCompile(`(?m)^process@test\s+Process\s`).MatchString(list) || !regexp.MustCompile(`(?m)^anna@example.org\s+Анна Петрова\s`).MatchString(list) {
				t.Errorf("list:\n%s", list)
			}

			p = in.start()
			anna := signIn(t, p.base, "ANNA@example.org", processPassword)
			var room createdRoom
			if code := postJSONAs(t, anna, p.base+"/api/rooms", map[string]any{"scenario": "process"}, &room); code != http.StatusCreated {
				t.Fatalf("Anna creates a room: %d", code)
			}
			p.term(15 * time.Second)

			// A restart keeps the session; reset-password ends it.
			p = in.start()
			if code := postJSONAs(t, anna, p.base+"/api/rooms", map[string]any{"scenario": "process"}, &room); code != http.StatusCreated {
				t.Fatalf("Anna's session after a restart: %d", code)
			}
			p.term(15 * time.Second)
			if out, err := in.facilitatorWith("a brand new password\n", "reset-password", "-login", "anna@example.org"); err != nil || !strings.Contains(out, "sessions are ended") {
				t.Fatalf("reset-password: %v\n%s", err, out)
			}
			p = in.start()
			var e struct{ Error string }
			if code := postJSONAs(t, anna, p.base+"/api/rooms", map[string]any{"scenario": "process"}, &e); code != http.StatusUnauthorized || e.Error != "sign_in_required" {
				t.Errorf("the session after reset-password: %d %s", code, e.Error)
			}
			if code := signInStatus(t, p.base, "anna@example.org", processPassword); code != http.StatusUnauthorized {
				t.Errorf("the old password: %d", code)
			}
			signIn(t, p.base, "anna@example.org", "a brand new password")
			p.term(15 * time.Second)

			if out := in.facilitator("remove", "-login", "anna@example.org"); !strings.Contains(out, "removed facilitator anna@example.org") {
				t.Errorf("remove: %s", out)
			}
			if out, err := in.facilitatorWith("", "remove", "-login", "anna@example.org"); err == nil || !strings.Contains(out, "not found") {
				t.Errorf("remove twice: %v\n%s", err, out)
			}
			p = in.start()
			if code := signInStatus(t, p.base, "anna@example.org", "a brand new password"); code != http.StatusUnauthorized {
				t.Errorf("a removed account signs in: %d", code)
			}
		})
	}
}

var setupLink = regexp.MustCompile(`(http://\S+)/setup#([0-9a-f]{64})`)

// TestSetupLink: a server with no account prints a one-time setup link on
// each start (the earlier one stops working); the link creates the first
// account and signs it in; then no link is printed any more.
func TestSetupLink(t *testing.T) {
	dir := t.TempDir()
	in := newInstance(t)
	in.empty = true
	in.env = append(in.env, "HUDDLE_DATA="+filepath.Join(dir, "fresh"))
	p := in.start()
	first := setupLink.FindStringSubmatch(p.output())
	if first == nil || first[1] != p.base {
		t.Fatalf("no setup link for %s in:\n%s", p.base, p.output())
	}
	p.term(15 * time.Second)
	p = in.start()
	second := setupLink.FindStringSubmatch(p.output())
	if second == nil || second[2] == first[2] {
		t.Fatalf("no new setup link on the second start:\n%s", p.output())
	}
	register := func(token string) int {
		var e struct{ Error string }
		return postJSON(t, p.base+"/api/account/register", map[string]string{"token": token, "name": "Вера", "login": "vera", "password": "vera's password"}, &e)
	}
	if code := register(first[2]); code != http.StatusGone {
		t.Errorf("the first start's link: %d, want 410", code)
	}
	if code := register(second[2]); code != http.StatusCreated {
		t.Fatalf("the setup link: %d", code)
	}
	if code := register(second[2]); code != http.StatusGone {
		t.Errorf("the setup link twice: %d", code)
	}
	p.term(15 * time.Second)
	p = in.start()
	if strings.Contains(p.output(), "/setup#") {
		t.Errorf("a setup link once an account exists:\n%s", p.output())
	}
	signIn(t, p.base, "vera", "vera's password")
	_ = os.Remove(filepath.Join(dir, "fresh"))
}
