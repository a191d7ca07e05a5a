package storetest

import (
	"os"
	"os/exec"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestStartServer covers the fallback that RedisURL takes when no Redis runs.
func TestStartServer(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server is not on PATH")
		}
		t.Skip("redis-server not on PATH")
	}
	cmd, addr, err := startServer()
	if err != nil {
		t.Fatal(err)
	}
	if err := ping(addr); err != nil {
		t.Errorf("started server does not answer: %v", err)
	}
	if err := deletePrefix("redis://"+addr+"/0", "huddletest:none:"); err != nil {
		t.Errorf("deletePrefix: %v", err)
	}
	stopServer(cmd)
	if err := ping(addr); err == nil {
		t.Error("server still answers after stopServer")
	}
}
