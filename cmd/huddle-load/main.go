// Command huddle-load plays a room of phones against a huddle server over
// real WebSockets, then the same load against a bare fan-out server (the
// floor) in the same run, and reports both side by side.
//
//	huddle-load -spawn ./huddle -n 10000 -report run.json
//	huddle-load -addr 127.0.0.1:8080 -n 1000        (a server already running)
//	huddle-load floor -addr 127.0.0.1:9000          (serve the floor; started by -floor)
//	huddle-load centrifuge -addr 127.0.0.1:9001 -data DIR  (serve the centrifuge peer; started by -centrifuge)
//
// docs/benchmarks.md describes the method and the figures.
package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/huddle-live/huddle/internal/loadtest/floor"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "huddle-load:", err)
		os.Exit(1)
	}
}

type config struct {
	n, teams, questions   int
	window                time.Duration
	addr                  string // a huddle server already running; "" with spawn
	pid                   int    // its process, for CPU and memory
	debug                 string // its -pprof address, for store counters
	spawn                 string // huddle binary to start
	store                 string // bolt or redis, with spawn
	redis                 string
	floor                 bool
	floorAddr             string // a floor already running; "" starts one
	floorPID              int    // its process
	centrifuge            bool   // also measure the centrifuge peer
	centrifugeAddr        string // a centrifuge peer already running; "" starts one
	centrifugePID         int
	centrifugeOffReadLoop bool
	report                string
	workers               int
	seed                  int64
	keep                  bool   // keep the spawned server's files
	profile               string // keep heap and goroutine profiles of each server here
	profileFor            time.Duration
	rooms                 int    // rooms the phones are shared among
	restart               bool   // crash and restart the spawned server after the questions
	processes             int    // huddle processes spawned on one Redis, the phones spread over them
	login, password       string // a facilitator of the -addr server; -spawn makes its own
	joinPost              bool   // phones join by POST /api/join, then open their sockets
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 1 && args[1] == "floor" {
		return serveFloor(ctx, args[2:], stderr)
	}
	if len(args) > 1 && args[1] == "centrifuge" {
		return serveCentrifuge(ctx, args[2:], stderr)
	}
	var cfg config
	fs := flag.NewFlagSet("huddle-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&cfg.n, "n", 1000, "phones")
	fs.IntVar(&cfg.teams, "teams", 10, "teams (2 to 20)")
	fs.IntVar(&cfg.questions, "questions", 30, "questions to run (at most 40, the benchmark quiz's length)")
	fs.DurationVar(&cfg.window, "window", 2*time.Second, "every phone answers at a random moment within this time of the question opening")
	fs.StringVar(&cfg.addr, "addr", "", "address of a huddle server already running, e.g. 127.0.0.1:8080; it must serve the benchmark quiz (-write-scenario)")
	fs.IntVar(&cfg.pid, "pid", 0, "with -addr: the server's process id, for CPU and memory")
	fs.StringVar(&cfg.debug, "debug", "", "with -addr: the server's -pprof address, for store write counts")
	fs.StringVar(&cfg.spawn, "spawn", "", "path of a huddle binary to start for the run (instead of -addr)")
	fs.StringVar(&cfg.store, "store", "bolt", "with -spawn: bolt or redis")
	fs.StringVar(&cfg.redis, "redis", "redis://127.0.0.1:6379", "with -store redis: the Redis URL")
	fs.BoolVar(&cfg.floor, "floor", true, "also measure the bare fan-out floor in the same run")
	fs.BoolVar(&cfg.centrifuge, "centrifuge", true, "also measure the same load on a server built on github.com/centrifugal/centrifuge, in the same run")
	fs.BoolVar(&cfg.centrifugeOffReadLoop, "centrifuge-off-read-loop", false, "run the centrifuge peer with ProcessCommandsOffReadLoop (smaller read-loop stacks; off by default in the library)")
	fs.StringVar(&cfg.report, "report", "", "write the JSON report to this file")
	fs.IntVar(&cfg.workers, "workers", 500, "concurrent joins (each from its own loopback address)")
	fs.Int64Var(&cfg.seed, "seed", 1, "seed of the answer moments and choices")
	fs.BoolVar(&cfg.keep, "keep", false, "keep the spawned server's data directory, log and Redis keys")
	fs.StringVar(&cfg.profile, "profile", "", "keep each server's heap and goroutine profiles, before and after the joins, and CPU profiles of its joins and questions, in this directory")
	fs.DurationVar(&cfg.profileFor, "profile-for", 5*time.Second, "with -profile: how long each CPU profile runs, from the first join and from the first question")
	fs.StringVar(&cfg.login, "login", os.Getenv("HUDDLE_LOGIN"), "with -addr: a facilitator's login, to create the room (HUDDLE_LOGIN)")
	fs.StringVar(&cfg.password, "password", os.Getenv("HUDDLE_PASSWORD"), "with -addr: that facilitator's password (HUDDLE_PASSWORD)")
	fs.IntVar(&cfg.rooms, "rooms", 1, "rooms played at once, the phones shared among them (the floor and centrifuge run only with one)")
	fs.IntVar(&cfg.processes, "processes", 1, "with -spawn and -store redis: huddle processes sharing the room on one Redis, the room created on the first, the phones spread over all round-robin (docs/cluster.md)")
	fs.BoolVar(&cfg.restart, "restart", false, "with -spawn: after the questions, kill the server, start it again on the same store and measure how long the room takes to come back")
	fs.BoolVar(&cfg.joinPost, "join-post", false, "phones join by POST /api/join and then open their sockets, as clients without the join in the hello do (by default the hello joins)")
	writeScenario := fs.String("write-scenario", "", "write the benchmark quiz into this directory and exit")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *writeScenario != "" {
		return writeQuiz(*writeScenario)
	}
	if cfg.questions < 1 || cfg.questions > quizLength {
		return fmt.Errorf("-questions must be 1 to %d", quizLength)
	}
	if cfg.rooms < 1 || cfg.rooms > cfg.n {
		return errors.New("-rooms must be 1 to -n")
	}
	if cfg.restart && cfg.spawn == "" {
		return errors.New("-restart needs -spawn")
	}
	if cfg.processes < 1 || (cfg.processes > 1 && (cfg.spawn == "" || cfg.store != "redis" || cfg.restart)) {
		return errors.New("-processes over 1 needs -spawn and -store redis, and no -restart")
	}
	if (cfg.addr == "") == (cfg.spawn == "") {
		return errors.New("give either -addr of a running server or -spawn with a huddle binary")
	}
	if cfg.addr != "" && (cfg.login == "" || cfg.password == "") {
		return errors.New("with -addr, give -login and -password of a facilitator of that server (huddle facilitator add)")
	}
	rep, err := bench(ctx, cfg, stdout)
	if err != nil {
		return err
	}
	rep.print(stdout)
	if cfg.report != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(cfg.report, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// bench runs huddle, then the floor, and returns the report.
func bench(ctx context.Context, cfg config, log io.Writer) (*Report, error) {
	cfg.rooms = max(cfg.rooms, 1)
	if err := raiseFileLimit(cfg.n + 200); err != nil {
		return nil, err
	}
	rep := &Report{Started: time.Now().UTC(), LoadStart: loadavg(), N: cfg.n, Teams: cfg.teams,
		Questions: cfg.questions, WindowMS: cfg.window.Milliseconds(), Store: cfg.store, Processes: max(cfg.processes, 1)}
	t := target{addr: cfg.addr, pid: cfg.pid, debug: cfg.debug, login: cfg.login, password: cfg.password}
	if cfg.spawn != "" {
		dir, err := os.MkdirTemp("", "huddle-load-")
		if err != nil {
			return nil, err
		}
		if !cfg.keep {
			defer os.RemoveAll(dir)
		}
		prefix := fmt.Sprintf("huddle-load:%d:", time.Now().UnixNano())
		if cfg.store == "redis" && !cfg.keep {
			// Runs after the server has stopped (defers run last first).
			defer func() {
				if err := dropKeys(cfg.redis, prefix); err != nil {
					fmt.Fprintf(log, "Redis keys under %s left: %v\n", prefix, err)
				}
			}()
		}
		cs, tt, err := spawnHuddle(ctx, cfg, dir, prefix)
		if err != nil {
			return nil, err
		}
		defer func() {
			for _, c := range cs {
				c.stop()
			}
		}()
		t = tt
	} else {
		rep.Store = ""
	}
	fmt.Fprintf(log, "huddle: %d phones at %s\n", cfg.n, strings.Join(t.addrs(), ", "))
	h, err := runHuddle(ctx, cfg, t)
	if err != nil {
		return nil, fmt.Errorf("huddle: %w", err)
	}
	rep.Huddle = h
	if cfg.rooms > 1 && (cfg.floor || cfg.centrifuge) {
		fmt.Fprintln(log, "floor and centrifuge: not run with -rooms, which they have no notion of")
		cfg.floor, cfg.centrifuge = false, false
	}
	if cfg.floor {
		payload := max(h.PayloadBytes, 64)
		fmt.Fprintf(log, "floor: %d phones, %d-byte frames\n", cfg.n, payload)
		f, err := floorRun(ctx, cfg, payload)
		if err != nil {
			return nil, fmt.Errorf("floor: %w", err)
		}
		rep.Floor = f
	}
	if cfg.centrifuge {
		payload := max(h.PayloadBytes, 64)
		fmt.Fprintf(log, "centrifuge: %d phones, %d-byte publications\n", cfg.n, payload)
		c, err := centrifugeRun(ctx, cfg, payload)
		if err != nil {
			return nil, fmt.Errorf("centrifuge: %w", err)
		}
		rep.Centrifuge = c
	}
	rep.ratios()
	rep.LoadEnd = loadavg()
	return rep, nil
}

// spawnHuddle starts huddle with the benchmark quiz, its store in dir (or
// in Redis under prefix) and profiling on a loopback port: cfg.processes
// of them on one Redis, the first the target, the others its peers.
func spawnHuddle(ctx context.Context, cfg config, dir, prefix string) ([]*child, target, error) {
	if err := writeQuiz(filepath.Join(dir, "scenarios")); err != nil {
		return nil, target{}, err
	}
	storeArgs := []string{"-data", filepath.Join(dir, "data")}
	switch cfg.store {
	case "bolt":
	case "redis":
		storeArgs = append(storeArgs, "-redis", cfg.redis, "-redis-prefix", prefix)
	default:
		return nil, target{}, fmt.Errorf("-store %q: bolt or redis", cfg.store)
	}
	// The room is created by a facilitator, made on the same store before
	// the server opens it.
	login, password := "load@huddle", rand.Text()
	add := exec.CommandContext(ctx, cfg.spawn, append([]string{"facilitator", "add", "-login", login, "-name", "huddle-load"}, storeArgs...)...)
	add.Stdin = strings.NewReader(password + "\n")
	if out, err := add.CombinedOutput(); err != nil {
		return nil, target{}, fmt.Errorf("huddle facilitator add: %v\n%s", err, out)
	}
	var cs []*child
	var t target
	for i := range max(cfg.processes, 1) {
		c, pt, err := spawnOne(ctx, cfg, dir, i, storeArgs)
		if err != nil {
			for _, c := range cs {
				c.stop()
			}
			return nil, target{}, err
		}
		cs = append(cs, c)
		if i == 0 {
			t = pt
			t.login, t.password = login, password
		} else {
			t.peers = append(t.peers, pt)
		}
	}
	if len(cs) > 1 {
		return cs, t, nil // no -restart with several processes
	}
	c := cs[0]
	t.restart = func(ctx context.Context) (time.Time, target, string, error) {
		c.crash()
		// The restarted server says at info level what it restored.
		again := filepath.Join(dir, "huddle-restart.log")
		lf, err := os.Create(again)
		if err != nil {
			return time.Time{}, target{}, "", err
		}
		defer lf.Close()
		for i, a := range c.cmd.Args {
			if a == "-log-level" && i+1 < len(c.cmd.Args) {
				c.cmd.Args[i+1] = "info"
			}
		}
		started := time.Now()
		if err := c.again(lf); err != nil {
			return time.Time{}, target{}, "", err
		}
		nt := t
		nt.pid = c.cmd.Process.Pid
		return started, nt, again, nil
	}
	return cs, t, nil
}

// spawnOne starts the i-th huddle process of a run.
func spawnOne(ctx context.Context, cfg config, dir string, i int, storeArgs []string) (*child, target, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, target{}, err
	}
	debug, err := freeAddr()
	if err != nil {
		return nil, target{}, err
	}
	args := append([]string{"-addr", addr, "-pprof", debug, "-scenarios", filepath.Join(dir, "scenarios"),
		"-log-level", "warn", "-public-url", "http://" + addr, "-rooms-per-minute", fmt.Sprint(max(5, cfg.rooms)),
		"-node", fmt.Sprintf("load%d", i)}, storeArgs...)
	name := "huddle.log"
	if i > 0 {
		name = fmt.Sprintf("huddle-%d.log", i)
	}
	logf, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return nil, target{}, err
	}
	defer logf.Close()
	c, err := spawn(ctx, "http://"+addr+"/healthz", logf, cfg.spawn, args...)
	if err != nil {
		return nil, target{}, err
	}
	return c, target{addr: addr, pid: c.cmd.Process.Pid, debug: debug}, nil
}

// floorRun measures the floor: the one given, or one started as a child
// process of this program so that its CPU and memory are its own.
func floorRun(ctx context.Context, cfg config, payload int64) (*Result, error) {
	t := target{addr: cfg.floorAddr, pid: cfg.floorPID}
	if t.addr == "" {
		self, err := os.Executable()
		if err != nil {
			return nil, err
		}
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		debug, err := freeAddr()
		if err != nil {
			return nil, err
		}
		logf, err := os.CreateTemp("", "huddle-load-floor-*.log")
		if err != nil {
			return nil, err
		}
		defer os.Remove(logf.Name())
		defer logf.Close()
		c, err := spawn(ctx, "http://"+addr+"/healthz", logf, self, "floor", "-addr", addr, "-pprof", debug)
		if err != nil {
			return nil, err
		}
		defer c.stop()
		t = target{addr: addr, pid: c.cmd.Process.Pid, debug: debug}
	}
	return runFloor(ctx, cfg, t, int(payload))
}

// servePprof serves /debug/pprof on addr, if any, until stop is called.
func servePprof(addr string) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("POST /debug/free-memory", func(w http.ResponseWriter, r *http.Request) {
		debug.FreeOSMemory()
		w.WriteHeader(http.StatusNoContent)
	})
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = hs.Serve(ln)
	}()
	return func() { _ = hs.Close(); <-done }, nil
}

// serveFloor is the floor's process.
func serveFloor(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("huddle-load floor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:9000", "listen address")
	debug := fs.String("pprof", "", "address for /debug/pprof, e.g. 127.0.0.1:6061; off when empty")
	if err := fs.Parse(args); err != nil {
		return err
	}
	stop, err := servePprof(*debug)
	if err != nil {
		return err
	}
	defer stop()
	fl := floor.New()
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.Handle("/", fl)
	hs := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fl.Close()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = hs.Shutdown(sctx)
	return nil
}
