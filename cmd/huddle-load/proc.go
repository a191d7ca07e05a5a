package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
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
	debug           string    // host:port of huddle's -pprof listener
	restart         restarter // crashes and restarts a spawned server; nil otherwise
	peers           []target  // the other processes sharing its rooms on one Redis
}

// addrs are the addresses of the target and its peers, the target first.
func (t target) addrs() []string {
	out := []string{t.addr}
	for _, p := range t.peers {
		out = append(out, p.addr)
	}
	return out
}

// sample is what a target's process and store had done at one moment.
type sample struct {
	at        time.Time
	cpu       time.Duration // user + system
	sys       time.Duration // system alone: the kernel's side of the sockets
	syscalls  int64         // read-like and write-like system calls (/proc/PID/io syscr + syscw)
	client    time.Duration // the generator's own CPU: its phones share the machine with the server
	rss       int64         // bytes
	writes    int64         // store appends + snapshots
	events    int64
	haveStore bool
}

// memStats is what the Go runtime of a target says about its memory, from
// its /debug/pprof listener after a forced collection: the live heap, the
// goroutine stacks and the goroutines.
type memStats struct {
	heap, stack int64 // bytes
	goroutines  int64
	allocated   int64 // bytes allocated since the process started (TotalAlloc)
	ok          bool
}

// memory reads the target's runtime figures and, when dir is not empty,
// keeps its heap and goroutine profiles there under name.
func (t target) memory(ctx context.Context, dir, name string) memStats {
	m := t.memoryOne(ctx, dir, name)
	for i, p := range t.peers { // a cluster's memory is all its processes'
		pm := p.memoryOne(ctx, dir, fmt.Sprintf("%s-%d", name, i+1))
		m.heap, m.stack, m.goroutines, m.ok = m.heap+pm.heap, m.stack+pm.stack, m.goroutines+pm.goroutines, m.ok && pm.ok
		m.allocated += pm.allocated
	}
	return m
}

func (t target) memoryOne(ctx context.Context, dir, name string) memStats {
	var m memStats
	if t.debug == "" {
		return m
	}
	get := func(path string) []byte {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+t.debug+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return nil
		}
		return b
	}
	heap := get("/debug/pprof/heap?debug=1&gc=1")
	for line := range strings.Lines(string(heap)) {
		if v, ok := strings.CutPrefix(line, "# HeapAlloc = "); ok {
			m.heap, _ = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			m.ok = true
		}
		if v, ok := strings.CutPrefix(line, "# TotalAlloc = "); ok {
			m.allocated, _ = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
		if v, ok := strings.CutPrefix(line, "# Stack = "); ok {
			in, _, _ := strings.Cut(v, " /")
			m.stack, _ = strconv.ParseInt(strings.TrimSpace(in), 10, 64)
		}
	}
	g := get("/debug/pprof/goroutine?debug=1")
	if first, _, _ := strings.Cut(string(g), "\n"); strings.HasPrefix(first, "goroutine profile: total ") {
		m.goroutines, _ = strconv.ParseInt(strings.TrimPrefix(first, "goroutine profile: total "), 10, 64)
	}
	if dir != "" {
		_ = os.MkdirAll(dir, 0o755)
		_ = os.WriteFile(filepath.Join(dir, name+".heap.txt"), heap, 0o644)
		_ = os.WriteFile(filepath.Join(dir, name+".goroutine.txt"), g, 0o644)
		if b := get("/debug/pprof/heap"); b != nil {
			_ = os.WriteFile(filepath.Join(dir, name+".heap.pb.gz"), b, 0o644)
		}
	}
	return m
}

const clockTick = 100 // USER_HZ on Linux

// selfCPU is the generator's own user and system CPU so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (t target) sample(ctx context.Context) sample {
	s := t.sampleOne(ctx)
	for _, p := range t.peers { // a cluster's CPU and memory are all its processes'
		ps := p.sampleOne(ctx)
		s.cpu, s.rss, s.writes, s.events = s.cpu+ps.cpu, s.rss+ps.rss, s.writes+ps.writes, s.events+ps.events
		s.sys, s.syscalls = s.sys+ps.sys, s.syscalls+ps.syscalls
	}
	return s
}

func (t target) sampleOne(ctx context.Context) sample {
	s := sample{at: time.Now(), client: selfCPU()}
	if t.pid != 0 {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", t.pid)); err == nil {
			// fields after the command name, which is in parentheses
			f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
			if len(f) > 13 {
				ut, _ := strconv.ParseInt(f[11], 10, 64)
				st, _ := strconv.ParseInt(f[12], 10, 64)
				s.cpu = time.Duration(ut+st) * time.Second / clockTick
				s.sys = time.Duration(st) * time.Second / clockTick
			}
		}
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", t.pid)); err == nil {
			for line := range strings.Lines(string(b)) {
				k, v, _ := strings.Cut(strings.TrimSpace(line), ": ")
				if k == "syscr" || k == "syscw" {
					n, _ := strconv.ParseInt(v, 10, 64)
					s.syscalls += n
				}
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

// compact asks the target, through its -pprof listener, to collect its
// garbage and give free memory back to the system, so that what the
// phones take is measured from a compact start: huddle otherwise keeps
// the 46 MiB of the facilitator's password check, and the first phones
// fill it without growing the RSS.
func (t target) compact(ctx context.Context) {
	for _, p := range t.peers {
		p.compact(ctx)
	}
	if t.debug == "" {
		return
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+t.debug+"/debug/free-memory", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
}

// cpuProfile starts taking a CPU profile of the target for d into
// dir/name.cpu.pb.gz, when dir is set and the target serves pprof; wait
// returns once it is written.
func (t target) cpuProfile(ctx context.Context, dir, name string, d time.Duration) (wait func()) {
	if dir == "" || t.debug == "" {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", t.debug, max(1, int(d.Seconds())))
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			return
		}
		_ = os.MkdirAll(dir, 0o755)
		_ = os.WriteFile(filepath.Join(dir, name+".cpu.pb.gz"), b, 0o644)
	}()
	return func() { <-done }
}

// child is a server process the generator started.
type child struct {
	cmd *exec.Cmd
}

// crash kills the process at once, as a power cut would: no final
// snapshot, nothing flushed.
func (c *child) crash() {
	_ = c.cmd.Process.Kill()
	_ = c.cmd.Wait()
}

// again starts the same command anew, its output to logTo.
func (c *child) again(logTo *os.File) error {
	cmd := exec.Command(c.cmd.Path, c.cmd.Args[1:]...)
	cmd.Stdout, cmd.Stderr = logTo, logTo
	if err := cmd.Start(); err != nil {
		return err
	}
	c.cmd = cmd
	return nil
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
