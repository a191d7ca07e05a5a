package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/huddle-live/huddle/internal/store/storetest"
	"github.com/huddle-live/huddle/internal/web"
	"github.com/huddle-live/huddle/internal/web/wstest"
)

// These tests attack the real binary the way an outside probe did.

// TestTermWithHostileSockets: with 200 sockets that claimed a 100 MB frame
// and went silent, 100 that stopped in the middle of a frame before their
// hello, and honest phones, SIGTERM ends the process within the 10 s the
// README promises; also when the store is down, so that the final
// snapshots cannot be written.
func TestTermWithHostileSockets(t *testing.T) {
	for _, mode := range []string{"bolt", "redis down"} {
		t.Run(mode, func(t *testing.T) {
			var env []string
			var proxy *storetest.Proxy
			if mode == "redis down" {
				srv := storetest.StartServer(t)
				proxy = storetest.NewProxy(t, srv.Addr())
				env = append(env, "REDIS_URL=redis://"+proxy.Addr()+"/0", "HUDDLE_REDIS_PREFIX="+storetest.UniquePrefix(t))
			}
			in := newInstance(t, env...)
			p := in.start()
			var room createdRoom
			if code := p.createRoom(t, map[string]any{"scenario": "process", "team_count": 2, "lang": "en"}, &room); code != http.StatusCreated {
				t.Fatalf("create room: %d", code)
			}
			var players []joinedPlayer
			for i := range 10 {
				var j joinedPlayer
				if code := postJSON(t, p.base+"/api/join", map[string]any{"code": room.Code, "name": fmt.Sprintf("Участник %d", i)}, &j); code != http.StatusCreated {
					t.Fatalf("join: %d", code)
				}
				players = append(players, j)
			}
			var phones []*wsClient
			for _, pl := range players {
				cl := dialWS(t, p.base, room.Room, pl.Token)
				if cl == nil || !cl.wait(func(cl *wsClient) bool { _, ok := cl.latest["me"]; return ok }) {
					t.Fatal("phone did not connect")
				}
				phones = append(phones, cl)
			}
			hello, _ := json.Marshal(map[string]string{"type": "hello", "token": players[0].Token, "lang": "en"})
			ws := p.base + "/ws/" + room.Room

			// One of them alone first, to see how soon it is cut.
			r, err := wstest.Dial(ws, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Text(string(hello)); err != nil {
				t.Fatal(err)
			}
			if err := r.Hostile(100<<20, 8<<10); err != nil {
				t.Fatal(err)
			}
			cut, err := r.WaitClosed(10 * time.Second)
			r.Close()
			if err != nil {
				t.Fatalf("a hostile socket: %v", err)
			}

			var mu sync.Mutex
			var socks []*wstest.Raw
			var wg sync.WaitGroup
			for i := range 300 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := wstest.Dial(ws, nil)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					socks = append(socks, r)
					mu.Unlock()
					if i >= 200 {
						key, err := r.Header(0x1, 3000)
						if err == nil {
							err = r.Payload(key, []byte(`{"type":"h`))
						}
						if err != nil {
							t.Error(err)
						}
						return
					}
					if r.Text(string(hello)) == nil {
						_ = r.Hostile(100<<20, 8<<10) // the server may cut it before the last byte
					}
				}()
			}
			wg.Wait()
			t.Cleanup(func() {
				for _, r := range socks {
					r.Close()
				}
			})
			if proxy != nil {
				proxy.Cut()
			}
			took, err := p.term(20 * time.Second)
			var exit *exec.ExitError
			if err != nil && !(proxy != nil && errors.As(err, &exit)) { // with the store down the final snapshots fail: status 1
				t.Fatalf("SIGTERM: %v\n%s", err, p.output())
			}
			if took > 10*time.Second {
				t.Errorf("exit took %v, want under 10 s\n%s", took, p.output())
			}
			for _, cl := range phones {
				cl.wait(func(cl *wsClient) bool { return cl.closed != nil })
				if got := websocket.CloseStatus(cl.closedErr()); got != websocket.StatusServiceRestart {
					t.Errorf("phone closed with %v, want 1012", cl.closedErr())
				}
			}
			t.Logf("a hostile socket cut after %v; SIGTERM to exit %v with %d hostile sockets (%v)",
				cut.Round(time.Millisecond), took.Round(time.Millisecond), len(socks), err)
		})
	}
}

// TestMediaStaysInScenarios: /media/ serves images of the scenarios
// directory, including through a link that stays inside it, and nothing
// that a link leads to outside it.
func TestMediaStaysInScenarios(t *testing.T) {
	in := newInstance(t)
	scen := filepath.Join(in.dir, "scenarios")
	outside := filepath.Join(in.dir, "outside")
	png := []byte("\x89PNG\r\n\x1a\nquestion image")
	for name, data := range map[string][]byte{
		filepath.Join(scen, "img", "q1.png"):         png,
		filepath.Join(outside, "secret.png"):         []byte("\x89PNG\r\n\x1a\nsecret"),
		filepath.Join(scen, "album.png", "a.txt"):    []byte("a directory named like an image"),
		filepath.Join(outside, "deep", "secret.svg"): []byte("<svg>secret</svg>"),
	} {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{
		"leak.svg":   "/etc/passwd",
		"shadow.png": "/etc/shadow",
		"abs.png":    filepath.Join(outside, "secret.png"),
		"rel.png":    "../outside/secret.png",
		"out":        outside, // a directory
		"inside.png": "img/q1.png",
	} {
		if err := os.Symlink(target, filepath.Join(scen, link)); err != nil {
			t.Fatal(err)
		}
	}
	p := in.start()
	for path, want := range map[string]int{
		"/media/img/q1.png":          http.StatusOK,
		"/media/inside.png":          http.StatusOK,
		"/media/leak.svg":            http.StatusNotFound,
		"/media/shadow.png":          http.StatusNotFound,
		"/media/abs.png":             http.StatusNotFound,
		"/media/rel.png":             http.StatusNotFound,
		"/media/out/secret.png":      http.StatusNotFound,
		"/media/out/deep/secret.svg": http.StatusNotFound,
		"/media/album.png":           http.StatusNotFound,
	} {
		resp, err := http.Get(p.base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
		if want == http.StatusOK && !bytes.Equal(body, png) || want != http.StatusOK && (bytes.Contains(body, []byte("root:")) || bytes.Contains(body, []byte("secret"))) {
			t.Errorf("GET %s served %.40q", path, body)
		}
	}
}

// floodFor is how long TestRoomFlood floods: a few seconds in CI,
// HUDDLE_FLOOD_FOR (e.g. 1m) for the figures in docs/security.md.
func floodFor(t *testing.T) time.Duration {
	if v := os.Getenv("HUDDLE_FLOOD_FOR"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("HUDDLE_FLOOD_FOR=%q: %v", v, err)
		}
		return d
	}
	return 3 * time.Second
}

// TestRoomFlood: one address asking for rooms as fast as it can, from 8
// connections, gets the burst and then a few a minute; everything else is
// refused with 429 rooms_rate_limited. It logs the server's memory before and
// after.
func TestRoomFlood(t *testing.T) {
	dur := floodFor(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	debug := ln.Addr().String()
	ln.Close()
	in := newInstance(t, "HUDDLE_PPROF="+debug)
	p := in.start()
	before := p.usage(t, debug)
	var created, refused, other atomic.Int64
	body := []byte(`{"scenario":"process","team_count":4}`)
	stop := time.Now().Add(dur)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				req, _ := http.NewRequest("POST", p.base+"/api/rooms", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.AddCookie(&http.Cookie{Name: "huddle_session", Value: p.session})
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					other.Add(1)
					continue
				}
				var e struct{ Error string }
				_ = json.NewDecoder(resp.Body).Decode(&e)
				resp.Body.Close()
				switch {
				case resp.StatusCode == http.StatusCreated:
					created.Add(1)
				case resp.StatusCode == http.StatusTooManyRequests && e.Error == "rooms_rate_limited":
					refused.Add(1)
				default:
					other.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	after := p.usage(t, debug)
	lim := web.DefaultLimits
	most := int64(lim.RoomBurst) + int64(float64(lim.RoomsPerMinute)*dur.Minutes()) + 1
	if n := created.Load(); n > most || n < int64(lim.RoomBurst) {
		t.Errorf("%d rooms created in %v from one address, want %d to %d", n, dur, lim.RoomBurst, most)
	}
	if other.Load() > 0 || refused.Load() == 0 {
		t.Errorf("%d refused with rooms_rate_limited, %d other answers", refused.Load(), other.Load())
	}
	t.Logf("flood of %v from one address: %d rooms created, %d refused (%.0f a minute); server before %s, after %s",
		dur, created.Load(), refused.Load(), float64(refused.Load())/dur.Minutes(), before, after)
}

// usage is the process's resident memory and goroutines, read from /proc
// and from its -pprof listener.
func (p *proc) usage(t *testing.T, debug string) string {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	rss := "?"
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			if kb, err := strconv.Atoi(f[0]); err == nil {
				rss = fmt.Sprintf("%.0f MB", float64(kb)/1024)
			}
		}
	}
	goroutines := "?"
	resp, err := http.Get("http://" + debug + "/debug/pprof/goroutine?debug=1")
	if err == nil {
		first, _, _ := strings.Cut(readAll(resp), "\n")
		goroutines = strings.TrimPrefix(first, "goroutine profile: total ")
	}
	return fmt.Sprintf("RSS %s, %s goroutines", rss, goroutines)
}

func readAll(resp *http.Response) string {
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func TestConfigFrontLimits(t *testing.T) {
	var stderr bytes.Buffer
	c, err := parseConfig([]string{"huddle"}, env(nil), &stderr)
	if err != nil || c.RoomsPerMinute != web.DefaultLimits.RoomsPerMinute || c.ConnsPerClient != web.DefaultLimits.ConnsPerClient {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	c, err = parseConfig([]string{"huddle", "-rooms-per-minute", "30"}, env(map[string]string{"HUDDLE_CONNS_PER_CLIENT": "5000", "HUDDLE_ROOMS_PER_MINUTE": "2"}), &stderr)
	if err != nil || c.RoomsPerMinute != 30 || c.ConnsPerClient != 5000 {
		t.Fatalf("flag and env: %+v %v", c, err)
	}
	for _, args := range [][]string{{"huddle", "-rooms-per-minute", "0"}, {"huddle", "-rooms-per-minute", "many"}, {"huddle", "-conns-per-client", "3"}} {
		if _, err := parseConfig(args, env(nil), &stderr); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
