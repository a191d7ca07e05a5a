package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestFacilitatorPasswordPrompt runs `huddle facilitator add` in a real
// terminal (tmux): it asks for the password twice without echoing it, and
// the account then signs in with it.
func TestFacilitatorPasswordPrompt(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("tmux is needed for the terminal test: %v", err)
		}
		t.Skipf("tmux not found: %v", err)
	}
	in := newInstance(t)
	sock := fmt.Sprintf("huddle-test-%d", time.Now().UnixNano())
	tmux := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("tmux", append([]string{"-L", sock}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	var env []string
	for _, kv := range in.env {
		env = append(env, "'"+kv+"'")
	}
	cmd := "env " + strings.Join(env, " ") + " " + huddleBinary(t) + " facilitator add -login terminal@test -name Терминал; echo EXIT=$?; sleep 60"
	tmux("new-session", "-d", "-x", "120", "-y", "20", cmd)
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", sock, "kill-server").Run() })
	screen := func(want string) string {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			s := tmux("capture-pane", "-p")
			if strings.Contains(s, want) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("the terminal never showed %q:\n%s", want, s)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	screen("Password (at least 10 characters):")
	tmux("send-keys", "terminal password", "Enter")
	screen("The same password again:")
	tmux("send-keys", "terminal password", "Enter")
	s := screen("EXIT=")
	if !strings.Contains(s, "EXIT=0") || !strings.Contains(s, "added facilitator terminal@test") {
		t.Fatalf("the command failed:\n%s", s)
	}
	if strings.Contains(s, "terminal password") {
		t.Errorf("the password was echoed:\n%s", s)
	}
	p := in.start()
	signIn(t, p.base, "terminal@test", "terminal password")
}
