package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// These tests run the real binary as a child process, kill or stop it, and
// start it again on the same store, with real WebSocket clients.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

// huddleBinary builds the huddle command once per test run.
func huddleBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "huddle-bin-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "huddle")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// processScenario has long questions, so that only the host moves the room
// on and timers cannot fire during a test.
const processScenario = `
id: process
title: Process test
language: en
stages:
  - id: s
    kind: quiz
    time_limit: 10m
    questions:
      - {id: q1, type: single, text: One, options: [{text: A, correct: true}, {text: B}]}
      - {id: q2, type: single, text: Two, options: [{text: A}, {text: B, correct: true}]}
      - {id: q3, type: single, text: Three, options: [{text: A, correct: true}, {text: B}]}
      - {id: q4, type: single, text: Four, options: [{text: A}, {text: B, correct: true}]}
      - {id: q5, type: single, text: Five, options: [{text: A, correct: true}, {text: B}]}
      - {id: q6, type: single, text: Six, options: [{text: A}, {text: B, correct: true}]}
`

// proc is one run of the huddle binary.
type proc struct {
	t       testing.TB
	session string // the instance's facilitator's session cookie
	cmd     *exec.Cmd
	log     *os.File
	base    string
	done    chan struct{}
	err     error
}

// instance is what stays the same across restarts: address, store, scenarios.
type instance struct {
	t       testing.TB
	session string // signed in on the first start; sessions survive restarts
	empty   bool   // no facilitator: the server starts with no account
	addr    string
	env     []string
	dir     string
	runs    int
}

func newInstance(t testing.TB, env ...string) *instance {
	t.Helper()
	dir := t.TempDir()
	scen := filepath.Join(dir, "scenarios")
	if err := os.Mkdir(scen, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(scen, "process.yaml"), []byte(processScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env = append([]string{"HUDDLE_ADDR=" + addr, "HUDDLE_DATA=" + filepath.Join(dir, "data"), "HUDDLE_SCENARIOS=" + scen,
		"HUDDLE_PUBLIC_URL=http://" + addr, "HOME=" + dir, "PATH=" + os.Getenv("PATH")}, env...)
	return &instance{t: t, addr: addr, env: env, dir: dir}
}

// start runs the binary and waits until it answers /healthz.
func (in *instance) start() *proc {
	in.t.Helper()
	in.runs++
	log, err := os.Create(filepath.Join(in.dir, fmt.Sprintf("run%03d.log", in.runs)))
	if err != nil {
		in.t.Fatal(err)
	}
	if in.runs == 1 && !in.empty {
		in.facilitator("add", "-login", processLogin, "-name", "Process")
	}
	cmd := exec.Command(huddleBinary(in.t))
	cmd.Env = in.env
	cmd.Stdout, cmd.Stderr = log, log // files: no copying goroutines
	if err := cmd.Start(); err != nil {
		in.t.Fatal(err)
	}
	p := &proc{t: in.t, cmd: cmd, log: log, base: "http://" + in.addr, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		log.Close()
		close(p.done)
	}()
	in.t.Cleanup(p.kill)
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(p.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				if in.session == "" && !in.empty {
					in.session = signIn(in.t, p.base, processLogin, processPassword)
				}
				p.session = in.session
				return p
			}
		}
		select {
		case <-p.done:
			in.t.Fatalf("huddle exited at start: %v\n%s", p.err, p.output())
		default:
		}
		if time.Now().After(deadline) {
			in.t.Fatalf("huddle did not come up: %v\n%s", err, p.output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *proc) output() string {
	b, _ := os.ReadFile(p.log.Name())
	return string(b)
}

// kill sends SIGKILL and waits for the process to end.
func (p *proc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// term sends SIGTERM and returns how long the process took to exit.
func (p *proc) term(limit time.Duration) (time.Duration, error) {
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return 0, err
	}
	select {
	case <-p.done:
		return time.Since(start), p.err
	case <-time.After(limit):
		p.kill()
		return time.Since(start), fmt.Errorf("still running after %v", limit)
	}
}

func postJSON(t testing.TB, url string, body, out any) int {
	t.Helper()
	return postJSONAs(t, "", url, body, out)
}

// createRoom creates a room as the instance's facilitator.
func (p *proc) createRoom(t testing.TB, body, out any) int {
	t.Helper()
	return postJSONAs(t, p.session, p.base+"/api/rooms", body, out)
}

// postJSONAs is postJSON with a session cookie ("" for none).
func postJSONAs(t testing.TB, session, url string, body, out any) int {
	t.Helper()
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if session != "" {
		req.AddCookie(&http.Cookie{Name: "huddle_session", Value: session})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && json.Unmarshal(data, out) != nil {
		t.Fatalf("POST %s: %d %s", url, resp.StatusCode, data)
	}
	return resp.StatusCode
}

type createdRoom struct {
	Room, Code string
	HostToken  string `json:"host_token"`
}

type joinedPlayer struct {
	Player, Token string
}

// wsFrame is any server frame.
type wsFrame struct {
	Type      string          `json:"type"`
	Epoch     string          `json:"epoch"`
	Seq       uint64          `json:"seq"`
	ID        string          `json:"id"`
	Duplicate bool            `json:"duplicate"`
	Code      string          `json:"code"`
	Data      json.RawMessage `json:"data"`
}

// wsClient is a real WebSocket client that keeps the latest frame of each
// type and every reply.
type wsClient struct {
	t       testing.TB
	c       *websocket.Conn
	mu      sync.Mutex
	cond    *sync.Cond
	latest  map[string]wsFrame
	replies map[string]wsFrame
	closed  error
	done    chan struct{}
}

// dialWS connects and says hello; it returns nil if the server is not there.
func dialWS(t testing.TB, base, room, token string) *wsClient {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/ws/"+room, nil)
	if err != nil {
		return nil
	}
	c.SetReadLimit(1 << 20)
	cl := &wsClient{t: t, c: c, latest: map[string]wsFrame{}, replies: map[string]wsFrame{}, done: make(chan struct{})}
	cl.cond = sync.NewCond(&cl.mu)
	go cl.read()
	t.Cleanup(cl.close)
	if cl.write(map[string]any{"type": "hello", "token": token, "lang": "en"}) != nil {
		return nil
	}
	return cl
}

func (cl *wsClient) read() {
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
		var f wsFrame
		_ = json.Unmarshal(b, &f)
		cl.latest[f.Type] = f
		// A state frame or an ack may carry the phone's own view, an
		// answer's ack the keys of it that changed, as a page reads them.
		var own struct {
			Me    json.RawMessage `json:"me"`
			Patch json.RawMessage `json:"me_patch"`
		}
		if (f.Type == "state" || f.Type == "ack") && json.Unmarshal(f.Data, &own) == nil && own.Me == nil && own.Patch != nil {
			var me, patch map[string]json.RawMessage
			if prev, ok := cl.latest["me"]; ok && json.Unmarshal(prev.Data, &me) == nil && json.Unmarshal(own.Patch, &patch) == nil {
				maps.Copy(me, patch)
				own.Me, _ = json.Marshal(me)
			}
		}
		if (f.Type == "state" || f.Type == "ack") && own.Me != nil {
			cl.latest["me"] = wsFrame{Type: "me", Epoch: f.Epoch, Seq: f.Seq, Data: own.Me}
		}
		if f.ID != "" {
			cl.replies[f.ID] = f
		}
		cl.cond.Broadcast()
		cl.mu.Unlock()
	}
}

func (cl *wsClient) close() {
	_ = cl.c.CloseNow()
	<-cl.done
}

func (cl *wsClient) write(v any) error {
	b, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return cl.c.Write(ctx, websocket.MessageText, b)
}

// wait waits up to 15 s for cond; it reports false if the socket closed or
// the time ran out.
func (cl *wsClient) wait(cond func(cl *wsClient) bool) bool {
	timer := time.AfterFunc(15*time.Second, func() {
		cl.mu.Lock()
		if cl.closed == nil {
			cl.closed = fmt.Errorf("timed out")
		}
		cl.cond.Broadcast()
		cl.mu.Unlock()
	})
	defer timer.Stop()
	cl.mu.Lock()
	defer cl.mu.Unlock()
	for !cond(cl) {
		if cl.closed != nil {
			return false
		}
		cl.cond.Wait()
	}
	return true
}

func (cl *wsClient) closedErr() error {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.closed
}

// hostView is what these tests read from the host's view.
type hostView struct {
	Phase    string `json:"phase"`
	Question *struct {
		ID       string `json:"id"`
		Deadline int64  `json:"deadline"`
	} `json:"question"`
	Host *struct {
		AnsweredBy []string `json:"answered_by"`
	} `json:"host"`
	Storage string `json:"storage"`
}

func (cl *wsClient) view() (hostView, bool) {
	var v hostView
	f, ok := cl.latest["view"]
	return v, ok && json.Unmarshal(f.Data, &v) == nil
}
