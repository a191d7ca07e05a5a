package store

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
)

// Memory is a Store that keeps everything in memory, for tests. Data is
// copied in and out, so callers may reuse their buffers.
type Memory struct {
	mu    sync.Mutex
	rooms map[string]*memRoom
	accts *MemoryAccounts // made by Accounts
}

type memRoom struct {
	events []Event
	snap   *Snapshot
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory {
	return &Memory{rooms: make(map[string]*memRoom)}
}

// Append implements Store.
func (m *Memory) Append(_ context.Context, room string, events []Event) error {
	if len(events) == 0 {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rooms[room]
	var last uint64
	if r != nil {
		last = uint64(len(r.events))
	}
	if err := checkSeq(events, last); err != nil {
		return fmt.Errorf("memory append room %q: %w", room, err)
	}
	if r == nil {
		r = &memRoom{}
		m.rooms[room] = r
	}
	for _, e := range events {
		e.Data = bytes.Clone(e.Data)
		r.events = append(r.events, e)
	}
	return nil
}

// Events implements Store.
func (m *Memory) Events(_ context.Context, room string, after uint64) ([]Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rooms[room]
	if r == nil || after >= uint64(len(r.events)) {
		return nil, nil
	}
	// Seq i is stored at index i-1, so events after `after` start at index after.
	out := slices.Clone(r.events[after:])
	for i := range out {
		out[i].Data = bytes.Clone(out[i].Data)
	}
	return out, nil
}

// SaveSnapshot implements Store.
func (m *Memory) SaveSnapshot(_ context.Context, room string, s Snapshot) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rooms[room]
	if r == nil {
		r = &memRoom{}
		m.rooms[room] = r
	}
	s.Data = bytes.Clone(s.Data)
	r.snap = &s
	return nil
}

// LoadSnapshot implements Store.
func (m *Memory) LoadSnapshot(_ context.Context, room string) (Snapshot, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.rooms[room]
	if r == nil || r.snap == nil {
		return Snapshot{}, false, nil
	}
	s := *r.snap
	s.Data = bytes.Clone(s.Data)
	return s, true, nil
}

// Rooms implements Store. The list is sorted.
func (m *Memory) Rooms(context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.rooms))
	for id := range m.rooms {
		out = append(out, id)
	}
	slices.Sort(out)
	return out, nil
}

// Delete implements Store.
func (m *Memory) Delete(_ context.Context, room string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.rooms, room)
	return nil
}

// Close implements Store. The data stays readable: tests may inspect a store
// after the code under test closed it.
func (m *Memory) Close() error { return nil }
