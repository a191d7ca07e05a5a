package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/huddle-live/huddle/internal/account"
	"github.com/huddle-live/huddle/internal/loadtest/floor"
	"github.com/huddle-live/huddle/internal/room"
	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/store"
	"github.com/huddle-live/huddle/internal/store/storetest"
	"github.com/huddle-live/huddle/internal/web"
)

// centrifuge's node drops a channel's broker subscription a second after
// its last subscriber left, on a goroutine its Shutdown does not wait for;
// it ends by itself.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/centrifugal/centrifuge.(*Node).unsubscribeFromBrokerWhenEmpty.func1"))
}

// TestSmoke runs the generator in-process against an in-process huddle,
// floor and centrifuge peer with 200 phones, so that it cannot rot: the
// report must be complete and every answer counted. It asserts no speed.
func TestSmoke(t *testing.T) {
	addr, stop := startHuddle(t)
	defer stop()
	fl := floor.New()
	fs := httptest.NewServer(fl)
	defer fs.Close()
	defer fl.Close()
	cst, err := store.OpenBolt(filepath.Join(t.TempDir(), "centrifuge.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer cst.Close()
	peer, err := newCentrifugeServer(cst, 100*time.Millisecond, false)
	if err != nil {
		t.Fatal(err)
	}
	cs := httptest.NewServer(peer)
	defer cs.Close()
	defer peer.close()

	const n, questions = 200, 3
	cfg := config{n: n, teams: 4, questions: questions, window: 300 * time.Millisecond,
		addr: addr, pid: os.Getpid(), floor: true,
		floorAddr: fs.Listener.Addr().String(), floorPID: os.Getpid(), workers: 20, seed: 1,
		centrifuge: true, centrifugeAddr: cs.Listener.Addr().String(), centrifugePID: os.Getpid(),
		login: "load", password: "load password"}
	rep, err := bench(context.Background(), cfg, t.Output())
	if err != nil {
		t.Fatal(err)
	}
	rep.print(t.Output())
	for _, r := range []*Result{rep.Huddle, rep.Floor, rep.Centrifuge} {
		if r == nil {
			t.Fatal("a result is missing")
		}
		checkResult(t, r, n, questions)
	}
	h := rep.Huddle
	if len(h.Leaderboard) != 4 || h.Leaderboard[0].Rank != 1 {
		t.Errorf("leaderboard = %+v, want 4 teams", h.Leaderboard)
	}
	if rep.Floor.PayloadBytes != h.PayloadBytes {
		t.Errorf("floor frames are %d bytes, huddle's %d", rep.Floor.PayloadBytes, h.PayloadBytes)
	}
	if rep.Ratio == nil || rep.Ratio.FanoutP99 <= 0 || rep.Ratio.CPUPerMsg <= 0 {
		t.Errorf("ratio = %+v", rep.Ratio)
	}
	if rep.RatioPeer == nil || rep.RatioPeer.FanoutP99 <= 0 || rep.RatioPeer.AckP99 <= 0 || rep.RatioPeer.JoinRate <= 0 {
		t.Errorf("ratio to centrifuge = %+v", rep.RatioPeer)
	}
}

// TestSmokeRooms runs the generator with 200 phones shared among 4 rooms
// played at once.
func TestSmokeRooms(t *testing.T) {
	addr, stop := startHuddle(t)
	defer stop()
	const n, questions = 200, 2
	cfg := config{n: n, rooms: 4, teams: 4, questions: questions, window: 300 * time.Millisecond,
		addr: addr, pid: os.Getpid(), workers: 20, seed: 1, login: "load", password: "load password"}
	rep, err := bench(context.Background(), cfg, t.Output())
	if err != nil {
		t.Fatal(err)
	}
	rep.print(t.Output())
	checkResult(t, rep.Huddle, n, questions)
	if rep.Huddle.Rooms != 4 {
		t.Errorf("%d rooms, want 4", rep.Huddle.Rooms)
	}
}

func checkResult(t *testing.T, r *Result, n, questions int) {
	t.Helper()
	if r.Joined != n || r.JoinErrors != 0 || r.JoinsPerSec <= 0 {
		t.Errorf("%s: joined %d, %d errors, %.0f/s", r.Target, r.Joined, r.JoinErrors, r.JoinsPerSec)
	}
	if r.QuestionsRun != questions || r.Undelivered != 0 || r.FanoutP99MS <= 0 || r.DeliveryP50MS <= 0 {
		t.Errorf("%s: %d questions, %d undelivered, fan-out p99 %.1f ms", r.Target, r.QuestionsRun, r.Undelivered, r.FanoutP99MS)
	}
	if r.AnswersSent != n*questions || r.AnswersAcked != n*questions {
		t.Errorf("%s: %d answers sent, %d acked, want %d", r.Target, r.AnswersSent, r.AnswersAcked, n*questions)
	}
	if r.FramesDelivered < int64(n*questions) || r.FramesPerPhoneQuestion < 2 || r.CPUPerPhoneQuestionUS <= 0 || r.PayloadBytes < 500 || r.RSSJoinedMB <= 0 {
		t.Errorf("%s: %d frames, %d-byte payload, %.1f MB RSS", r.Target, r.FramesDelivered, r.PayloadBytes, r.RSSJoinedMB)
	}
	// Every answer is read off its own socket: at least one system call per
	// phone and question.
	if r.SyscallsPerPhoneQuestion < 1 || r.SyscallsPerJoin <= 0 {
		t.Errorf("%s: %.2f read/write system calls per phone and question, %.2f per join", r.Target, r.SyscallsPerPhoneQuestion, r.SyscallsPerJoin)
	}
	if r.Target == "huddle" && r.JoinFramesPerPhone < 2 { // the welcome and the state at least
		t.Errorf("huddle: %.2f frames per phone while joining", r.JoinFramesPerPhone)
	}
	if r.ErrorFrames != 0 || r.Dropped != 0 {
		t.Errorf("%s: %d error frames, %d dropped sockets", r.Target, r.ErrorFrames, r.Dropped)
	}
	if r.Target == "huddle" && (r.NotCounted != 0 || r.BurstMaxMS <= 0 || r.AnswersPerSec <= 0) {
		t.Errorf("huddle: %d questions not all counted, burst %.1f ms", r.NotCounted, r.BurstMaxMS)
	}
}

// startHuddle serves huddle in-process with the benchmark quiz and the
// facilitator "load"; stop shuts it down.
func startHuddle(t *testing.T) (addr string, stop func()) {
	dir := t.TempDir()
	if err := writeQuiz(dir); err != nil {
		t.Fatal(err)
	}
	scs, err := scenario.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenBolt(filepath.Join(dir, "data", "huddle.db"))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(nil)
	base := "http://" + hs.Listener.Addr().String()
	hub := room.NewHub(room.HubConfig{Store: st, PublicURL: base, WriteEvery: 100 * time.Millisecond})
	accounts := account.New(account.Config{Store: st.Accounts()})
	if _, err := accounts.Add(context.Background(), account.NewAccount{Name: "Load", Login: "load", Password: "load password"}); err != nil {
		t.Fatal(err)
	}
	srv := web.New(web.Config{Hub: hub, Scenarios: scs, PublicURL: base, Accounts: accounts})
	hs.Config.Handler = srv
	hs.Start()
	return hs.Listener.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := hub.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		srv.Wait()
		hs.Close()
		st.Close()
	}
}

// TestSmokeCluster runs the generator against three huddles sharing the
// room on one Redis, the phones spread over them: every answer counted,
// every question delivered to every phone.
func TestSmokeCluster(t *testing.T) {
	url, prefix := storetest.RedisURL(t), storetest.UniquePrefix(t)
	var tg target
	for i := range 3 {
		addr, stop := startClusterHuddle(t, url, prefix, i)
		defer stop()
		if i == 0 {
			tg = target{addr: addr, pid: os.Getpid(), login: "load", password: "load password"}
		} else {
			tg.peers = append(tg.peers, target{addr: addr})
		}
	}
	const n, questions = 120, 2
	cfg := config{n: n, rooms: 1, teams: 4, questions: questions, window: 300 * time.Millisecond, workers: 20, seed: 1}
	rep := &Report{}
	h, err := runHuddle(context.Background(), cfg, tg)
	if err != nil {
		t.Fatal(err)
	}
	rep.Huddle = h
	rep.print(t.Output())
	checkResult(t, h, n, questions)
	if h.Processes != 3 {
		t.Errorf("%d processes, want 3", h.Processes)
	}
}

// startClusterHuddle serves the i-th of several huddles on one Redis in
// process; the first adds the facilitator "load".
func startClusterHuddle(t *testing.T, url, prefix string, i int) (addr string, stop func()) {
	dir := t.TempDir()
	if err := writeQuiz(dir); err != nil {
		t.Fatal(err)
	}
	scs, err := scenario.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenRedis(context.Background(), url, prefix)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(nil)
	base := "http://" + hs.Listener.Addr().String()
	hub, err := room.NewClusterHub(room.HubConfig{Store: st, PublicURL: base, WriteEvery: 100 * time.Millisecond},
		room.ClusterConfig{Store: st, Node: fmt.Sprintf("load%d", i)})
	if err != nil {
		t.Fatal(err)
	}
	accounts := account.New(account.Config{Store: st.Accounts()})
	if i == 0 {
		if _, err := accounts.Add(context.Background(), account.NewAccount{Name: "Load", Login: "load", Password: "load password"}); err != nil {
			t.Fatal(err)
		}
	}
	srv := web.New(web.Config{Hub: hub, Scenarios: scs, PublicURL: base, Accounts: accounts})
	hs.Config.Handler = srv
	hs.Start()
	return hs.Listener.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := hub.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		srv.Wait()
		hs.Close()
		st.Close()
	}
}
