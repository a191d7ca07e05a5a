package session

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/store"
)

// play is a room's state driven as the room actor drives it, without one:
// commands and joins through a Tx at a time the test sets.
type play struct {
	t      testing.TB
	s      *State
	now    time.Time
	marks  Marks
	events []store.Event // everything recorded, in order
	ids    map[string]string
}

var t0 = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

// newPlay starts a room of the scenario src with teams teams.
func newPlay(t testing.TB, src string, teams int) *play {
	t.Helper()
	sc, err := scenario.Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	names, err := TeamNames(sc, nil, teams, sc.Language)
	if err != nil {
		t.Fatal(err)
	}
	s, created, err := Create(Config{ID: "room", Code: "123456", Scenario: sc, Teams: names, Lang: sc.Language,
		HostHash: HashToken("host"), ScreenHash: HashToken("screen")}, 1, t0)
	if err != nil {
		t.Fatal(err)
	}
	return &play{t: t, s: s, now: t0, ids: map[string]string{}, events: []store.Event{created}}
}

// change runs fn as one change at the play's time.
func (p *play) change(fn func(tx *Tx) error) (*Tx, error) {
	tx := &Tx{At: p.now, Marks: &p.marks}
	err := fn(tx)
	p.events = append(p.events, tx.Events...)
	return tx, err
}

// join adds a player to a team ("" for the smallest) and returns its id.
func (p *play) join(name, team string) string {
	p.t.Helper()
	id := "p-" + name
	if _, err := p.change(func(tx *Tx) error {
		_, err := p.s.Join(tx, Joining{ID: id, Name: name, Team: team, TokenHash: HashToken("token-" + name)}, 1000)
		return err
	}); err != nil {
		p.t.Fatalf("join %s: %v", name, err)
	}
	p.ids[name] = id
	return id
}

// exec runs a command from a role, or from the player called name.
func (p *play) exec(role Role, name, typ string, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		p.t.Fatal(err)
	}
	if data == nil {
		raw = nil
	}
	_, err = p.change(func(tx *Tx) error { return p.s.Exec(tx, Actor{Role: role, Player: p.ids[name]}, typ, raw) })
	return err
}

// host runs a host's command that must succeed.
func (p *play) host(typ string, data any) {
	p.t.Helper()
	if err := p.exec(RoleHost, "", typ, data); err != nil {
		p.t.Fatalf("host %s %v: %v", typ, data, err)
	}
}

// player runs a player's command that must succeed.
func (p *play) player(name, typ string, data any) {
	p.t.Helper()
	if err := p.exec(RolePlayer, name, typ, data); err != nil {
		p.t.Fatalf("%s %s %v: %v", name, typ, data, err)
	}
}

// wait moves time on and lets the deadlines that passed fire.
func (p *play) wait(d time.Duration) {
	p.t.Helper()
	p.now = p.now.Add(d)
	if _, err := p.change(p.s.TimeUp); err != nil {
		p.t.Fatal(err)
	}
}

// asJSON encodes a view and decodes it as the page gets it.
func asJSON(t testing.TB, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// at follows a dotted path of keys and list indices into decoded JSON; ok
// is false when a step is missing.
func path(v any, p string) (any, bool) {
	for _, k := range strings.Split(p, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[k]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// has and lacks are checks on a decoded view: a field present (and, with
// want, equal as printed) or absent (or null).
type check struct {
	path string
	want string // "" only checks presence; "-" wants it absent or null
}

func has(p string, want ...string) check {
	c := check{path: p}
	if len(want) > 0 {
		c.want = want[0]
	}
	return c
}

func lacks(p string) check { return check{path: p, want: "-"} }

func (c check) run(t *testing.T, v map[string]any) {
	t.Helper()
	got, ok := path(v, c.path)
	switch {
	case c.want == "-":
		if ok && got != nil {
			t.Errorf("%s = %v, want it absent", c.path, got)
		}
	case !ok || got == nil:
		t.Errorf("%s missing", c.path)
	case c.want != "" && fmt.Sprint(got) != c.want:
		t.Errorf("%s = %v, want %s", c.path, got, c.want)
	}
}

// viewOf builds one audience's view, decoded.
type viewOf func(p *play, pr Presence) map[string]any

func hostOf(p *play, pr Presence) map[string]any   { return asJSON(p.t, HostView(p.s, pr, p.now)) }
func screenOf(p *play, pr Presence) map[string]any { return asJSON(p.t, ScreenView(p.s, pr, p.now)) }
func phoneOf(p *play, pr Presence) map[string]any  { return asJSON(p.t, PhoneView(p.s, pr, p.now)) }

// meOf builds the own view of the player called name.
func meOf(name string) viewOf {
	return func(p *play, pr Presence) map[string]any { return asJSON(p.t, MeView(p.s, p.ids[name], p.now)) }
}
