package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
)

// TestHelp: -h (and its spellings) prints the usage on stdout and exits 0,
// without an error line; so does "huddle facilitator -h".
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"huddle", "-h"}, {"huddle", "--help"}, {"huddle", "help"}} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, env(nil), &out, &errOut); err != nil {
			t.Errorf("%v: %v", args, err)
		}
		for _, want := range []string{"huddle validate FILE", "huddle facilitator", "-addr", "HUDDLE_ADDR", "-public-url"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%v: the usage lacks %q:\n%s", args, want, out.String())
			}
		}
		if strings.Contains(out.String()+errOut.String(), "help requested") {
			t.Errorf("%v: %s", args, out.String()+errOut.String())
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"huddle", "facilitator", "-h"}, env(nil), &out, &out); err != nil || !strings.Contains(out.String(), "reset-password") {
		t.Errorf("facilitator -h: %v\n%s", err, out.String())
	}
	// A flag that does not exist is still an error.
	if err := run(context.Background(), []string{"huddle", "-nope"}, env(nil), &out, &out); err == nil {
		t.Error("an unknown flag passed")
	}
}

// TestUnreachableWarning: a server the phones cannot reach says so.
func TestUnreachableWarning(t *testing.T) {
	for _, tc := range []struct {
		ip, base string
		warn     string
	}{
		{"127.0.0.1", "http://127.0.0.1:8080", "phones cannot reach it"},
		{"::1", "http://[::1]:8080", "phones cannot reach it"},
		{"0.0.0.0", "http://localhost:8080", "only this machine"},
		{"0.0.0.0", "http://192.168.1.20:8080", ""},
		{"192.168.1.20", "http://192.168.1.20:8080", ""},
		{"0.0.0.0", "https://quiz.example.org", ""},
	} {
		got := unreachable(tc.base, &net.TCPAddr{IP: net.ParseIP(tc.ip), Port: 8080})
		if (tc.warn == "") != (got == "") || !strings.Contains(got, tc.warn) {
			t.Errorf("%s, %s: %q, want %q", tc.ip, tc.base, got, tc.warn)
		}
	}
	// The real server bound to the loopback prints it under the banner,
	// with the scenarios' folder named in full.
	out := serveBriefly(t, map[string]string{"HUDDLE_SCENARIOS": "../../scenarios", "HUDDLE_DATA": t.TempDir()})
	if !strings.Contains(out, "Warning: huddle listens on 127.0.0.1 only") {
		t.Errorf("no warning:\n%s", out)
	}
	if !strings.Contains(out, "8 scenarios, from the folder /") {
		t.Errorf("the banner does not name the scenarios' folder:\n%s", out)
	}
}
