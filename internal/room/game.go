package room

import (
	"encoding/json"
	"time"

	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/store"
)

// gameEventPrefix starts the type of every game stage event and command.
const gameEventPrefix = "game."

// GameState is the live state of one game stage.
type GameState struct{}

func (s *State) enterGame(def *scenario.Game, at time.Time) (*GameState, error) {
	return nil, ErrBadRequest
}

func (s *State) applyGame(ev store.Event) error { return ErrBadRequest }

// nextGame handles the host's "next" in a game stage; done means the stage is
// over and the room moves to the next stage.
func (s *State) nextGame(at time.Time) (done bool, err error) { return true, nil }

func (s *State) finishGame(at time.Time) {}

func (s *State) gamePhase() string { return "" }

func (s *State) gameTimer() (time.Time, string, any) { return time.Time{}, "", nil }

func (r *Room) execGame(s *sub, typ string, data json.RawMessage) error { return ErrBadRequest }

func (r *Room) gameView(role Role, now time.Time) any { return nil }

func (r *Room) gamePhone(now time.Time) any { return nil }

func (r *Room) gameMe(p *Player) any { return nil }
