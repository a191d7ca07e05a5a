package storetest

import (
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a redis-server of a test's own, which the test may kill and
// start again on the same port, as a Redis outage. It keeps an append-only
// file in a temporary directory, so a restart finds what was acknowledged.
type Server struct {
	tb   testing.TB
	bin  string
	dir  string
	port int
	cmd  *exec.Cmd
}

// StartServer starts a redis-server on a free port, stopped when the test
// ends. It skips like RedisURL when there is no redis-server, or fails under
// CI=true.
func StartServer(tb testing.TB) *Server {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		failOrSkip(tb, fmt.Errorf("start redis-server: %w", err))
	}
	port, err := freePort()
	if err != nil {
		tb.Fatal(err)
	}
	s := &Server{tb: tb, bin: bin, dir: tb.TempDir(), port: port}
	s.Start()
	tb.Cleanup(s.Kill)
	return s
}

// URL is the server's redis:// URL.
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Addr is the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Start starts the server (again) and waits until it answers.
func (s *Server) Start() {
	s.tb.Helper()
	if s.cmd != nil {
		return
	}
	cmd := exec.Command(s.bin, "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1", "--dir", s.dir,
		"--save", "", "--appendonly", "yes", "--appendfsync", "always")
	if err := cmd.Start(); err != nil {
		s.tb.Fatalf("start redis-server: %v", err)
	}
	s.cmd = cmd
	if err := waitPing(s.Addr(), 5*time.Second); err != nil {
		s.Kill()
		s.tb.Fatalf("start redis-server on %s: %v", s.Addr(), err)
	}
}

// Kill stops the server with SIGKILL and waits for it to exit.
func (s *Server) Kill() {
	if s.cmd != nil {
		stopServer(s.cmd)
		s.cmd = nil
	}
}

func failOrSkip(tb testing.TB, err error) {
	tb.Helper()
	if ciMode() {
		tb.Fatalf("storetest: %v", err)
	}
	tb.Skipf("storetest: skipping: %v", err)
}

// Client returns a client of the server, closed when the test ends.
func (s *Server) Client(tb testing.TB) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr()})
	tb.Cleanup(func() { c.Close() })
	return c
}
