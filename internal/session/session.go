// Package session is what a room is, without the machinery that runs it: its
// state, the events that change it and the commands that make them, each
// audience's view, the standings across stages, the results for export,
// and the error codes with their sentences in both languages.
//
// Nothing here runs a goroutine, reads a clock or touches a socket or the
// store: the room actor (internal/room) owns a State, hands it commands and
// the time, logs the events it records and sends the views it builds. A
// restart rebuilds the same State from the log through the same apply.
//
// Each stage kind (quiz, game, board) is one file holding its side of every
// concern: its events and commands, phase, timer, views and results, behind
// the stage interface (stage.go).
package session

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/huddle-live/huddle/internal/quiz"
	"github.com/huddle-live/huddle/internal/scenario"
)

// Role is what a connection may see and do.
type Role string

// Roles of connections.
const (
	RoleHost   Role = "host"
	RoleScreen Role = "screen"
	RolePlayer Role = "player"
	// RoleWatcher follows the room as a phone does, without a team: it
	// sees what every phone sees and may send nothing.
	RoleWatcher Role = "watcher"
)

// Room phases as the views show them.
const (
	PhaseLobby    = "lobby"
	PhaseFinished = "finished"
	// PhaseBetween is the pause after a stage when the next is of another
	// kind: the projector shows where the day stands until the host goes on.
	PhaseBetween = "between"
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
	// Interludes: the room pauses between stages of different kinds and
	// its views show where the day stands (day.go). Set for every room
	// created since; rooms created before play on as they did.
	Interludes bool `json:"interludes,omitempty"`
	// StepPodium: once finished, the host reveals the podium place by
	// place (podiumSteps). Set for every room created since; rooms
	// created before show it whole, as they did.
	StepPodium bool `json:"step_podium,omitempty"`
	// Relaxed: the room plays its scenario without speed points and with
	// longer questions (Relaxed); Scenario already is the relaxed copy.
	Relaxed bool `json:"relaxed,omitempty"`
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

// State is the whole state of a room. It changes only through its events
// (Apply on a replay, Exec and the other commands live) and is serialised
// as the room's snapshot (snapshot.go keeps the layout).
type State struct {
	Config   Config
	Created  time.Time
	Teams    []Team
	Players  []*Player // in join order
	Stage    int       // -1 in the lobby
	Finished bool
	Locked   bool // no new players may join
	Between  bool // the current stage is done and the next, of another kind, waits for the host
	Podium   int  // once finished: the podium's steps the host revealed (see podiumSteps)
	// ScreenPage is the page the host turned the projector to, and the
	// screen it was turned on (screen.go); nil while it was never turned.
	ScreenPage *screenPage

	stages  []stage             // one per stage started, indexed by stage
	byID    map[string]*Player  // every player
	byToken map[string]*Player  // active players by token hash
	byName  map[string][]int    // foldName(name) → every player of that name, by index in Players
	byDev   map[string][]int    // device hash → every player of that device, by index in Players
	active  quiz.Roster         // active player → team
	teamOf  map[string][]string // team → its active players in join order (see members)
	ranks   *ranking            // what every phone's view shares; nil when an event changed it
}

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
	s.byName = make(map[string][]int, len(s.Players))
	s.byDev = map[string][]int{}
	s.ranks = nil
	for i, p := range s.Players {
		s.byID[p.ID] = p
		s.indexName(i)
		if !p.Kicked {
			s.byToken[p.TokenHash] = p
			s.active[p.ID] = p.Team
			s.teamOf[p.Team] = append(s.teamOf[p.Team], p.ID)
		}
	}
}

// indexName files the player at Players[i] under its name and device, as
// Join looks them up.
func (s *State) indexName(i int) {
	p := s.Players[i]
	k := foldName(p.Name)
	s.byName[k] = append(s.byName[k], i)
	if p.DeviceHash != "" {
		s.byDev[p.DeviceHash] = append(s.byDev[p.DeviceHash], i)
	}
}

// foldName is the form under which names that strings.EqualFold takes for
// the same are the same: each letter replaced by the least of its case
// folding orbit.
func foldName(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	for _, r := range name {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		b.WriteRune(least)
	}
	return b.String()
}

// Phase is the room's phase for views: lobby, the current stage's phase,
// or finished.
func (s *State) Phase() string {
	switch {
	case s.Finished:
		return PhaseFinished
	case s.Stage < 0:
		return PhaseLobby
	case s.Between:
		return PhaseBetween
	}
	if cur := s.current(); cur != nil {
		return cur.phase()
	}
	return ""
}

// current is the stage being played, nil in the lobby.
func (s *State) current() stage {
	if s.Stage < 0 || s.Stage >= len(s.stages) {
		return nil
	}
	return s.stages[s.Stage]
}

// step changes whenever views must go out at once though the phase stays
// the same (a game moving to its next case); -1 outside such a stage.
func (s *State) step() int {
	if cur := s.current(); cur != nil {
		return cur.step()
	}
	return -1
}

// PlayerByToken returns the active player holding the token with this
// hash, or nil.
func (s *State) PlayerByToken(hash string) *Player {
	if hash == "" {
		return nil
	}
	return s.byToken[hash]
}

// Active is how many players are in the room, removed ones not counted.
func (s *State) Active() int { return len(s.active) }

// teamMode is the team mode in force: the current stage's, or before the
// first stage the one it will have.
func (s *State) teamMode() scenario.TeamMode {
	if cur := s.current(); cur != nil {
		if qs := cur.scores(); qs != nil {
			return qs.Mode
		}
	}
	if s.Config.TeamMode != "" {
		return s.Config.TeamMode
	}
	return firstTeamMode(s.Config.Scenario)
}

// firstTeamMode is the team mode of a scenario's first quiz stage.
func firstTeamMode(sc *scenario.Scenario) scenario.TeamMode {
	for _, st := range sc.Stages {
		if st.Quiz != nil && st.Quiz.TeamMode != "" {
			return st.Quiz.TeamMode
		}
	}
	return scenario.TeamAverage
}

// roster maps every active player to their team. It is kept up to date
// by apply; callers must not change it.
func (s *State) roster() quiz.Roster { return s.active }

// members are a team's active players in join order, kept by apply;
// callers must not change the slice.
func (s *State) members(team string) []string { return s.teamOf[team] }

func (s *State) team(id string) *Team {
	for i := range s.Teams {
		if s.Teams[i].ID == id {
			return &s.Teams[i]
		}
	}
	return nil
}

func (s *State) teamName(id string) string {
	if t := s.team(id); t != nil {
		return t.Name
	}
	return ""
}

func (s *State) teamIDs() []string {
	ids := make([]string, len(s.Teams))
	for i, t := range s.Teams {
		ids[i] = t.ID
	}
	return ids
}

// playing lists the teams that have active members: teams nobody joined
// play no game worth showing, so views, rankings and exports leave them out.
func (s *State) playing() []string {
	out := []string{}
	for _, t := range s.Teams {
		if len(s.members(t.ID)) > 0 {
			out = append(out, t.ID)
		}
	}
	return out
}

// teamSize counts a team's active members.
func (s *State) teamSize(team string) int { return len(s.teamOf[team]) }

// smallestTeam returns the team with the fewest active players, the first
// one on a tie.
func (s *State) smallestTeam() string {
	best := s.Teams[0].ID
	for _, t := range s.Teams {
		if len(s.teamOf[t.ID]) < len(s.teamOf[best]) {
			best = t.ID
		}
	}
	return best
}

// Info describes a room to people about to join it.
type Info struct {
	ID       string `json:"room"`
	Code     string `json:"code"`
	Title    string `json:"title"`
	Lang     string `json:"lang"`
	TeamMode string `json:"team_mode"`
	Teams    []Team `json:"teams"`
	Sectors  bool   `json:"sectors,omitempty"` // ask people at join whether they work for a state institution or an NGO
}

// Info returns the room's public description, a copy of its own.
func (s *State) Info() Info {
	return Info{ID: s.Config.ID, Code: s.Config.Code, Title: s.Config.Scenario.Title, Lang: s.Config.Lang,
		TeamMode: string(s.teamMode()), Teams: slices.Clone(s.Teams), Sectors: HasBoard(s.Config.Scenario)}
}

// TeamNames settles a new room's teams: the names the host gave (2 to 20,
// unique, each cleaned like a player's), else count teams (0 means the
// scenario's own, or 4) named after the scenario's and numbered in lang.
func TeamNames(sc *scenario.Scenario, names []string, count int, lang string) ([]string, error) {
	if len(names) > 0 {
		if len(names) < 2 || len(names) > 20 {
			return nil, fmt.Errorf("%w: 2 to 20 teams", ErrBadRequest)
		}
		seen := map[string]bool{}
		out := make([]string, len(names))
		for i, t := range names {
			name, err := CleanName(t)
			if err != nil || seen[strings.ToLower(name)] {
				return nil, fmt.Errorf("%w: team names must be unique, 1 to 40 characters", ErrBadRequest)
			}
			seen[strings.ToLower(name)] = true
			out[i] = name
		}
		return out, nil
	}
	if count == 0 && len(sc.Teams) > 0 {
		return sc.Teams, nil
	}
	n := count
	if n == 0 {
		n = 4
	}
	if n < 2 || n > 20 {
		return nil, fmt.Errorf("%w: 2 to 20 teams", ErrBadRequest)
	}
	word := "Команда"
	if lang == "en" {
		word = "Team"
	}
	out := make([]string, n)
	for i := range out {
		if i < len(sc.Teams) {
			out[i] = sc.Teams[i]
		} else {
			out[i] = fmt.Sprintf("%s %d", word, i+1)
		}
	}
	return out, nil
}
