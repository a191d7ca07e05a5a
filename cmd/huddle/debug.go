package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/pprof"
	"runtime/debug"
	"sync/atomic"

	"github.com/huddle-live/huddle/internal/room"
	"github.com/huddle-live/huddle/internal/store"
)

// countingStore counts the writes a store is asked for, so that a load run
// can report store writes per second per room.
type countingStore struct {
	store.Store
	appends, events, snapshots atomic.Int64
}

func (s *countingStore) Append(ctx context.Context, room string, events []store.Event) error {
	s.appends.Add(1)
	s.events.Add(int64(len(events)))
	return s.Store.Append(ctx, room, events)
}

func (s *countingStore) SaveSnapshot(ctx context.Context, room string, snap store.Snapshot) error {
	s.snapshots.Add(1)
	return s.Store.SaveSnapshot(ctx, room, snap)
}

// Ping passes the hub's health check through to a store that has one, so
// that counting does not hide an outage from the host.
func (s *countingStore) Ping(ctx context.Context) error {
	if p, ok := s.Store.(room.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// debugHandler serves pprof, the store's write counters and a way to give
// free memory back to the system (so that a load run measures the memory
// its phones take from a compact start). It is only mounted on the
// separate -pprof address, never on the public one.
func debugHandler(cs *countingStore) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("POST /debug/free-memory", freeMemory)
	mux.HandleFunc("/debug/store", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]int64{
			"appends":   cs.appends.Load(),
			"events":    cs.events.Load(),
			"snapshots": cs.snapshots.Load(),
		})
	})
	return mux
}

// freeMemory collects garbage and returns free memory to the system.
func freeMemory(w http.ResponseWriter, r *http.Request) {
	debug.FreeOSMemory()
	w.WriteHeader(http.StatusNoContent)
}
