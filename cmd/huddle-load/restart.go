package main

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// RestartResult is what a crash and a restart of the server cost a room:
// the server is killed (no final snapshot), started again on the same
// store, and restores the room from its last snapshot and the events
// after it.
type RestartResult struct {
	Events     uint64  `json:"events"`      // the room's events when it crashed
	Replayed   uint64  `json:"replayed"`    // of which after the last snapshot
	SnapshotMB float64 `json:"snapshot_mb"` // the snapshot it restored from
	RestoreMS  float64 `json:"restore_ms"`  // the server's own time to load the snapshot and replay
	// From starting the process: to the server listening, every room
	// restored; to one phone's first view after its hello; to every
	// phone's, all reconnecting at once.
	ToHealthyMS   float64 `json:"to_healthy_ms"`
	ToFirstViewMS float64 `json:"to_first_view_ms"`
	ToAllViewsMS  float64 `json:"to_all_views_ms"`
	Resynced      int     `json:"resynced"`
	RSSMB         float64 `json:"rss_mb"` // once every phone is back
}

// restarter kills the server and starts it again on the same store; it
// returns when the process has started, with the target it now is and
// the file its log goes to.
type restarter func(ctx context.Context) (started time.Time, t target, logPath string, err error)

// measureRestart crashes the server under the room's phones and measures
// how long the room takes to come back.
func measureRestart(ctx context.Context, cfg config, t target, r *huddleRoom) (*RestartResult, error) {
	started, nt, logPath, err := t.restart(ctx)
	if err != nil {
		return nil, err
	}
	rs := &RestartResult{}
	ms := func(at time.Time) float64 { return float64(at.Sub(started)) / 1e6 }
	if !waitFor(ctx, 2*time.Minute, func() bool {
		resp, err := http.Get("http://" + nt.addr + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}) {
		return nil, fmt.Errorf("the server did not come back within 2 minutes (its log: %s)", logPath)
	}
	rs.ToHealthyMS = ms(time.Now())

	// One phone, alone: its hello, then its view.
	first, err := firstView(ctx, r.ws, r.tokens[0])
	if err != nil {
		return nil, err
	}
	rs.ToFirstViewMS = ms(first)

	// Then every phone at once, as a hall of phones does after a restart.
	s := newSession(len(r.tokens), cfg.questions)
	_, _ = s.connectAll(ctx, cfg.workers, 0, nt.addr, func(_ context.Context, _ *http.Client, i int) (string, []byte, error) {
		return r.ws, fmt.Appendf(nil, `{"type":"hello","token":%q,"lang":"en"}`, r.tokens[i]), nil
	})
	defer s.closeAll()
	want := s.welcomed.Load()
	waitFor(ctx, time.Minute, func() bool { return s.stated.Load() >= want })
	rs.Resynced = int(s.stated.Load())
	rs.ToAllViewsMS = ms(time.Unix(0, s.lastState.Load()))
	rs.RSSMB = float64(nt.sample(ctx).rss) / (1 << 20)
	rs.Events, rs.Replayed, rs.SnapshotMB, rs.RestoreMS = restoredFrom(logPath)
	return rs, nil
}

// firstView dials the room as the phone of token until the server takes
// it, and returns when its first state frame arrived.
func firstView(ctx context.Context, ws, token string) (time.Time, error) {
	hello := fmt.Appendf(nil, `{"type":"hello","token":%q,"lang":"en"}`, token)
	for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		c, _, err := websocket.Dial(ctx, ws, nil)
		if err != nil {
			continue
		}
		c.SetReadLimit(1 << 20)
		if err := c.Write(ctx, websocket.MessageText, hello); err != nil {
			_ = c.CloseNow()
			continue
		}
		for {
			_, b, err := c.Read(ctx)
			if err != nil {
				break
			}
			if string(stringField(b, `"type":"`)) == "state" {
				_ = c.CloseNow()
				return time.Now(), nil
			}
		}
		_ = c.CloseNow()
	}
	return time.Time{}, fmt.Errorf("no phone's view within a minute of the restart")
}

// restoredFrom reads what the restarted server logged of the room it
// restored: "room restored" with its seq, the snapshot's seq and size.
func restoredFrom(logPath string) (events, replayed uint64, snapMB, tookMS float64) {
	f, err := os.Open(logPath)
	if err != nil {
		return 0, 0, 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, "room restored") {
			continue
		}
		field := func(key string) string {
			_, v, ok := strings.Cut(line, " "+key+"=")
			if !ok {
				return ""
			}
			v, _, _ = strings.Cut(v, " ")
			return v
		}
		events, _ = strconv.ParseUint(field("seq"), 10, 64)
		snap, _ := strconv.ParseUint(field("snapshot_seq"), 10, 64)
		if snap > 0 {
			replayed = events - snap
		} else {
			replayed = events
		}
		b, _ := strconv.ParseFloat(field("snapshot_bytes"), 64)
		snapMB = b / (1 << 20)
		if d, err := time.ParseDuration(field("took")); err == nil {
			tookMS = float64(d) / 1e6
		}
	}
	return events, replayed, snapMB, tookMS
}
