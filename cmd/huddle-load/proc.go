package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// target is a server under load: where it listens, which process to watch
// (0 for none) and where its store counters are (empty for none).
type target struct {
	login, password string // a facilitator who may create the room
	addr            string
	pid             int
	debug           string // host:port of huddle's -pprof listener
}

// sample is what a target's process and store had done at one moment.
type sample struct {
	at        time.Time
	cpu       time.Duration // user + system
	rss       int64         // bytes
	writes    int64         // store appends + snapshots
	events    int64
	haveStore bool
}

const clockTick = 100 // USER_HZ on Linux

func (t target) sample(ctx context.Context) sample {
	s := sample{at: time.Now()}
	if t.pid != 0 {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", t.pid)); err == nil {
			// fields after the command name, which is in parentheses
			f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
			if len(f) > 13 {
				ut, _ := strconv.ParseInt(f[11], 10, 64)
				st, _ := strconv.ParseInt(f[12], 10, 64)
				s.cpu = time.Duration(ut+st) * time.Second / clockTick
			}
		}
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", t.pid)); err == nil {
			for line := range strings.Lines(string(b)) {
				if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
					kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
					s.rss = kb << 10
				}
			}
		}
	}
	if t.debug != "" {
		var c struct{ Appends, Events, Snapshots int64 }
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+t.debug+"/debug/store", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			if json.NewDecoder(resp.Body).Decode(&c) == nil {
				s.writes, s.events, s.haveStore = c.Appends+c.Snapshots, c.Events, true
			}
			resp.Body.Close()
		}
	}
	return s
}

// child is a server process the generator started.
type child struct {
	cmd *exec.Cmd
}

func (c *child) stop() {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}

// spawn starts a server and waits until url answers.
func spawn(ctx context.Context, url string, logTo *os.File, name string, args ...string) (*child, error) {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = logTo, logTo
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{cmd: cmd}
	ok := waitFor(ctx, 30*time.Second, func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return true
	})
	if !ok {
		c.stop()
		return nil, fmt.Errorf("%s did not answer %s within 30 s (its output: %s)", name, url, logTo.Name())
	}
	return c, nil
}

// freeAddr returns a loopback address with a port nobody listens on now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// loadavg is the machine's load, for the report: other work on the machine
// shows in the figures.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// raiseFileLimit lifts the soft limit on open files to the hard one; Go
// does this at start, but says nothing when the hard limit is too low.
func raiseFileLimit(need int) error {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return err
	}
	if rl.Cur < rl.Max {
		rl.Cur = rl.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
	}
	if int(rl.Cur) < need {
		return fmt.Errorf("open-file limit is %d, %d phones need about %d: raise it (ulimit -n)", rl.Cur, need-100, need)
	}
	return nil
}
