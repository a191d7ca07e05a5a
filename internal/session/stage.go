package session

import (
	"encoding/json"
	"time"

	"github.com/huddle-live/huddle/internal/quiz"
	"github.com/huddle-live/huddle/internal/scenario"
)

// stage is one stage of a room being played: its engine's state and its
// definition. Each kind implements it in its own file (quiz.go, game.go,
// board.go); shared code knows stages only through it.
type stage interface {
	// phase is the stage's phase as views show it.
	phase() string
	// step changes when views must go out at once though the phase stays.
	step() int
	// next is the host's "next" within the stage; done moves the room on.
	next(s *State, at time.Time) (done bool, err error)
	// finish runs when the host ends the room during the stage.
	finish(s *State, at time.Time)
	// timer is the stage's next deadline, and what happens when it passes.
	timer(s *State) (time.Time, func(*State, *Tx) error)
	// drop takes back a removed player's part where it would count (a
	// board's dots); it runs within the removal's apply.
	drop(s *State, player string)
	// left settles what waited for a removed member of team (a quiz
	// question everyone else answered, a game vote); it records events.
	left(s *State, tx *Tx, team string) error
	// scores is the quiz whose points count in the room's standings; nil
	// for a stage that scores none.
	scores() *quiz.State
	// view, phone and me add the stage's part to each audience's view.
	view(s *State, v *View, role Role)
	phone(s *State, v *PhoneState)
	me(s *State, p *Player, m *Me)
	// results adds the stage's part to the room's results for export.
	results(s *State, r *Results, b *BoardResults)
	// save puts the engine's state in its place in the snapshot layout.
	save(l *layout, i int)
}

// kind is what a stage kind brings besides its stages: the commands and
// events it owns, whether its stage is current or not, and how a stage of
// it starts and is read back from a snapshot.
type kind struct {
	// owns reports whether a command or event type is the kind's.
	owns func(typ string) bool
	// exec checks a command of the kind and records its events. It runs
	// whatever the current stage, so that a command of another stage's
	// kind is refused the same way whenever it comes.
	exec func(s *State, tx *Tx, a Actor, typ string, data json.RawMessage) error
	// payload returns a pointer to a new payload of one of its event types.
	payload func(typ string) any
	// apply changes the state by one of its events.
	apply func(s *State, typ string, at time.Time, d any) error
	// enter starts a stage of the kind.
	enter func(s *State, def *scenario.Stage, at time.Time) (stage, error)
	// load reads stage i back from a snapshot; nil if it is not there.
	load func(l *layout, i int, def *scenario.Stage) stage
}

// kinds are the stage kinds a scenario may use. A new kind is one file
// with its stage and its kind, a line here, and a list in the snapshot
// layout.
var kinds map[scenario.StageKind]*kind

func init() { // not an initialiser: the kinds' functions reach back to this map
	kinds = map[scenario.StageKind]*kind{
		scenario.KindQuiz:  quizKind,
		scenario.KindGame:  gameKind,
		scenario.KindBoard: boardKind,
	}
}

// kindOf is the kind owning a command or event type, or nil for the room's
// own.
func kindOf(typ string) *kind {
	for _, k := range kinds {
		if k.owns(typ) {
			return k
		}
	}
	return nil
}
