package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

// runFloor plays the same questions against the bare fan-out server: the
// same phones, the same payload size, the same answers; no room logic.
func runFloor(ctx context.Context, cfg config, t target, payload int) (*Result, error) {
	res := &Result{Target: "floor", N: cfg.n}
	ws := "ws://" + t.addr + "/"
	s := newSession(cfg.n, cfg.questions)
	hconn, _, err := websocket.Dial(ctx, ws, nil)
	if err != nil {
		return nil, fmt.Errorf("floor host: %w", err)
	}
	hostDone := make(chan struct{})
	go func() { // the host reads nothing it needs, but must read
		defer close(hostDone)
		for {
			if _, _, err := hconn.Read(ctx); err != nil {
				return
			}
		}
	}()
	defer func() { _ = hconn.CloseNow(); <-hostDone }()
	t.compact(ctx)
	mb := t.memory(ctx, cfg.profile, "floor-before")
	before := t.sample(ctx)
	joinProfile := t.cpuProfile(ctx, cfg.profile, "floor-join", cfg.profileFor)
	errs, took := s.connectAll(ctx, cfg.workers, 0, t.addr, func(context.Context, *http.Client, int) (string, []byte, error) {
		return ws, nil, nil
	})
	defer s.closeAll()
	res.join(cfg.n, errs, took, s)
	time.Sleep(300 * time.Millisecond)
	joined := t.sample(ctx)
	want := int(s.welcomed.Load())
	mj := t.memory(ctx, cfg.profile, "floor-joined")
	res.memory(before, joined, mb, mj, want)

	rng := rand.New(rand.NewPCG(uint64(cfg.seed), 1))
	open := make([]int64, cfg.questions)
	joinProfile()
	start := t.sample(ctx)
	questionProfile := t.cpuProfile(ctx, cfg.profile, "floor-questions", cfg.profileFor)
	defer questionProfile()
	s.frames.Store(0)
	s.phoneFrames.Store(0)
	s.bytes.Store(0)
	for k := range cfg.questions {
		open[k] = time.Now().UnixNano()
		if err := hconn.Write(ctx, websocket.MessageText, fmt.Appendf(nil, "B %d %d", k, payload)); err != nil {
			return nil, err
		}
		s.answerAll(ctx, k, time.Unix(0, open[k]), cfg.window, answerFrames(k), rng)
		waitFor(ctx, 30*time.Second, func() bool { return acksIn(s, k) })
	}
	end := t.sample(ctx)
	res.questions([]play{{s: s, open: open}}, start, end)
	res.allocated(mj, t.memory(ctx, cfg.profile, "floor-asked"))
	return res, nil
}
