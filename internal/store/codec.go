package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// head is an Event or Snapshot without its data. Stored records are the
// head as JSON, a newline, then the data verbatim: json.Marshal would compact
// and HTML-escape a RawMessage, and the log keeps exactly the bytes the room
// wrote. A compact JSON head never contains a raw newline.
type head struct {
	Seq  uint64    `json:"seq"`
	At   time.Time `json:"at"`
	Type string    `json:"type,omitempty"`
	Cmd  string    `json:"cmd,omitempty"`
}

func encode(h head, data []byte) ([]byte, error) {
	b, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("encode seq %d: %w", h.Seq, err)
	}
	b = append(b, '\n')
	return append(b, data...), nil
}

// decode parses a record made by encode. The data is copied, so b may be
// reused by the caller (bbolt's bytes live only as long as the transaction).
func decode(b []byte) (head, []byte, error) {
	var h head
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return h, nil, errors.New("decode record: no head")
	}
	if err := json.Unmarshal(b[:i], &h); err != nil {
		return h, nil, fmt.Errorf("decode record head: %w", err)
	}
	var data []byte
	if rest := b[i+1:]; len(rest) > 0 {
		data = bytes.Clone(rest)
	}
	return h, data, nil
}

func encodeEvent(e Event) ([]byte, error) {
	return encode(head{Seq: e.Seq, At: e.At, Type: e.Type, Cmd: e.Cmd}, e.Data)
}

func decodeEvent(b []byte) (Event, error) {
	h, data, err := decode(b)
	return Event{Seq: h.Seq, At: h.At, Type: h.Type, Data: data, Cmd: h.Cmd}, err
}

func encodeSnapshot(s Snapshot) ([]byte, error) {
	return encode(head{Seq: s.Seq, At: s.At}, s.Data)
}

func decodeSnapshot(b []byte) (Snapshot, error) {
	h, data, err := decode(b)
	return Snapshot{Seq: h.Seq, At: h.At, Data: data}, err
}

// checkSeq reports ErrSeq unless events are consecutive and the first one
// follows last.
func checkSeq(events []Event, last uint64) error {
	for i, e := range events {
		if want := last + 1 + uint64(i); e.Seq != want {
			return fmt.Errorf("event %d has seq %d, want %d: %w", i, e.Seq, want, ErrSeq)
		}
	}
	return nil
}
