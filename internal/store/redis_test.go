package store_test

import (
	"context"
	"testing"

	"github.com/huddle-live/huddle/internal/store"
	"github.com/huddle-live/huddle/internal/store/storetest"
)

// TestRedisVolatile: a Redis with the append-only file off and no save
// points is reported as keeping nothing on disk; either one makes it durable.
func TestRedisVolatile(t *testing.T) {
	srv := storetest.StartServer(t) // appendonly yes, no save points
	ctx := context.Background()
	rs, err := store.OpenRedis(ctx, srv.URL(), "huddle:")
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	config := func(k, v string) {
		t.Helper()
		if err := srv.Client(t).ConfigSet(ctx, k, v).Err(); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		appendonly, save string
		volatile         bool
	}{
		{"yes", "", false},
		{"no", "", true},
		{"no", "3600 1", false},
		{"yes", "3600 1", false},
	}
	for _, tt := range tests {
		config("appendonly", tt.appendonly)
		config("save", tt.save)
		got, err := rs.Volatile(ctx)
		if err != nil || got != tt.volatile {
			t.Errorf("appendonly %s, save %q: volatile %v (%v), want %v", tt.appendonly, tt.save, got, err, tt.volatile)
		}
	}
	// A Redis that refuses CONFIG gives an error, not a guess.
	if err := srv.Client(t).Do(ctx, "ACL", "SETUSER", "default", "-config").Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.Volatile(ctx); err == nil {
		t.Error("CONFIG refused, but no error")
	}
}
