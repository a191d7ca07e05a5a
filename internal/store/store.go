// Package store keeps each room's event log and its latest snapshot. Two
// implementations share one interface and one conformance test: an embedded
// bbolt file (the default, nothing to install) and Redis.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Event is one accepted change of a room. Seq starts at 1 and grows by one
// per event within a room.
type Event struct {
	Seq  uint64          `json:"seq"`
	At   time.Time       `json:"at"`
	Type string          `json:"type"`
	Data json.RawMessage `json:"data,omitempty"`
	// Cmd names the client command whose change ends with this event, so
	// that the command sent again after a restart or a takeover is
	// recognised and not applied twice; "" for other events.
	Cmd string `json:"cmd,omitempty"`
}

// Snapshot is a room's whole state as of event Seq.
type Snapshot struct {
	Seq  uint64          `json:"seq"`
	At   time.Time       `json:"at"`
	Data json.RawMessage `json:"data"`
}

// ErrSeq is returned by Append when the first event's Seq does not follow the
// last stored one: a second writer, or a bug. Nothing of the batch is stored.
var ErrSeq = errors.New("store: event sequence out of order")

// Store is the event log and snapshot store of all rooms. Implementations are
// safe for concurrent use by many rooms; each room writes from one goroutine.
type Store interface {
	// Append stores events in order, atomically: all or none. Seqs must be
	// consecutive and the first must be last stored Seq + 1.
	Append(ctx context.Context, room string, events []Event) error
	// Events returns the room's events with Seq > after, in order.
	Events(ctx context.Context, room string, after uint64) ([]Event, error)
	// SaveSnapshot replaces the room's snapshot. Events are kept: the log is
	// also the room's audit trail.
	SaveSnapshot(ctx context.Context, room string, s Snapshot) error
	// LoadSnapshot returns the room's snapshot; ok is false if it has none.
	LoadSnapshot(ctx context.Context, room string) (s Snapshot, ok bool, err error)
	// Rooms lists every room that has events or a snapshot.
	Rooms(ctx context.Context) ([]string, error)
	// Delete removes everything stored for the room.
	Delete(ctx context.Context, room string) error
	// Close releases the store. It is safe to call twice.
	Close() error
}
