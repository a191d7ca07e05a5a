package session

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/huddle-live/huddle/internal/store"
)

// AuditEntry is one stored event of a room as the audit log shows it.
type AuditEntry struct {
	Seq  uint64    `json:"seq"`
	At   time.Time `json:"at"`
	Type string    `json:"type"` // created, joined, answered, started, next, closed, kicked, locked, ended...
	Data any       `json:"data,omitempty"`
}

// Audit is a room's event log as the host may read it: every join, answer,
// host action and kick, in order. Token hashes are left out, and the
// scenario of the created event is reduced to its id and title.
func Audit(evs []store.Event) ([]AuditEntry, error) {
	out := make([]AuditEntry, 0, len(evs))
	for _, ev := range evs {
		e := AuditEntry{Seq: ev.Seq, At: ev.At, Type: ev.Type}
		if len(ev.Data) > 0 {
			var d any
			if err := json.Unmarshal(ev.Data, &d); err != nil {
				return nil, fmt.Errorf("event %d: %w", ev.Seq, err)
			}
			e.Data = redact(d)
		}
		out = append(out, e)
	}
	return out, nil
}

// redact drops every "*_hash" key, at any depth, and shortens a scenario to
// its id and title.
func redact(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			switch {
			case strings.HasSuffix(k, "_hash"):
				delete(v, k)
			case k == "scenario":
				if sc, ok := x.(map[string]any); ok {
					v[k] = map[string]any{"id": sc["id"], "title": sc["title"]}
				}
			default:
				v[k] = redact(x)
			}
		}
	case []any:
		for i, x := range v {
			v[i] = redact(x)
		}
	}
	return v
}
