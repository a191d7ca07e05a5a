package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

const defaultRedisAddr = "127.0.0.1:6379"

var (
	findOnce sync.Once
	foundURL string
	findErr  error

	serverMu sync.Mutex
	server   *exec.Cmd // the redis-server RedisURL started, if any
)

// RedisURL returns the URL of a Redis for tests: $REDIS_URL if set, else
// 127.0.0.1:6379 if it answers PING, else a redis-server from PATH started on
// a free port. The search runs once per test binary and all tests share the
// result, so a started server outlives single tests: a package that may start
// one calls StopRedis from TestMain after m.Run. If no Redis can be had, the
// test is skipped, or fails when $CI is "true".
func RedisURL(tb testing.TB) string {
	tb.Helper()
	findOnce.Do(func() { foundURL, findErr = findRedis() })
	if findErr != nil {
		if ciMode() {
			tb.Fatalf("storetest: no Redis for tests: %v (set REDIS_URL or put redis-server on PATH)", findErr)
		}
		tb.Skipf("storetest: no Redis, skipping: %v", findErr)
	}
	return foundURL
}

// StopRedis stops the redis-server that RedisURL started, if any, and waits
// for it to exit. Call it once all tests are done, typically from TestMain;
// RedisURL must not be called afterwards.
func StopRedis() {
	serverMu.Lock()
	defer serverMu.Unlock()
	if server != nil {
		stopServer(server)
		server = nil
	}
}

// UniquePrefix returns a fresh key prefix such as "huddletest:1f2e3d4c5b6a7988:"
// and deletes every key under it when the test ends. It skips the test like
// RedisURL if there is no Redis.
func UniquePrefix(tb testing.TB) string {
	tb.Helper()
	url := RedisURL(tb)
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24
	prefix := "huddletest:" + hex.EncodeToString(b[:]) + ":"
	tb.Cleanup(func() {
		if err := deletePrefix(url, prefix); err != nil {
			tb.Errorf("storetest: %v", err)
		}
	})
	return prefix
}

func deletePrefix(url, prefix string) error {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return fmt.Errorf("delete keys %s*: %w", prefix, err)
	}
	client := redis.NewClient(opts)
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The prefix holds only hex and colons, so it matches itself as a pattern.
	iter := client.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("delete keys %s*: scan: %w", prefix, err)
	}
	if len(keys) > 0 {
		if err := client.Del(ctx, keys...).Err(); err != nil {
			return fmt.Errorf("delete keys %s*: %w", prefix, err)
		}
	}
	return nil
}

func findRedis() (string, error) {
	if url := os.Getenv("REDIS_URL"); url != "" {
		return url, nil
	}
	pingErr := ping(defaultRedisAddr)
	if pingErr == nil {
		return "redis://" + defaultRedisAddr + "/0", nil
	}
	cmd, addr, err := startServer()
	if err != nil {
		return "", fmt.Errorf("REDIS_URL unset, %v, and %w", pingErr, err)
	}
	serverMu.Lock()
	server = cmd
	serverMu.Unlock()
	return "redis://" + addr + "/0", nil
}

// startServer starts a throwaway redis-server without persistence. Its
// output is discarded, which keeps exec from starting copying goroutines.
func startServer() (*exec.Cmd, string, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, "", fmt.Errorf("start redis-server: %w", err)
	}
	// A free port may be taken again before redis-server binds it: retry.
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, "", fmt.Errorf("start redis-server: %w", err)
		}
		cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
		if err := cmd.Start(); err != nil {
			return nil, "", fmt.Errorf("start redis-server: %w", err)
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		err = waitPing(addr, 5*time.Second)
		if err == nil {
			return cmd, addr, nil
		}
		stopServer(cmd)
		if attempt == 3 {
			return nil, "", fmt.Errorf("start redis-server on %s: %w", addr, err)
		}
	}
}

func stopServer(cmd *exec.Cmd) {
	_ = cmd.Process.Kill()
	_ = cmd.Wait() // reaps the process; "signal: killed" is expected
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func waitPing(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := ping(addr)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ping sends an inline PING without a client library, so probing leaves no
// pools or goroutines behind.
func ping(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, 300*time.Millisecond)
	if err != nil {
		return fmt.Errorf("ping redis %s: %w", addr, err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(time.Second)); err != nil {
		return fmt.Errorf("ping redis %s: %w", addr, err)
	}
	if _, err := io.WriteString(conn, "PING\r\n"); err != nil {
		return fmt.Errorf("ping redis %s: %w", addr, err)
	}
	reply := make([]byte, len("+PONG\r\n"))
	if _, err := io.ReadFull(conn, reply); err != nil {
		return fmt.Errorf("ping redis %s: %w", addr, err)
	}
	if string(reply) != "+PONG\r\n" {
		return fmt.Errorf("ping redis %s: got %q", addr, reply)
	}
	return nil
}

func ciMode() bool { return os.Getenv("CI") == "true" }
