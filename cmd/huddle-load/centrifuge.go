package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/centrifugal/centrifuge"
	"github.com/coder/websocket"

	"github.com/huddle-live/huddle/internal/loadtest/floor"
	"github.com/huddle-live/huddle/internal/store"
)

// The centrifuge peer: the same phones, the same questions and answers,
// against a server built on github.com/centrifugal/centrifuge (the library
// behind Centrifugo) as its documentation shows, with its defaults. Phones
// connect and subscribe to one channel; a question is one publication of
// the same frame the floor broadcasts; an answer is an RPC, answered once
// it is stored in bbolt the way huddle stores events: appended in batches,
// at most one write per -write-every.

const (
	centrifugePath    = "/connection/websocket"
	centrifugeChannel = "room"
)

// serveCentrifuge is the centrifuge peer's process.
func serveCentrifuge(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("huddle-load centrifuge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:9001", "listen address")
	debug := fs.String("pprof", "", "address for /debug/pprof, e.g. 127.0.0.1:6062; off when empty")
	data := fs.String("data", "", "directory of the bbolt file answers are stored in (required)")
	every := fs.Duration("write-every", 100*time.Millisecond, "least time between two store writes, as huddle's rooms")
	offReadLoop := fs.Bool("off-read-loop", false, "centrifuge's ProcessCommandsOffReadLoop: commands on a short-lived goroutine, to keep read loops' stacks small")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *data == "" {
		return fmt.Errorf("-data is required")
	}
	stop, err := servePprof(*debug)
	if err != nil {
		return err
	}
	defer stop()
	st, err := store.OpenBolt(filepath.Join(*data, "centrifuge.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	cs, err := newCentrifugeServer(st, *every, *offReadLoop)
	if err != nil {
		return err
	}
	defer cs.close()
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	mux.Handle("/", cs)
	hs := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = hs.Shutdown(sctx)
	return nil
}

// centrifugeServer is the peer's node, its WebSocket handler at
// centrifugePath and the writer of its answers.
type centrifugeServer struct {
	node    *centrifuge.Node
	writer  *batchWriter
	handler http.Handler
}

func newCentrifugeServer(st store.Store, every time.Duration, offReadLoop bool) (*centrifugeServer, error) {
	node, err := centrifuge.New(centrifuge.Config{})
	if err != nil {
		return nil, err
	}
	w := newBatchWriter(st, every)
	node.OnConnect(func(c *centrifuge.Client) {
		c.OnSubscribe(func(e centrifuge.SubscribeEvent, cb centrifuge.SubscribeCallback) {
			cb(centrifuge.SubscribeReply{}, nil)
		})
		c.OnRPC(func(e centrifuge.RPCEvent, cb centrifuge.RPCCallback) {
			switch e.Method {
			case "broadcast": // the host opens a question
				var q struct{ Index, Size int }
				if err := json.Unmarshal(e.Data, &q); err != nil {
					cb(centrifuge.RPCReply{}, centrifuge.ErrorBadRequest)
					return
				}
				frame, err := floor.Payload(fmt.Appendf(nil, "%d %d", q.Index, q.Size))
				if err == nil {
					_, err = node.Publish(centrifugeChannel, frame)
				}
				if err != nil {
					cb(centrifuge.RPCReply{}, centrifuge.ErrorInternal)
					return
				}
				cb(centrifuge.RPCReply{Data: []byte(`{"type":"published"}`)}, nil)
			case "answer":
				w.add(e.Data, func(err error) {
					if err != nil {
						cb(centrifuge.RPCReply{}, centrifuge.ErrorInternal)
						return
					}
					cb(centrifuge.RPCReply{Data: []byte(`{"type":"ack"}`)}, nil)
				})
			default:
				cb(centrifuge.RPCReply{}, centrifuge.ErrorMethodNotFound)
			}
		})
	})
	if err := node.Run(); err != nil {
		w.close()
		return nil, err
	}
	ws := centrifuge.NewWebsocketHandler(node, centrifuge.WebsocketConfig{ProcessCommandsOffReadLoop: offReadLoop})
	mux := http.NewServeMux()
	// Every phone is an anonymous user, as in the library's first example.
	mux.Handle(centrifugePath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws.ServeHTTP(w, r.WithContext(centrifuge.SetCredentials(r.Context(), &centrifuge.Credentials{})))
	}))
	return &centrifugeServer{node: node, writer: w, handler: mux}, nil
}

func (s *centrifugeServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// close disconnects every client and stops the writer.
func (s *centrifugeServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.node.Shutdown(ctx)
	s.writer.close()
}

// batchWriter stores answers as huddle's rooms store events: one writer
// goroutine appends whatever has queued as one batch, at most once per
// every, and calls each answer's done once its batch is stored.
type batchWriter struct {
	st    store.Store
	every time.Duration
	mu    sync.Mutex
	queue []pendingEvent
	seq   uint64
	kick  chan struct{}
	stop  chan struct{}
	done  chan struct{}
}

type pendingEvent struct {
	ev   store.Event
	done func(error)
}

func newBatchWriter(st store.Store, every time.Duration) *batchWriter {
	w := &batchWriter{st: st, every: every, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	return w
}

func (w *batchWriter) add(data []byte, done func(error)) {
	w.mu.Lock()
	w.seq++
	w.queue = append(w.queue, pendingEvent{store.Event{Seq: w.seq, At: time.Now().UTC(), Type: "answer", Data: data}, done})
	w.mu.Unlock()
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

func (w *batchWriter) run() {
	defer close(w.done)
	var last time.Time
	for {
		select {
		case <-w.kick:
		case <-w.stop:
			return
		}
		if wait := w.every - time.Since(last); wait > 0 {
			select {
			case <-time.After(wait):
			case <-w.stop:
				return
			}
		}
		last = time.Now()
		w.mu.Lock()
		batch := w.queue
		w.queue = nil
		w.mu.Unlock()
		if len(batch) == 0 {
			continue
		}
		evs := make([]store.Event, len(batch))
		for i, p := range batch {
			evs[i] = p.ev
		}
		err := w.st.Append(context.Background(), "centrifuge", evs)
		for _, p := range batch {
			p.done(err)
		}
	}
}

func (w *batchWriter) close() {
	close(w.stop)
	<-w.done
}

// centrifugeRun measures the centrifuge peer: the one given, or one started
// as a child process of this program.
func centrifugeRun(ctx context.Context, cfg config, payload int64) (*Result, error) {
	t := target{addr: cfg.centrifugeAddr, pid: cfg.centrifugePID}
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
		dir, err := os.MkdirTemp("", "huddle-load-centrifuge-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		logf, err := os.Create(filepath.Join(dir, "centrifuge.log"))
		if err != nil {
			return nil, err
		}
		defer logf.Close()
		args := []string{"centrifuge", "-addr", addr, "-pprof", debug, "-data", dir}
		if cfg.centrifugeOffReadLoop {
			args = append(args, "-off-read-loop")
		}
		c, err := spawn(ctx, "http://"+addr+"/healthz", logf, self, args...)
		if err != nil {
			return nil, err
		}
		defer c.stop()
		t = target{addr: addr, pid: c.cmd.Process.Pid, debug: debug}
	}
	return runCentrifuge(ctx, cfg, t, int(payload))
}

// runCentrifuge plays the questions against the centrifuge peer.
func runCentrifuge(ctx context.Context, cfg config, t target, payload int) (*Result, error) {
	res := &Result{Target: "centrifuge", N: cfg.n}
	ws := "ws://" + t.addr + centrifugePath
	s := newSession(cfg.n, cfg.questions)
	s.centrifuge = true
	hconn, _, err := websocket.Dial(ctx, ws, nil)
	if err != nil {
		return nil, fmt.Errorf("centrifuge host: %w", err)
	}
	if err := hconn.Write(ctx, websocket.MessageText, []byte(`{"id":1,"connect":{"name":"host"}}`)); err != nil {
		_ = hconn.CloseNow()
		return nil, err
	}
	hostDone := make(chan struct{})
	go func() { // the host reads its replies and answers pings
		defer close(hostDone)
		for {
			_, b, err := hconn.Read(ctx)
			if err != nil {
				return
			}
			if string(b) == "{}" {
				_ = hconn.Write(ctx, websocket.MessageText, b)
			}
		}
	}()
	defer func() { _ = hconn.CloseNow(); <-hostDone }()
	hello := []byte(`{"id":1,"connect":{"name":"phone"}}` + "\n" + `{"id":2,"subscribe":{"channel":"` + centrifugeChannel + `"}}`)
	t.compact(ctx)
	mb := t.memory(ctx, cfg.profile, "centrifuge-before")
	before := t.sample(ctx)
	joinProfile := t.cpuProfile(ctx, cfg.profile, "centrifuge-join", cfg.profileFor)
	errs, took := s.connectAll(ctx, cfg.workers, 0, t.addr, func(context.Context, *http.Client, int) (string, []byte, error) {
		return ws, hello, nil
	})
	defer s.closeAll()
	res.join(cfg.n, errs, took, s)
	time.Sleep(300 * time.Millisecond)
	joined := t.sample(ctx)
	want := int(s.welcomed.Load())
	mj := t.memory(ctx, cfg.profile, "centrifuge-joined")
	res.memory(before, joined, mb, mj, want)

	rng := rand.New(rand.NewPCG(uint64(cfg.seed), 1))
	open := make([]int64, cfg.questions)
	joinProfile()
	start := t.sample(ctx)
	questionProfile := t.cpuProfile(ctx, cfg.profile, "centrifuge-questions", cfg.profileFor)
	defer questionProfile()
	s.frames.Store(0)
	s.phoneFrames.Store(0)
	s.bytes.Store(0)
	for k := range cfg.questions {
		open[k] = time.Now().UnixNano()
		cmd := fmt.Appendf(nil, `{"id":%d,"rpc":{"method":"broadcast","data":{"index":%d,"size":%d}}}`, k+2, k, payload)
		if err := hconn.Write(ctx, websocket.MessageText, cmd); err != nil {
			return nil, err
		}
		s.answerAll(ctx, k, time.Unix(0, open[k]), cfg.window, centrifugeAnswers(k), rng)
		waitFor(ctx, 30*time.Second, func() bool { return acksIn(s, k) })
	}
	end := t.sample(ctx)
	res.questions([]play{{s: s, open: open}}, start, end)
	res.allocated(mj, t.memory(ctx, cfg.profile, "centrifuge-asked"))
	return res, nil
}

// centrifugeAnswers are answerFrames as centrifuge RPCs.
func centrifugeAnswers(k int) [][]byte {
	var out [][]byte
	for i, f := range answerFrames(k) {
		out = append(out, fmt.Appendf(nil, `{"id":%d,"rpc":{"method":"answer","data":%s}}`, 1000+k*10+i, f))
	}
	return out
}
