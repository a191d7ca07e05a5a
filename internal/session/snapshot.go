package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/huddle-live/huddle/internal/board"
	"github.com/huddle-live/huddle/internal/game"
	"github.com/huddle-live/huddle/internal/quiz"
	"github.com/huddle-live/huddle/internal/store"
)

// layout is a State as snapshots keep it. Every stage started has one
// entry in quizzes, and one in games or boards when it is of that kind;
// each list is indexed by stage and holds null where a stage is of another
// kind. Snapshots written since the first release load with it
// (testdata/rooms), so it changes only by adding fields.
type layout struct {
	Config   Config         `json:"config"`
	Created  time.Time      `json:"created"`
	Teams    []Team         `json:"teams"`
	Players  []*Player      `json:"players"`
	Stage    int            `json:"stage"`
	Quizzes  []*quiz.State  `json:"quizzes"`
	Games    []*game.State  `json:"games,omitempty"`
	Boards   []*board.State `json:"boards,omitempty"`
	Finished bool           `json:"finished"`
	Locked   bool           `json:"locked,omitempty"`
	Between  bool           `json:"between,omitempty"`
	Podium   int            `json:"podium,omitempty"`
	Screen   *screenPage    `json:"screen_page,omitempty"`
}

// MarshalJSON writes the state in the snapshot layout: json.Marshal of a
// layout, byte for byte (TestSnapshotLayout), put together from parts so
// that the quizzes, which keep the encoding of their closed questions, are
// not encoded nor copied through the encoder again.
func (s *State) MarshalJSON() ([]byte, error) {
	l := layout{Config: s.Config, Created: s.Created, Teams: s.Teams, Players: s.Players, Stage: s.Stage,
		Finished: s.Finished, Locked: s.Locked, Between: s.Between, Podium: s.Podium, Screen: s.ScreenPage}
	for i, st := range s.stages {
		if i == 0 {
			l.Quizzes = make([]*quiz.State, len(s.stages))
		}
		st.save(&l, i)
	}
	// The fields before "quizzes", and those after it.
	head, err := json.Marshal(struct {
		Config  Config    `json:"config"`
		Created time.Time `json:"created"`
		Teams   []Team    `json:"teams"`
		Players []*Player `json:"players"`
		Stage   int       `json:"stage"`
	}{l.Config, l.Created, l.Teams, l.Players, l.Stage})
	if err != nil {
		return nil, err
	}
	tail, err := json.Marshal(struct {
		Games    []*game.State  `json:"games,omitempty"`
		Boards   []*board.State `json:"boards,omitempty"`
		Finished bool           `json:"finished"`
		Locked   bool           `json:"locked,omitempty"`
		Between  bool           `json:"between,omitempty"`
		Podium   int            `json:"podium,omitempty"`
		Screen   *screenPage    `json:"screen_page,omitempty"`
	}{l.Games, l.Boards, l.Finished, l.Locked, l.Between, l.Podium, l.Screen})
	if err != nil {
		return nil, err
	}
	out := append(head[:len(head)-1], `,"quizzes":`...)
	if l.Quizzes == nil {
		out = append(out, "null"...)
	} else {
		out = append(out, '[')
		for i, q := range l.Quizzes {
			if i > 0 {
				out = append(out, ',')
			}
			if q == nil {
				out = append(out, "null"...)
				continue
			}
			if out, err = q.AppendJSON(out); err != nil {
				return nil, err
			}
		}
		out = append(out, ']')
	}
	out = append(out, ',')
	return append(out, tail[1:]...), nil
}

// UnmarshalJSON reads a state in the snapshot layout.
func (s *State) UnmarshalJSON(data []byte) error {
	var l layout
	if err := json.Unmarshal(data, &l); err != nil {
		return err
	}
	*s = State{Config: l.Config, Created: l.Created, Teams: l.Teams, Players: l.Players, Stage: l.Stage,
		Finished: l.Finished, Locked: l.Locked, Between: l.Between, Podium: l.Podium, ScreenPage: l.Screen}
	if s.Config.Scenario == nil {
		return errors.New("snapshot without a scenario")
	}
	n := max(len(l.Quizzes), len(l.Games), len(l.Boards))
	if n > len(s.Config.Scenario.Stages) || s.Stage >= n {
		return fmt.Errorf("snapshot: %d stages started of %d, at stage %d", n, len(s.Config.Scenario.Stages), s.Stage)
	}
	for i := range n {
		def := &s.Config.Scenario.Stages[i]
		k, ok := kinds[def.Kind]
		if !ok {
			return fmt.Errorf("snapshot: stage %d of kind %q", i, def.Kind)
		}
		st := k.load(&l, i, def)
		if st == nil {
			return fmt.Errorf("snapshot: stage %d (%s) has no state", i, def.Kind)
		}
		s.stages = append(s.stages, st)
	}
	s.reindex()
	return nil
}

// at returns xs[i], or nil past its end.
func at[T any](xs []*T, i int) *T {
	if i < len(xs) {
		return xs[i]
	}
	return nil
}

// put sets (*xs)[i], growing the list with nulls to reach it.
func put[T any](xs *[]*T, i int, x *T) {
	for len(*xs) <= i {
		*xs = append(*xs, nil)
	}
	(*xs)[i] = x
}

// Decode reads a state from a snapshot's data.
func Decode(data []byte) (*State, error) {
	s := &State{}
	if err := json.Unmarshal(data, s); err != nil {
		return nil, fmt.Errorf("decode snapshot: %w", err)
	}
	return s, nil
}

// Create makes a new room's state and its first event, which carries the
// configuration so that a replay starts from the same room.
func Create(cfg Config, seq uint64, at time.Time) (*State, store.Event, error) {
	cfg.Interludes = IsDay(cfg.Scenario)
	cfg.StepPodium = true
	data, err := json.Marshal(cfg)
	if err != nil {
		return nil, store.Event{}, err
	}
	return newState(cfg, at), store.Event{Seq: seq, At: at, Type: evCreated, Data: data}, nil
}

// Rebuild replays a room's log onto its snapshot: snap is nil to replay the
// whole log, whose first event then is the room's creation. Events must
// follow the snapshot (or each other) without a gap.
func Rebuild(snap *store.Snapshot, events []store.Event) (s *State, seq uint64, err error) {
	if snap != nil {
		if s, err = Decode(snap.Data); err != nil {
			return nil, 0, err
		}
		seq = snap.Seq
	}
	for _, ev := range events {
		if ev.Seq != seq+1 {
			return nil, 0, fmt.Errorf("event %d follows %d", ev.Seq, seq)
		}
		switch {
		case ev.Type == evCreated:
			var cfg Config
			if err := json.Unmarshal(ev.Data, &cfg); err != nil {
				return nil, 0, fmt.Errorf("decode created: %w", err)
			}
			s = newState(cfg, ev.At)
		case s == nil:
			return nil, 0, fmt.Errorf("event %d (%s) before the room was created", ev.Seq, ev.Type)
		default:
			if err := s.Apply(ev); err != nil && !errors.Is(err, ErrDuplicate) {
				return nil, 0, fmt.Errorf("replay event %d (%s): %w", ev.Seq, ev.Type, err)
			}
		}
		seq = ev.Seq
	}
	if s == nil {
		return nil, 0, errors.New("no events")
	}
	return s, seq, nil
}
