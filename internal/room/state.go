package room

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/huddle-live/huddle/internal/quiz"
	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/store"
)

// Config is what a room is created with. It is the payload of the room's
// first event, so a restored room plays the scenario it started with even if
// the file changed since.
type Config struct {
	ID         string             `json:"id"`
	Code       string             `json:"code"`
	Scenario   *scenario.Scenario `json:"scenario"`
	TeamMode   scenario.TeamMode  `json:"team_mode"` // the host's override for every stage; "" keeps each stage's
	Teams      []string           `json:"teams"`
	Lang       string             `json:"lang"`
	HostHash   string             `json:"host_hash"`
	ScreenHash string             `json:"screen_hash"`
}

// Player is one participant.
type Player struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Team      string    `json:"team"`
	Sector    string    `json:"sector,omitempty"` // "state", "ngo" or "" when not asked or not told
	TokenHash string    `json:"token_hash"`
	Joined    time.Time `json:"joined"`
	Kicked    bool      `json:"kicked,omitempty"`
	// DeviceHash is the hash of the id the phone keeps across joins; ""
	// when it sent none.
	DeviceHash string `json:"device_hash,omitempty"`
	// Readmitted is set when the host lets a removed player back in: the
	// player stays removed, but the name and device may join again.
	Readmitted bool `json:"readmitted,omitempty"`
}

// barred reports whether the player's name and device are refused on join:
// the host removed them and has not let them back in.
func (p *Player) barred() bool { return p.Kicked && !p.Readmitted }

// Team is one team of the room.
type Team struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// State is the whole state of a room. It is changed only by apply, on the
// room's goroutine, and serialised as the room's snapshot.
type State struct {
	Config   Config        `json:"config"`
	Created  time.Time     `json:"created"`
	Teams    []Team        `json:"teams"`
	Players  []*Player     `json:"players"`          // in join order
	Stage    int           `json:"stage"`            // -1 in the lobby
	Quizzes  []*quiz.State `json:"quizzes"`          // one per stage started; nil where a stage is not a quiz
	Games    []*GameState  `json:"games,omitempty"`  // one per stage started; nil where a stage is not a game
	Boards   []*BoardState `json:"boards,omitempty"` // one per stage started; nil where a stage is not a board
	Finished bool          `json:"finished"`
	Locked   bool          `json:"locked,omitempty"` // no new players may join

	byID    map[string]*Player
	byToken map[string]*Player
	active  quiz.Roster         // active player → team
	teamOf  map[string][]string // team → its active players in join order (see members)
}

// Room phases as the views show them.
const (
	PhaseLobby    = "lobby"
	PhaseFinished = "finished"
)

// Event types of the room's log.
const (
	evCreated  = "created"
	evJoined   = "joined"
	evKicked   = "kicked"
	evStarted  = "started"
	evAnswered = "answered"
	evClosed   = "closed"
	evNext     = "next"
	evEnded    = "ended"
	evLocked   = "locked"
	// evReadmitted lifts a removal: the name and the device of a player the
	// host removed may join again, as a new player.
	evReadmitted = "readmitted"
)

type lockData struct {
	Locked bool `json:"locked"`
}

type joinedData struct {
	Player    string `json:"player"`
	Name      string `json:"name"`
	Team      string `json:"team"`
	Sector    string `json:"sector,omitempty"`
	TokenHash string `json:"token_hash"`
	// DeviceHash is the hash of the phone's device id; "" when it sent none.
	DeviceHash string `json:"device_hash,omitempty"`
}

type playerData struct {
	Player string `json:"player"`
}

type answeredData struct {
	Player   string      `json:"player"`
	Question string      `json:"question"`
	Choice   quiz.Choice `json:"choice"`
}

type closedData struct {
	By string `json:"by"`
}

// Errors of room commands, each mapped to a protocol error code.
var (
	ErrForbidden      = errors.New("room: not allowed for this role")
	ErrUnauthorized   = errors.New("room: unknown token")
	ErrNotFound       = errors.New("room: not found")
	ErrGone           = errors.New("room: no such room here: it expired or never existed")
	ErrWrongPhase     = errors.New("room: not possible now")
	ErrFinished       = errors.New("room: finished")
	ErrBadRequest     = errors.New("room: bad request")
	ErrStopped        = errors.New("room: stopped")
	ErrRateLimited    = errors.New("room: too many requests")
	ErrTooManyConns   = errors.New("room: too many connections for one token")
	ErrStorage        = errors.New("room: storage unavailable and the buffer is full")
	ErrRoomsPerClient = errors.New("room: too many rooms created from one client")
	ErrCrossSite      = errors.New("room: cross-site request")
	ErrMediaType      = errors.New("room: request body is not JSON")

	// errDuplicate marks a command already accepted earlier: acked, not logged.
	errDuplicate = errors.New("room: duplicate")
)

// HashToken returns the form in which a token is kept: hex SHA-256.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func newState(cfg Config, at time.Time) *State {
	s := &State{Config: cfg, Created: at, Stage: -1}
	for i, name := range cfg.Teams {
		s.Teams = append(s.Teams, Team{ID: fmt.Sprintf("t%d", i+1), Name: name})
	}
	s.reindex()
	return s
}

// reindex rebuilds the lookup maps after a snapshot is loaded.
func (s *State) reindex() {
	s.byID = make(map[string]*Player, len(s.Players))
	s.byToken = make(map[string]*Player, len(s.Players))
	s.active = make(quiz.Roster, len(s.Players))
	s.teamOf = make(map[string][]string, len(s.Teams))
	for _, p := range s.Players {
		s.byID[p.ID] = p
		if !p.Kicked {
			s.byToken[p.TokenHash] = p
			s.active[p.ID] = p.Team
			s.teamOf[p.Team] = append(s.teamOf[p.Team], p.ID)
		}
	}
}

// Phase is the room's phase for views: lobby, the current quiz phase, or
// finished.
func (s *State) Phase() string {
	switch {
	case s.Finished:
		return PhaseFinished
	case s.Stage < 0:
		return PhaseLobby
	}
	switch s.kind() {
	case scenario.KindGame:
		return s.gamePhase()
	case scenario.KindBoard:
		return s.boardPhase()
	}
	return string(s.quiz().Phase)
}

// kind is the kind of the current stage, "" in the lobby.
func (s *State) kind() scenario.StageKind {
	if s.Stage < 0 || s.Stage >= len(s.Config.Scenario.Stages) {
		return ""
	}
	return s.Config.Scenario.Stages[s.Stage].Kind
}

func (s *State) quiz() *quiz.State {
	if s.Stage < 0 || s.Stage >= len(s.Quizzes) {
		return nil
	}
	return s.Quizzes[s.Stage]
}

func (s *State) stageDef() *scenario.Quiz {
	if s.Stage < 0 || s.Stage >= len(s.Config.Scenario.Stages) {
		return nil
	}
	return s.Config.Scenario.Stages[s.Stage].Quiz
}

// teamMode is the team mode in force: the current stage's, or before the
// first stage the one it will have.
func (s *State) teamMode() scenario.TeamMode {
	if qs := s.quiz(); qs != nil {
		return qs.Mode
	}
	if s.Config.TeamMode != "" {
		return s.Config.TeamMode
	}
	return firstTeamMode(s.Config.Scenario)
}

// question returns the current question of the current stage, or nil.
func (s *State) question() *scenario.Question {
	qs, def := s.quiz(), s.stageDef()
	if qs == nil || def == nil || qs.Index < 0 {
		return nil
	}
	return &def.Questions[qs.Index]
}

// roster maps every active player to their team. It is kept up to date
// by apply; callers must not change it.
func (s *State) roster() quiz.Roster { return s.active }

func (s *State) team(id string) *Team {
	for i := range s.Teams {
		if s.Teams[i].ID == id {
			return &s.Teams[i]
		}
	}
	return nil
}

// smallestTeam returns the team with the fewest active players, the first
// one on a tie.
func (s *State) smallestTeam() string {
	counts := map[string]int{}
	for _, p := range s.Players {
		if !p.Kicked {
			counts[p.Team]++
		}
	}
	best := s.Teams[0].ID
	for _, t := range s.Teams {
		if counts[t.ID] < counts[best] {
			best = t.ID
		}
	}
	return best
}

// apply changes the state by one event. The live path and the replay after a
// restart both go through it, so they cannot differ. An error leaves the
// state as it was.
func (s *State) apply(ev store.Event) error {
	switch ev.Type {
	case evJoined:
		var d joinedData
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return err
		}
		if s.team(d.Team) == nil || s.byID[d.Player] != nil {
			return ErrBadRequest
		}
		p := &Player{ID: d.Player, Name: d.Name, Team: d.Team, Sector: d.Sector, TokenHash: d.TokenHash, DeviceHash: d.DeviceHash, Joined: ev.At}
		s.Players = append(s.Players, p)
		s.byID[p.ID] = p
		s.byToken[p.TokenHash] = p
		s.active[p.ID] = p.Team
		s.teamOf[p.Team] = append(s.teamOf[p.Team], p.ID)
	case evKicked:
		var d playerData
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return err
		}
		p := s.byID[d.Player]
		if p == nil || p.Kicked {
			return ErrNotFound
		}
		p.Kicked = true
		delete(s.byToken, p.TokenHash)
		delete(s.active, p.ID)
		// A new slice, not one edited in place: callers may hold the old one.
		s.teamOf[p.Team] = slices.DeleteFunc(slices.Clone(s.teamOf[p.Team]), func(id string) bool { return id == p.ID })
		s.dropBoardVoter(p.ID)
	case evReadmitted:
		var d playerData
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return err
		}
		p := s.byID[d.Player]
		if p == nil || !p.barred() {
			return ErrNotFound
		}
		p.Readmitted = true
	case evStarted:
		if s.Stage >= 0 || s.Finished {
			return ErrWrongPhase
		}
		return s.enterStage(0, ev.At)
	case evAnswered:
		var d answeredData
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return err
		}
		qs := s.quiz()
		if qs == nil || s.Finished {
			return ErrWrongPhase
		}
		dup, err := qs.Submit(s.stageDef(), s.roster(), d.Player, d.Question, d.Choice, ev.At)
		if err != nil {
			return err
		}
		if dup {
			return errDuplicate
		}
	case evClosed:
		var d closedData
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return err
		}
		qs := s.quiz()
		if qs == nil {
			return ErrWrongPhase
		}
		return qs.Close(s.stageDef(), s.roster(), ev.At, d.By)
	case evNext:
		return s.next(ev.At)
	case evLinks:
		return s.applyLinks(ev)
	case evLocked:
		var d lockData
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return err
		}
		s.Locked = d.Locked
	case evEnded:
		if s.Finished {
			return ErrFinished
		}
		switch s.kind() {
		case scenario.KindQuiz:
			if qs := s.quiz(); qs != nil {
				qs.Finish(s.stageDef(), s.roster(), ev.At)
			}
		case scenario.KindGame:
			s.finishGame(ev.At)
		case scenario.KindBoard:
			s.finishBoard(ev.At)
		}
		s.Finished = true
	default:
		switch {
		case strings.HasPrefix(ev.Type, gameEventPrefix):
			return s.applyGame(ev)
		case strings.HasPrefix(ev.Type, boardEventPrefix):
			return s.applyBoard(ev)
		}
		return fmt.Errorf("%w: unknown event %q", ErrBadRequest, ev.Type)
	}
	return nil
}

// next advances the room one step: reveal → leaderboard → next question,
// then the next stage, then finished.
func (s *State) next(at time.Time) error {
	if s.Finished || s.Stage < 0 {
		return ErrWrongPhase
	}
	var done bool
	var err error
	switch s.kind() {
	case scenario.KindGame:
		done, err = s.nextGame(at)
	case scenario.KindBoard:
		done, err = s.nextBoard(at)
	default:
		return s.nextQuiz(at)
	}
	if err != nil || !done {
		return err
	}
	return s.nextStage(at)
}

// nextStage enters the stage after the current one, or finishes the room
// after the last.
func (s *State) nextStage(at time.Time) error {
	if s.Stage+1 < len(s.Config.Scenario.Stages) {
		return s.enterStage(s.Stage+1, at)
	}
	s.Finished = true
	return nil
}

func (s *State) nextQuiz(at time.Time) error {
	qs, def := s.quiz(), s.stageDef()
	if qs == nil {
		return ErrWrongPhase
	}
	switch qs.Phase {
	case quiz.Reveal:
		return qs.Advance(def)
	case quiz.Leaderboard:
		if qs.HasNext(def) {
			return qs.Start(def, at)
		}
		if err := qs.Advance(def); err != nil {
			return err
		}
		return s.nextStage(at)
	}
	return ErrWrongPhase
}

// enterStage starts stage i. Quizzes, Games and Boards each get one entry
// per stage started, nil where the stage is of another kind, so that each is
// indexed by stage.
func (s *State) enterStage(i int, at time.Time) error {
	st := s.Config.Scenario.Stages[i]
	for len(s.Quizzes) < i {
		s.Quizzes = append(s.Quizzes, nil)
	}
	switch st.Kind {
	case scenario.KindGame:
		if st.Game == nil {
			break
		}
		g, err := s.enterGame(st.Game, at)
		if err != nil {
			return err
		}
		s.Quizzes = append(s.Quizzes, nil)
		s.Games = append(padded(s.Games, i), g)
		s.Stage = i
		return nil
	case scenario.KindBoard:
		if st.Board == nil {
			break
		}
		b, err := s.enterBoard(st.Board, at)
		if err != nil {
			return err
		}
		s.Quizzes = append(s.Quizzes, nil)
		s.Boards = append(padded(s.Boards, i), b)
		s.Stage = i
		return nil
	}
	if st.Kind != scenario.KindQuiz || st.Quiz == nil {
		return fmt.Errorf("%w: stage %q of kind %q cannot be played", ErrBadRequest, st.ID, st.Kind)
	}
	mode := s.Config.TeamMode
	if mode == "" {
		mode = st.Quiz.TeamMode
	}
	qs := quiz.New(mode)
	// A streak runs through the whole room, not one stage, where it can.
	if prev := s.lastQuiz(); prev != nil && prev.Mode == qs.Mode {
		for unit, sc := range prev.Scores {
			qs.Scores[unit] = &quiz.Score{Streak: sc.Streak}
		}
	}
	if err := qs.Start(st.Quiz, at); err != nil {
		return err
	}
	s.Stage = i
	s.Quizzes = append(s.Quizzes, qs)
	return nil
}

// lastQuiz is the quiz of the latest quiz stage started, or nil.
func (s *State) lastQuiz() *quiz.State {
	for i := len(s.Quizzes) - 1; i >= 0; i-- {
		if s.Quizzes[i] != nil {
			return s.Quizzes[i]
		}
	}
	return nil
}

// padded grows a per-stage slice with nils to length n.
func padded[T any](xs []*T, n int) []*T {
	for len(xs) < n {
		xs = append(xs, nil)
	}
	return xs
}

// timer is the deadline the current stage waits for, and the event to
// commit when it passes; a zero time when nothing is timed.
func (s *State) timer() (time.Time, string, any) {
	if s.Finished {
		return time.Time{}, "", nil
	}
	switch s.kind() {
	case scenario.KindQuiz:
		if qs := s.quiz(); qs != nil && qs.Phase == quiz.Open {
			return qs.Deadline, evClosed, closedData{By: quiz.ClosedByTime}
		}
	case scenario.KindGame:
		return s.gameTimer()
	case scenario.KindBoard:
		return s.boardTimer()
	}
	return time.Time{}, "", nil
}
