package room

import (
	"encoding/json"
	"time"

	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/store"
)

// boardEventPrefix starts the type of every board stage event and command.
const boardEventPrefix = "board."

// BoardState is the live state of one board stage.
type BoardState struct{}

func (s *State) enterBoard(def *scenario.Board, at time.Time) (*BoardState, error) {
	return nil, ErrBadRequest
}

func (s *State) applyBoard(ev store.Event) error { return ErrBadRequest }

// nextBoard handles the host's "next" in a board stage; done means the stage is
// over and the room moves to the next stage.
func (s *State) nextBoard(at time.Time) (done bool, err error) { return true, nil }

func (s *State) finishBoard(at time.Time) {}

func (s *State) boardPhase() string { return "" }

func (s *State) boardTimer() (time.Time, string, any) { return time.Time{}, "", nil }

func (r *Room) execBoard(s *sub, typ string, data json.RawMessage) error { return ErrBadRequest }

func (r *Room) boardView(role Role, now time.Time) any { return nil }

func (r *Room) boardPhone(now time.Time) any { return nil }

func (r *Room) boardMe(p *Player) any { return nil }
