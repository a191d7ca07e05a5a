// Package game is the business game engine: teams carry meters through
// branching cases, decide as a team (captain, any member, or vote), and
// reach endings chosen by their meters. It is pure: state + command + time →
// new state, or an error. No goroutines, no sockets, no clock reads.
package game

import (
	"errors"
	"slices"
	"time"

	"github.com/huddle-live/huddle/internal/scenario"
)

// Errors of game commands.
var (
	ErrWrongPhase = errors.New("game: not possible now")
	ErrNotFound   = errors.New("game: no such team, node, choice or event")
	ErrForbidden  = errors.New("game: only the captain may do this")
	ErrStale      = errors.New("game: the team has moved on from this node")
	ErrNotAllowed = errors.New("game: this choice is not available")
	ErrUsed       = errors.New("game: this event was injected already")
)

// Phases of a game stage.
const (
	Playing = "game"    // teams play the current case
	Debrief = "debrief" // every case is over; paths are shown
)

// How a step of a team's path was decided.
const (
	ByTeam    = "team"    // confirmed by the captain or a member, or all voted
	ByTime    = "time"    // time ran out; the team's proposal applied
	ByDefault = "forced"  // time ran out with no proposal: the node's default applied
	ByHost    = "stopped" // the facilitator moved everyone on before the team decided
	ByEvent   = "event"   // an injected event, not a choice
)

// State is one game stage's state.
type State struct {
	Decision scenario.Decision `json:"decision"`
	Case     int               `json:"case"` // the case being played; len(cases) in the debrief
	Paused   bool              `json:"paused,omitempty"`
	PausedAt time.Time         `json:"paused_at,omitzero"`
	Teams    map[string]*Team  `json:"teams"`
	Injected []Injection       `json:"injected,omitempty"`

	bare bool // no path is kept: for random playthroughs, which only need where teams go
}

// Team is one team's game.
type Team struct {
	Meters   map[string]int  `json:"meters"`
	Node     string          `json:"node"` // current node of the current case; "" when the team is done with it
	Entered  time.Time       `json:"entered"`
	Deadline time.Time       `json:"deadline,omitzero"`
	Picks    map[string]Pick `json:"picks,omitempty"` // player → pick at the current node
	Seq      int             `json:"seq"`             // counts picks, for "latest"
	Used     []string        `json:"used,omitempty"`  // once-only choices taken: "case/node/choice"
	Path     []Step          `json:"path"`
	Endings  []string        `json:"endings"` // ending id per case finished; "" for a case stopped before any decision
	Captain  string          `json:"captain,omitempty"`
}

// Pick is one member's proposal for the current node.
type Pick struct {
	Choice string `json:"choice"`
	Why    string `json:"why,omitempty"`
	Seq    int    `json:"seq"`
}

// Step is one decision (or injected event) on a team's path.
type Step struct {
	Case    string         `json:"case"`
	Node    string         `json:"node,omitempty"`
	Choice  string         `json:"choice,omitempty"`
	Event   string         `json:"event,omitempty"`
	Why     string         `json:"why,omitempty"`
	By      string         `json:"by"`
	At      time.Time      `json:"at"`
	Meters  map[string]int `json:"meters"` // after the step
	Outcome string         `json:"outcome,omitempty"`
}

// Injection is an event the facilitator injected.
type Injection struct {
	Event string    `json:"event"`
	Case  int       `json:"case"`
	At    time.Time `json:"at"`
}

// Members are a team's active players in join order. The captain is the
// team's chosen captain when still a member, else the first member.
type Members []string

// New starts a game: every team at the first node of the first case.
func New(def *scenario.Game, teams []string, at time.Time) *State {
	s := &State{Decision: def.Decision, Teams: map[string]*Team{}}
	for _, id := range teams {
		t := &Team{Meters: map[string]int{}, Endings: []string{}, Path: []Step{}}
		for _, mt := range def.Meters {
			t.Meters[mt.ID] = mt.Start
		}
		s.Teams[id] = t
	}
	s.enterCase(def, 0, at)
	return s
}

func (s *State) enterCase(def *scenario.Game, i int, at time.Time) {
	s.Case = i
	if i >= len(def.Cases) {
		return
	}
	c := &def.Cases[i]
	for _, t := range s.Teams {
		s.enter(t, c, c.Start, at)
	}
}

func (s *State) enter(t *Team, c *scenario.Case, node string, at time.Time) {
	t.Node, t.Entered, t.Picks, t.Deadline = node, at, nil, time.Time{}
	if n := c.Node(node); n != nil && n.TimeLimit > 0 {
		t.Deadline = at.Add(n.TimeLimit)
	}
}

// Phase is Playing or Debrief.
func (s *State) Phase(def *scenario.Game) string {
	if s.Case >= len(def.Cases) {
		return Debrief
	}
	return Playing
}

// CurrentCase is the case being played, or nil in the debrief.
func (s *State) CurrentCase(def *scenario.Game) *scenario.Case {
	if s.Case < 0 || s.Case >= len(def.Cases) {
		return nil
	}
	return &def.Cases[s.Case]
}

// CaptainOf is the captain of a team with these members: the chosen one if
// still a member, else the first member; "" for an empty team.
func (t *Team) CaptainOf(m Members) string {
	if t.Captain != "" && slices.Contains(m, t.Captain) {
		return t.Captain
	}
	if len(m) == 0 {
		return ""
	}
	return m[0]
}

// Roles maps each role id to the member who holds it in case i: roles go
// round the members in join order, shifted by one member per case so that
// everyone gets to read different briefs. With fewer members than roles a
// member holds several.
func Roles(def *scenario.Game, m Members, caseIndex int) map[string]string {
	out := map[string]string{}
	if len(m) == 0 {
		return out
	}
	for i, r := range def.Roles {
		out[r.ID] = m[(i+caseIndex)%len(m)]
	}
	return out
}

// Available reports whether a team may take choice ch now: its condition
// holds and, when once-only, it was not taken before.
func (t *Team) Available(c *scenario.Case, n *scenario.Node, ch *scenario.Choice) bool {
	return ch.If.Holds(t.Meters) && !(ch.Once && slices.Contains(t.Used, usedKey(c, n, ch)))
}

func usedKey(c *scenario.Case, n *scenario.Node, ch *scenario.Choice) string {
	return c.ID + "/" + n.ID + "/" + ch.ID
}

// team looks a team and its current node up.
func (s *State) team(def *scenario.Game, team, node string) (*Team, *scenario.Case, *scenario.Node, error) {
	t := s.Teams[team]
	if t == nil {
		return nil, nil, nil, ErrNotFound
	}
	c := s.CurrentCase(def)
	if c == nil || s.Paused {
		return nil, nil, nil, ErrWrongPhase
	}
	if t.Node == "" || (node != "" && node != t.Node) {
		return nil, nil, nil, ErrStale
	}
	return t, c, c.Node(t.Node), nil
}

// Pick records a member's proposal at the team's current node. In vote mode
// the team decides once every member has voted; decided reports that.
func (s *State) Pick(def *scenario.Game, team string, m Members, player, node, choice, why string, at time.Time) (decided bool, err error) {
	t, c, n, err := s.team(def, team, node)
	if err != nil {
		return false, err
	}
	if !slices.Contains(m, player) {
		return false, ErrNotFound
	}
	ch := n.Choice(choice)
	if ch == nil {
		return false, ErrNotFound
	}
	if !t.Available(c, n, ch) {
		return false, ErrNotAllowed
	}
	if t.Picks == nil {
		t.Picks = map[string]Pick{}
	}
	t.Seq++
	t.Picks[player] = Pick{Choice: choice, Why: why, Seq: t.Seq}
	if s.Decision == scenario.DecideVote && allVoted(t, m) {
		p, _ := s.Proposal(t, m)
		s.decide(def, t, c, n, p, ByTeam, at)
		return true, nil
	}
	return false, nil
}

// Settle decides a vote that every remaining member has already cast: a
// member left the team (kicked) and was the last one the vote waited for.
func (s *State) Settle(def *scenario.Game, team string, m Members, node string, at time.Time) error {
	t, c, n, err := s.team(def, team, node)
	if err != nil {
		return err
	}
	if s.Decision != scenario.DecideVote || !allVoted(t, m) {
		return ErrWrongPhase
	}
	p, _ := s.Proposal(t, m)
	s.decide(def, t, c, n, p, ByTeam, at)
	return nil
}

// Complete reports whether a team's vote at its current node waits for no
// one: every member voted. It is false outside vote mode.
func (s *State) Complete(team string, m Members) bool {
	t := s.Teams[team]
	return s.Decision == scenario.DecideVote && t != nil && t.Node != "" && !s.Paused && allVoted(t, m)
}

func allVoted(t *Team, m Members) bool {
	for _, p := range m {
		if _, ok := t.Picks[p]; !ok {
			return false
		}
	}
	return len(m) > 0
}

// Confirm settles the team on its current proposal: in captain mode only
// the captain may; in any mode every member may; in vote mode the captain
// may close the vote early.
func (s *State) Confirm(def *scenario.Game, team string, m Members, player, node string, at time.Time) error {
	t, c, n, err := s.team(def, team, node)
	if err != nil {
		return err
	}
	if !slices.Contains(m, player) {
		return ErrNotFound
	}
	if s.Decision != scenario.DecideAny && t.CaptainOf(m) != player {
		return ErrForbidden
	}
	p, _ := s.Proposal(t, m)
	if p.Choice == "" {
		return ErrWrongPhase
	}
	s.decide(def, t, c, n, p, ByTeam, at)
	return nil
}

// Proposal is the team's current proposal: the captain's pick in captain
// mode, the latest pick in any mode, the majority in vote mode (ties go to
// the captain's vote, then to the earliest pick). Tally counts the picks
// per choice.
func (s *State) Proposal(t *Team, m Members) (Pick, map[string]int) {
	tally := map[string]int{}
	var latest Pick
	for _, p := range m {
		pk, ok := t.Picks[p]
		if !ok {
			continue
		}
		tally[pk.Choice]++
		if pk.Seq > latest.Seq {
			latest = pk
		}
	}
	captain := t.Picks[t.CaptainOf(m)]
	switch s.Decision {
	case scenario.DecideCaptain:
		return captain, tally
	case scenario.DecideAny:
		return latest, tally
	}
	best, bestN := Pick{}, 0
	for _, p := range m {
		pk, ok := t.Picks[p]
		if !ok {
			continue
		}
		n := tally[pk.Choice]
		switch {
		case n > bestN, n == bestN && pk.Choice == captain.Choice && best.Choice != captain.Choice,
			n == bestN && best.Choice != captain.Choice && pk.Seq < best.Seq:
			best, bestN = pk, n
		}
	}
	if best.Choice != "" {
		// The reason kept is the latest one given for the winning choice.
		whySeq := 0
		for _, p := range m {
			if pk := t.Picks[p]; pk.Choice == best.Choice && pk.Why != "" && pk.Seq > whySeq {
				best.Why, whySeq = pk.Why, pk.Seq
			}
		}
	}
	return best, tally
}

// decide applies a choice: effects, once-only mark, the path step, then the
// next node or the end of the case.
func (s *State) decide(def *scenario.Game, t *Team, c *scenario.Case, n *scenario.Node, p Pick, by string, at time.Time) {
	ch := n.Choice(p.Choice)
	for k, v := range ch.Effects {
		t.Meters[k] += v
	}
	if ch.Once {
		t.Used = append(t.Used, usedKey(c, n, ch))
	}
	if !s.bare {
		t.Path = append(t.Path, Step{Case: c.ID, Node: n.ID, Choice: ch.ID, Why: p.Why, By: by, At: at,
			Meters: cloneMeters(t.Meters), Outcome: ch.Outcome})
	}
	if ch.Next == scenario.End {
		s.endCase(c, t)
		return
	}
	s.enter(t, c, ch.Next, at)
}

func (s *State) endCase(c *scenario.Case, t *Team) {
	t.Node, t.Picks, t.Deadline = "", nil, time.Time{}
	t.Endings = append(t.Endings, Ending(c, t.Meters).ID)
}

// Ending is the first ending of the case whose condition holds.
func Ending(c *scenario.Case, meters map[string]int) *scenario.Ending {
	for i := range c.Endings {
		if c.Endings[i].If.Holds(meters) {
			return &c.Endings[i]
		}
	}
	return &c.Endings[len(c.Endings)-1]
}

func cloneMeters(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Deadline is the earliest deadline of any team, and that team; zero when
// nothing is timed or the game is paused.
func (s *State) Deadline() (time.Time, string, string) {
	if s.Paused {
		return time.Time{}, "", ""
	}
	var at time.Time
	var team, node string
	for _, id := range sortedTeams(s.Teams) {
		t := s.Teams[id]
		if t.Node == "" || t.Deadline.IsZero() {
			continue
		}
		if at.IsZero() || t.Deadline.Before(at) {
			at, team, node = t.Deadline, id, t.Node
		}
	}
	return at, team, node
}

func sortedTeams(m map[string]*Team) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Timeout ends a team's time at a node: its proposal applies if it has one,
// otherwise the node's default is forced.
func (s *State) Timeout(def *scenario.Game, team string, m Members, node string, at time.Time) error {
	t, c, n, err := s.team(def, team, node)
	if err != nil {
		return err
	}
	if t.Deadline.IsZero() || at.Before(t.Deadline) {
		return ErrWrongPhase
	}
	p, _ := s.Proposal(t, m)
	by := ByTime
	if p.Choice == "" || !t.Available(c, n, n.Choice(p.Choice)) {
		p, by = Pick{Choice: n.Default}, ByDefault
	}
	s.decide(def, t, c, n, p, by, at)
	return nil
}

// Pause stops every team's clock; Resume moves every deadline on by the
// time spent paused.
func (s *State) Pause(def *scenario.Game, paused bool, at time.Time) error {
	if s.Paused == paused || s.CurrentCase(def) == nil {
		return ErrWrongPhase
	}
	if paused {
		s.Paused, s.PausedAt = true, at
		return nil
	}
	gap := at.Sub(s.PausedAt)
	for _, t := range s.Teams {
		if !t.Deadline.IsZero() {
			t.Deadline = t.Deadline.Add(gap)
		}
	}
	s.Paused, s.PausedAt = false, time.Time{}
	return nil
}

// Extend gives every team still deciding d more time at its node.
func (s *State) Extend(d time.Duration) error {
	if d <= 0 {
		return ErrWrongPhase
	}
	n := 0
	for _, t := range s.Teams {
		if t.Node != "" && !t.Deadline.IsZero() {
			t.Deadline = t.Deadline.Add(d)
			n++
		}
	}
	if n == 0 {
		return ErrWrongPhase
	}
	return nil
}

// Inject applies an event's effects to every team, once per game.
func (s *State) Inject(def *scenario.Game, event string, at time.Time) error {
	ev := def.Event(event)
	if ev == nil {
		return ErrNotFound
	}
	c := s.CurrentCase(def)
	if c == nil {
		return ErrWrongPhase
	}
	for _, in := range s.Injected {
		if in.Event == event {
			return ErrUsed
		}
	}
	s.Injected = append(s.Injected, Injection{Event: event, Case: s.Case, At: at})
	for _, id := range sortedTeams(s.Teams) {
		t := s.Teams[id]
		for k, v := range ev.Effects {
			t.Meters[k] += v
		}
		t.Path = append(t.Path, Step{Case: c.ID, Event: ev.ID, By: ByEvent, At: at, Meters: cloneMeters(t.Meters), Outcome: ev.Text})
	}
	return nil
}

// SetCaptain makes player the team's captain.
func (s *State) SetCaptain(team string, m Members, player string) error {
	t := s.Teams[team]
	if t == nil || !slices.Contains(m, player) {
		return ErrNotFound
	}
	t.Captain = player
	return nil
}

// Next moves every team to the next case. Teams still deciding stop where
// they are (their path shows it) and get the ending their meters give, or
// none ("") when they took no decision in the case. done
// reports that the debrief was already showing, so the stage is over.
func (s *State) Next(def *scenario.Game, at time.Time) (done bool) {
	c := s.CurrentCase(def)
	if c == nil {
		return true
	}
	for _, id := range sortedTeams(s.Teams) {
		t := s.Teams[id]
		if t.Node == "" {
			continue
		}
		decided := false
		for _, st := range t.Path {
			decided = decided || (st.Case == c.ID && st.Choice != "" && st.Event == "")
		}
		t.Path = append(t.Path, Step{Case: c.ID, Node: t.Node, By: ByHost, At: at, Meters: cloneMeters(t.Meters)})
		s.endCase(c, t)
		if !decided {
			// A case the team never got to decide anything in has no ending.
			t.Endings[len(t.Endings)-1] = ""
		}
	}
	s.Paused, s.PausedAt = false, time.Time{}
	s.enterCase(def, s.Case+1, at)
	return false
}

// Finish ends the game where it stands, as the room ends.
func (s *State) Finish(def *scenario.Game, at time.Time) {
	for s.CurrentCase(def) != nil {
		s.Next(def, at)
	}
}

// AllDone reports whether every team has finished the current case.
func (s *State) AllDone() bool {
	for _, t := range s.Teams {
		if t.Node != "" {
			return false
		}
	}
	return true
}

// Balance is a team's balance score (see scenario.Game.BalanceScore).
func (t *Team) Balance(def *scenario.Game) float64 { return def.BalanceScore(t.Meters) }

// OutOfBand counts a team's meters outside their bands.
func (t *Team) OutOfBand(def *scenario.Game) int {
	n := 0
	for _, mt := range def.Meters {
		if !mt.InBand(t.Meters[mt.ID]) {
			n++
		}
	}
	return n
}

// Ranking orders the teams in only (every team when only is nil) by
// balance score, then fewer meters out of band, then id, and gives equal
// scores the same rank.
func (s *State) Ranking(def *scenario.Game, only []string) []Rank {
	var out []Rank
	for _, id := range sortedTeams(s.Teams) {
		if only != nil && !slices.Contains(only, id) {
			continue
		}
		t := s.Teams[id]
		out = append(out, Rank{Team: id, Balance: t.Balance(def), OutOfBand: t.OutOfBand(def)})
	}
	slices.SortStableFunc(out, func(a, b Rank) int {
		switch {
		case a.Balance != b.Balance:
			if a.Balance > b.Balance {
				return -1
			}
			return 1
		case a.OutOfBand != b.OutOfBand:
			return a.OutOfBand - b.OutOfBand
		}
		return 0
	})
	for i := range out {
		out[i].Rank = i + 1
		if i > 0 && out[i].Balance == out[i-1].Balance && out[i].OutOfBand == out[i-1].OutOfBand {
			out[i].Rank = out[i-1].Rank
		}
	}
	return out
}

// Rank is one team's place in the final ranking.
type Rank struct {
	Rank      int     `json:"rank"`
	Team      string  `json:"team"`
	Balance   float64 `json:"balance"`
	OutOfBand int     `json:"out_of_band"`
}
