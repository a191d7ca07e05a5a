package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/huddle-live/huddle/internal/store/storetest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) {
		storetest.StopRedis()
		if buildDir != "" {
			_ = os.RemoveAll(buildDir)
		}
	}))
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("id: x\ntitle: X\nlanguage: fr\nstages: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := run(context.Background(), []string{"huddle", "validate", "../../scenarios/partnership-quiz.ru.yaml", bad}, env(nil), &out, &out)
	if err == nil {
		t.Fatal("validate passed a broken file")
	}
	if !strings.Contains(out.String(), "partnership-quiz.ru.yaml: ok") || !strings.Contains(out.String(), bad+":3:") {
		t.Fatalf("output:\n%s", out.String())
	}
}

func TestServeRefusesInvalidScenarios(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("id: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := run(context.Background(), []string{"huddle", "-addr", "127.0.0.1:0", "-data", t.TempDir(), "-scenarios", dir}, env(nil), &out, &out)
	if err == nil || !strings.Contains(err.Error(), "bad.yaml:") {
		t.Fatalf("err = %v", err)
	}
}

// TestServeAndShutdown starts the real server, checks /healthz, then stops it
// as SIGTERM would.
func TestServeAndShutdown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"huddle"}, env(map[string]string{
			"HUDDLE_ADDR": addr, "HUDDLE_DATA": t.TempDir(), "HUDDLE_SCENARIOS": "../../scenarios",
		}), &out, &out)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("healthz: %d", resp.StatusCode)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not come up: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("run: %v", err)
	}
	for _, want := range []string{"huddle is ready", "partnership-quiz", "stopped"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, out.String())
		}
	}
}

// TestServeWarnsVolatileRedis: on a Redis that keeps nothing on disk the
// server starts, with a warning saying what a Redis restart would lose.
func TestServeWarnsVolatileRedis(t *testing.T) {
	srv := storetest.StartServer(t)
	if err := srv.Client(t).ConfigSet(context.Background(), "appendonly", "no").Err(); err != nil {
		t.Fatal(err)
	}
	for _, volatile := range []bool{true, false} {
		if !volatile {
			if err := srv.Client(t).ConfigSet(context.Background(), "appendonly", "yes").Err(); err != nil {
				t.Fatal(err)
			}
		}
		out := serveBriefly(t, map[string]string{"REDIS_URL": srv.URL(), "HUDDLE_SCENARIOS": "../../scenarios"})
		if got := strings.Contains(out, "Redis keeps nothing on disk"); got != volatile {
			t.Errorf("volatile %v: warning shown %v:\n%s", volatile, got, out)
		}
	}
}

// serveBriefly runs the server in-process until it answers /healthz, stops
// it and returns its log.
func serveBriefly(t *testing.T, vars map[string]string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	vars["HUDDLE_ADDR"] = addr
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	errc := make(chan error, 1)
	go func() { errc <- run(ctx, []string{"huddle"}, env(vars), &out, &out) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			cancel()
			<-errc
			t.Fatalf("server did not come up: %v\n%s", err, out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("run: %v", err)
	}
	return out.String()
}

func TestConfigLifetimeAndBuffer(t *testing.T) {
	var stderr bytes.Buffer
	c, err := parseConfig([]string{"huddle"}, env(nil), &stderr)
	if err != nil || c.RoomTTL != 24*time.Hour || c.IdleTTL != 7*24*time.Hour || c.StoreBuffer != 20000 {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	c, err = parseConfig([]string{"huddle", "-room-ttl", "90m", "-store-buffer", "500"}, env(map[string]string{"HUDDLE_IDLE_TTL": "0"}), &stderr)
	if err != nil || c.RoomTTL != 90*time.Minute || c.IdleTTL != 0 || c.StoreBuffer != 500 {
		t.Fatalf("flags and env: %+v %v", c, err)
	}
	for _, args := range [][]string{{"huddle", "-room-ttl", "soon"}, {"huddle", "-idle-ttl", "-1h"}, {"huddle", "-store-buffer", "5"}} {
		if _, err := parseConfig(args, env(nil), &stderr); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

func TestConfigRoomLimits(t *testing.T) {
	var stderr bytes.Buffer
	c, err := parseConfig([]string{"huddle"}, env(nil), &stderr)
	if err != nil || c.UnjoinedTTL != time.Hour || c.MaxRooms != 1000 || c.MaxPlayers != 20000 {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	c, err = parseConfig([]string{"huddle", "-unjoined-ttl", "15m", "-max-players", "300"},
		env(map[string]string{"HUDDLE_MAX_ROOMS": "50", "HUDDLE_UNJOINED_TTL": "5h", "HUDDLE_MAX_PLAYERS": "7"}), &stderr)
	if err != nil || c.UnjoinedTTL != 15*time.Minute || c.MaxRooms != 50 || c.MaxPlayers != 300 {
		t.Fatalf("flags and env: %+v %v", c, err)
	}
	for _, args := range [][]string{
		{"huddle", "-unjoined-ttl", "-1m"}, {"huddle", "-unjoined-ttl", "soon"},
		{"huddle", "-max-rooms", "0"}, {"huddle", "-max-rooms", "100001"}, {"huddle", "-max-rooms", "many"},
		{"huddle", "-max-players", "0"},
	} {
		if _, err := parseConfig(args, env(nil), &stderr); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
