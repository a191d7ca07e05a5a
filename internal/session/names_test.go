package session

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestJoinNamesIndexed: joins look names and devices up in an index, not by
// scanning every player; what they refuse is what the scan refused. Random
// names in mixed case (Latin, Cyrillic, the Kelvin sign, the long s), some
// players removed and some let back in, checked against the scan after
// every change and after a snapshot is loaded.
func TestJoinNamesIndexed(t *testing.T) {
	p := newPlay(t, quizYAML, 3)
	rng := rand.New(rand.NewPCG(7, 8))
	letters := []string{"a", "A", "я", "Я", "k", "K", "\u212a", "s", "S", "\u017f", "ß", "ẞ"}
	name := func() string {
		var b strings.Builder
		for range 1 + rng.IntN(3) {
			b.WriteString(letters[rng.IntN(len(letters))])
		}
		return b.String()
	}
	device := func() string { return fmt.Sprintf("device-%02d-%s", rng.IntN(30), strings.Repeat("x", 8)) }
	scan := func(s *State, name, device string) error {
		for _, pl := range s.Players {
			switch {
			case pl.barred() && (strings.EqualFold(pl.Name, name) || device != "" && pl.DeviceHash == device):
				return ErrRemoved
			case !pl.Kicked && strings.EqualFold(pl.Name, name):
				return ErrNameTaken
			}
		}
		return nil
	}
	check := func(s *State) {
		t.Helper()
		for range 200 {
			n, d := name(), device()
			if rng.IntN(3) == 0 {
				d = ""
			}
			if got, want := s.nameRefused(n, d), scan(s, n, d); !errors.Is(got, want) && got != want {
				t.Fatalf("join %q from %q: %v, the scan says %v", n, d, got, want)
			}
		}
	}
	joined := 0
	for i := range 400 {
		n, d := name(), device()
		if _, err := p.change(func(tx *Tx) error {
			_, err := p.s.Join(tx, Joining{ID: fmt.Sprint("p", i), Name: n, TokenHash: HashToken(fmt.Sprint("t", i)), Device: d}, 1000)
			return err
		}); err == nil {
			joined++
		}
		if len(p.s.Players) > 0 && rng.IntN(4) == 0 {
			pl := p.s.Players[rng.IntN(len(p.s.Players))]
			switch {
			case !pl.Kicked:
				_ = p.exec(RoleHost, "", "kick", map[string]any{"player": pl.ID})
			case pl.barred():
				_ = p.exec(RoleHost, "", "readmit", map[string]any{"player": pl.ID})
			}
		}
		if i%50 == 0 {
			check(p.s)
		}
	}
	if joined < 40 {
		t.Fatalf("only %d joins went through: the test names collide too much", joined)
	}
	barred, readmitted := 0, 0
	for _, pl := range p.s.Players {
		if pl.barred() {
			barred++
		} else if pl.Readmitted {
			readmitted++
		}
	}
	if barred == 0 || readmitted == 0 {
		t.Fatalf("%d removed, %d let back in: the test removes nobody", barred, readmitted)
	}
	check(p.s)
	loaded := &State{Config: p.s.Config}
	if err := loaded.UnmarshalJSON(mustMarshal(t, p.s)); err != nil {
		t.Fatal(err)
	}
	check(loaded)
}
