package session

import (
	"reflect"
	"testing"

	"github.com/huddle-live/huddle/internal/session/sessiontest"
)

// TestResultsShareNothing: the results of every room of testdata/rooms,
// and its info, share no map or slice with its state: the room goes on
// changing the state while an export reads them on another goroutine.
func TestResultsShareNothing(t *testing.T) {
	for _, name := range fixtureRooms {
		t.Run(name, func(t *testing.T) {
			f := loadFixture(t, name)
			s, _, err := Rebuild(&f.snap, f.events[f.snap.Seq:])
			if err != nil {
				t.Fatal(err)
			}
			state := map[uintptr]string{}
			sessiontest.Refs(reflect.ValueOf(s), "State", map[uintptr]bool{}, state)
			for what, v := range map[string]any{"Results": s.Results(), "BoardResults": s.BoardResults(), "Info": s.Info()} {
				out := map[uintptr]string{}
				sessiontest.Refs(reflect.ValueOf(v), what, map[uintptr]bool{}, out)
				if len(out) == 0 {
					t.Fatalf("%s: nothing to compare", what)
				}
				for p, path := range out {
					if sp, ok := state[p]; ok {
						t.Errorf("%s shares memory with the state's %s", path, sp)
					}
				}
			}
		})
	}
}
