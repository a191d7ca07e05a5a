package room

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/huddle-live/huddle/internal/game"
	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/store"
)

// gameEventPrefix starts the type of every game stage event and command.
const gameEventPrefix = "game."

// GameState is the live state of one game stage.
type GameState = game.State

// Game events and commands: each command is logged as the event of the
// same type.
const (
	evGamePick    = "game.pick"    // a player proposes a choice (in vote mode: votes)
	evGameConfirm = "game.confirm" // the captain (any member in "any" mode) settles the team's choice
	evGameTimeout = "game.timeout" // a team's time at a node ran out
	evGamePause   = "game.pause"   // the host pauses or resumes every team's clock
	evGameExtend  = "game.extend"  // the host gives every deciding team more time
	evGameInject  = "game.inject"  // the host injects an event into every team's game
	evGameCaptain = "game.captain" // the host or the captain hands the captaincy to a member
	evGameSettle  = "game.settle"  // a vote completed by a member leaving the team is decided
)

// maxWhyLen is the longest reason a team may give for a choice.
const maxWhyLen = 140

// maxExtend is the most time one "extend" may add.
const maxExtend = 30 * time.Minute

type gamePickData struct {
	Player string `json:"player"`
	Node   string `json:"node"`
	Choice string `json:"choice"`
	Why    string `json:"why,omitempty"`
}

type gameConfirmData struct {
	Player string `json:"player"`
	Node   string `json:"node"`
}

type gameSettleData struct {
	Team string `json:"team"`
	Node string `json:"node"`
}

type gameTimeoutData struct {
	Team string `json:"team"`
	Node string `json:"node"`
}

type gamePauseData struct {
	Paused bool `json:"paused"`
}

type gameExtendData struct {
	Seconds int `json:"seconds"`
}

type gameInjectData struct {
	Event string `json:"event"`
}

type gameCaptainData struct {
	Team   string `json:"team"`
	Player string `json:"player"`
}

// game is the current game stage's state and definition, or nils.
func (s *State) game() (*GameState, *scenario.Game) {
	if s.Stage < 0 || s.Stage >= len(s.Games) || s.kind() != scenario.KindGame {
		return nil, nil
	}
	return s.Games[s.Stage], s.Config.Scenario.Stages[s.Stage].Game
}

// members are a team's active players in join order, kept by apply;
// callers must not change the slice.
func (s *State) members(team string) game.Members { return s.teamOf[team] }

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

func (s *State) enterGame(def *scenario.Game, at time.Time) (*GameState, error) {
	ids := make([]string, len(s.Teams))
	for i, t := range s.Teams {
		ids[i] = t.ID
	}
	return game.New(def, ids, at), nil
}

// gameErr maps the engine's errors to the room's.
func gameErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, game.ErrNotFound):
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	case errors.Is(err, game.ErrWrongPhase):
		return fmt.Errorf("%w: %w", ErrWrongPhase, err)
	}
	return err
}

func (s *State) applyGame(ev store.Event) error {
	g, def := s.game()
	if g == nil || s.Finished {
		return ErrWrongPhase
	}
	var err error
	switch ev.Type {
	case evGamePick:
		var d gamePickData
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return err
		}
		p := s.byID[d.Player]
		if p == nil || p.Kicked {
			return ErrNotFound
		}
		_, err = g.Pick(def, p.Team, s.members(p.Team), p.ID, d.Node, d.Choice, d.Why, ev.At)
	case evGameConfirm:
		var d gameConfirmData
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return err
		}
		p := s.byID[d.Player]
		if p == nil || p.Kicked {
			return ErrNotFound
		}
		err = g.Confirm(def, p.Team, s.members(p.Team), p.ID, d.Node, ev.At)
	case evGameTimeout:
		var d gameTimeoutData
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return err
		}
		err = g.Timeout(def, d.Team, s.members(d.Team), d.Node, ev.At)
	case evGamePause:
		var d gamePauseData
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return err
		}
		err = g.Pause(def, d.Paused, ev.At)
	case evGameExtend:
		var d gameExtendData
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return err
		}
		if d.Seconds <= 0 || time.Duration(d.Seconds)*time.Second > maxExtend {
			return ErrBadRequest
		}
		err = g.Extend(time.Duration(d.Seconds) * time.Second)
	case evGameInject:
		var d gameInjectData
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return err
		}
		err = g.Inject(def, d.Event, ev.At)
	case evGameCaptain:
		var d gameCaptainData
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return err
		}
		err = g.SetCaptain(d.Team, s.members(d.Team), d.Player)
	case evGameSettle:
		var d gameSettleData
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return err
		}
		err = g.Settle(def, d.Team, s.members(d.Team), d.Node, ev.At)
	default:
		return fmt.Errorf("%w: unknown event %q", ErrBadRequest, ev.Type)
	}
	return gameErr(err)
}

// nextGame handles the host's "next" in a game stage: every team moves to
// the next case (teams still deciding stop where they are), after the last
// case comes the debrief, and after the debrief the next stage.
func (s *State) nextGame(at time.Time) (done bool, err error) {
	g, def := s.game()
	if g == nil {
		return false, ErrWrongPhase
	}
	return g.Next(def, at), nil
}

func (s *State) finishGame(at time.Time) {
	if g, def := s.game(); g != nil {
		g.Finish(def, at)
	}
}

func (s *State) gamePhase() string {
	g, def := s.game()
	if g == nil {
		return ""
	}
	return g.Phase(def)
}

// gameStep changes whenever the game moves to another case, so that views
// are sent at once even though the phase stays the same.
func (s *State) gameStep() int {
	if g, _ := s.game(); g != nil {
		return g.Case
	}
	return -1
}

func (s *State) gameTimer() (time.Time, string, any) {
	g, _ := s.game()
	if g == nil {
		return time.Time{}, "", nil
	}
	at, team, node := g.Deadline()
	if at.IsZero() {
		return at, "", nil
	}
	return at, evGameTimeout, gameTimeoutData{Team: team, Node: node}
}

// gameCommand is the body of every game command; each command reads the
// fields it needs.
type gameCommand struct {
	Node    string `json:"node"`
	Choice  string `json:"choice"`
	Why     string `json:"why"`
	Paused  bool   `json:"paused"`
	Seconds int    `json:"seconds"`
	Event   string `json:"event"`
	Team    string `json:"team"`
	Player  string `json:"player"`
}

// gameRoles says who may send each game command; the captaincy is checked
// against the game's state.
var gameRoles = map[string][]Role{
	evGamePick:    {RolePlayer},
	evGameConfirm: {RolePlayer},
	evGameCaptain: {RoleHost, RolePlayer},
	evGamePause:   {RoleHost},
	evGameExtend:  {RoleHost},
	evGameInject:  {RoleHost},
}

func (r *Room) execGame(s *sub, typ string, data json.RawMessage) error {
	roles, known := gameRoles[typ]
	if !known {
		return ErrBadRequest
	}
	if !slices.Contains(roles, s.role) {
		return ErrForbidden
	}
	var c gameCommand
	if err := json.Unmarshal(data, &c); err != nil {
		return ErrBadRequest
	}
	if r.st.Finished {
		return ErrFinished
	}
	g, _ := r.st.game()
	if g == nil {
		return ErrWrongPhase
	}
	switch typ {
	case evGamePick, evGameConfirm:
		if c.Node == "" || (typ == evGamePick && c.Choice == "") {
			return ErrBadRequest
		}
		p := r.st.byID[s.player]
		var err error
		if typ == evGamePick {
			why := ""
			if strings.TrimSpace(c.Why) != "" { // blank: no reason given
				if why, err = CleanText(c.Why, maxWhyLen); err != nil {
					return err
				}
			}
			err = r.commit(evGamePick, gamePickData{Player: p.ID, Node: c.Node, Choice: c.Choice, Why: why})
		} else {
			err = r.commit(evGameConfirm, gameConfirmData{Player: p.ID, Node: c.Node})
		}
		if err != nil {
			return err
		}
		r.dirtyView = true
		r.markTeam(p.Team)
		return nil
	case evGameCaptain:
		if s.role == RolePlayer {
			// A captain may hand the captaincy to a teammate.
			p := r.st.byID[s.player]
			if c.Team != p.Team || g.Teams[p.Team] == nil || g.Teams[p.Team].CaptainOf(r.st.members(p.Team)) != p.ID {
				return ErrForbidden
			}
		}
		if err := r.commit(evGameCaptain, gameCaptainData{Team: c.Team, Player: c.Player}); err != nil {
			return err
		}
		r.dirtyView = true
		r.markTeam(c.Team)
		return nil
	}
	var err error
	switch typ {
	case evGamePause:
		err = r.commit(evGamePause, gamePauseData{Paused: c.Paused})
	case evGameExtend:
		err = r.commit(evGameExtend, gameExtendData{Seconds: c.Seconds})
	case evGameInject:
		if c.Event == "" {
			return ErrBadRequest
		}
		err = r.commit(evGameInject, gameInjectData{Event: c.Event})
	default:
		return ErrBadRequest
	}
	if err != nil {
		return err
	}
	r.gameChanged()
	return nil
}

// settleVote decides a team's vote once a member has left it, when every
// remaining member had voted: nobody is left to wait for.
func (r *Room) settleVote(team string) error {
	g, _ := r.st.game()
	if g == nil || r.st.Finished || !g.Complete(team, r.st.members(team)) {
		return nil
	}
	if err := r.commit(evGameSettle, gameSettleData{Team: team, Node: g.Teams[team].Node}); err != nil {
		return err
	}
	r.dirtyView = true
	r.markTeam(team)
	return nil
}

// gameChanged sends every audience a fresh view at once: the change
// concerns every team.
func (r *Room) gameChanged() {
	r.dirtyView, r.dirtyState, r.dirtyAllMe, r.urgent = true, true, true, true
}

// Views of a game stage. The screen sees progress only until the debrief;
// the host sees every team's node, proposal, meters and the facilitator's
// notes; a phone sees its team's node and, for its holder only, a role's
// brief.

type gameCaseInfo struct {
	Index int    `json:"index"`
	Count int    `json:"count"`
	ID    string `json:"id"`
	Title string `json:"title"`
	Intro string `json:"intro,omitempty"` // host and screen: the situation every team starts from
}

type gameMeterInfo struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Start int    `json:"start"`
	Low   int    `json:"low"`
	High  int    `json:"high"`
	Value *int   `json:"value,omitempty"`
}

type gameChoiceInfo struct {
	ID        string         `json:"id"`
	Text      string         `json:"text"`
	If        string         `json:"if,omitempty"`
	Once      bool           `json:"once,omitempty"`
	Effects   map[string]int `json:"effects,omitempty"`
	Next      string         `json:"next,omitempty"`
	Available *bool          `json:"available,omitempty"`
}

type gameNodeInfo struct {
	ID       string            `json:"id"`
	Text     string            `json:"text"`
	Image    string            `json:"image,omitempty"`
	Deadline int64             `json:"deadline,omitempty"` // ms since the epoch; 0 when untimed
	Choices  []gameChoiceInfo  `json:"choices"`
	Default  string            `json:"default,omitempty"`
	Notes    string            `json:"notes,omitempty"`  // host only
	Briefs   map[string]string `json:"briefs,omitempty"` // host only
}

type gameProposal struct {
	Choice string         `json:"choice,omitempty"`
	Why    string         `json:"why,omitempty"`
	By     string         `json:"by,omitempty"` // name of whoever proposed it
	Tally  map[string]int `json:"tally"`
	Picked int            `json:"picked"` // members who picked
}

type gameTeamInfo struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Step     int             `json:"step"` // decisions taken in this case
	Done     bool            `json:"done"`
	Deadline int64           `json:"deadline,omitempty"`
	Node     string          `json:"node,omitempty"`     // host only
	Meters   map[string]int  `json:"meters,omitempty"`   // host only
	Proposal *gameProposal   `json:"proposal,omitempty"` // host only
	Captain  string          `json:"captain,omitempty"`  // host only: the captain's name
	Members  []gameMemberRef `json:"members,omitempty"`  // host only
	Ending   string          `json:"ending,omitempty"`   // host only until the debrief
}

type gameMemberRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type gameEventInfo struct {
	ID      string         `json:"id"`
	Title   string         `json:"title"`
	Text    string         `json:"text,omitempty"`
	Effects map[string]int `json:"effects,omitempty"`
	Used    bool           `json:"used"`
}

type gameViewInfo struct {
	Phase    string           `json:"phase"`
	Decision string           `json:"decision"`
	Paused   bool             `json:"paused"`
	Case     *gameCaseInfo    `json:"case"`
	Meters   []gameMeterInfo  `json:"meters"`
	Teams    []gameTeamInfo   `json:"teams"`
	Nodes    []gameNodeInfo   `json:"nodes,omitempty"`  // host only: the current case's nodes
	Events   []gameEventInfo  `json:"events,omitempty"` // host only
	Debrief  *gameDebriefInfo `json:"debrief,omitempty"`
}

type gameDebriefInfo struct {
	Cases   []gameDebriefCase `json:"cases"`
	Events  map[string]string `json:"events"` // injected event id → title
	Teams   []gameDebriefTeam `json:"teams"`  // ranked by balance
	Formula string            `json:"formula"`
}

type gameDebriefCase struct {
	ID      string            `json:"id"`
	Title   string            `json:"title"`
	Nodes   map[string]string `json:"nodes"`   // node id → its situation's first line
	Choices map[string]string `json:"choices"` // "node/choice" → choice text
}

type gameDebriefTeam struct {
	ID        string              `json:"id"`
	Name      string              `json:"name"`
	Rank      int                 `json:"rank"`
	Balance   float64             `json:"balance"`
	OutOfBand int                 `json:"out_of_band"`
	Meters    map[string]int      `json:"meters"`
	Path      []game.Step         `json:"path"`
	Endings   []gameDebriefEnding `json:"endings"`
}

type gameDebriefEnding struct {
	Case  string `json:"case"`
	ID    string `json:"id"`
	Title string `json:"title"`
	Text  string `json:"text,omitempty"`
}

func (r *Room) gameView(role Role, now time.Time) any {
	g, def := r.st.game()
	if g == nil {
		return nil
	}
	host := role == RoleHost
	v := &gameViewInfo{Phase: g.Phase(def), Decision: string(def.Decision), Paused: g.Paused}
	if c := g.CurrentCase(def); c != nil {
		v.Case = &gameCaseInfo{Index: g.Case, Count: len(def.Cases), ID: c.ID, Title: c.Title}
		if n := c.Node(c.Start); n != nil {
			v.Case.Intro = n.Text
		}
		if host {
			for i := range c.Nodes {
				v.Nodes = append(v.Nodes, nodeInfo(&c.Nodes[i], true))
			}
		}
	}
	for _, mt := range def.Meters {
		v.Meters = append(v.Meters, gameMeterInfo{ID: mt.ID, Name: mt.Name, Start: mt.Start, Low: mt.Low, High: mt.High})
	}
	if host {
		for _, ev := range def.Events {
			used := false
			for _, in := range g.Injected {
				used = used || in.Event == ev.ID
			}
			v.Events = append(v.Events, gameEventInfo{ID: ev.ID, Title: ev.Title, Text: ev.Text, Effects: ev.Effects, Used: used})
		}
	}
	c := g.CurrentCase(def)
	playing := r.st.playing()
	for _, tm := range r.st.Teams {
		t := g.Teams[tm.ID]
		if t == nil || !slices.Contains(playing, tm.ID) {
			continue
		}
		ti := gameTeamInfo{ID: tm.ID, Name: tm.Name, Done: t.Node == ""}
		if c != nil {
			for _, st := range t.Path {
				if st.Case == c.ID && st.Event == "" {
					ti.Step++
				}
			}
		}
		if !t.Deadline.IsZero() && !g.Paused {
			ti.Deadline = t.Deadline.UnixMilli()
		}
		if host {
			m := r.st.members(tm.ID)
			ti.Node, ti.Meters = t.Node, t.Meters
			ti.Proposal = r.proposal(g, t, m)
			if cp := r.st.byID[t.CaptainOf(m)]; cp != nil {
				ti.Captain = cp.Name
			}
			for _, id := range m {
				ti.Members = append(ti.Members, gameMemberRef{ID: id, Name: r.st.byID[id].Name})
			}
			if c != nil && t.Node == "" && len(t.Endings) > g.Case {
				ti.Ending = endingTitle(c, t.Endings[g.Case])
			}
		}
		v.Teams = append(v.Teams, ti)
	}
	if v.Phase == game.Debrief || r.st.Finished {
		v.Debrief = r.debrief(g, def)
	}
	return v
}

func endingTitle(c *scenario.Case, id string) string {
	for _, e := range c.Endings {
		if e.ID == id {
			return e.Title
		}
	}
	return id
}

func nodeInfo(n *scenario.Node, host bool) gameNodeInfo {
	ni := gameNodeInfo{ID: n.ID, Text: n.Text, Image: imageURL(n.Image)}
	for _, ch := range n.Choices {
		ci := gameChoiceInfo{ID: ch.ID, Text: ch.Text}
		if host {
			ci.If, ci.Once, ci.Effects, ci.Next = ch.If.String(), ch.Once, ch.Effects, ch.Next
		}
		ni.Choices = append(ni.Choices, ci)
	}
	if host {
		ni.Default, ni.Notes, ni.Briefs = n.Default, n.Notes, n.Briefs
	}
	return ni
}

func (r *Room) proposal(g *GameState, t *game.Team, m game.Members) *gameProposal {
	if t.Node == "" {
		return nil
	}
	p, tally := g.Proposal(t, m)
	gp := &gameProposal{Choice: p.Choice, Why: p.Why, Tally: tally, Picked: len(t.Picks)}
	if p.Choice != "" {
		for _, id := range m {
			if pk, ok := t.Picks[id]; ok && pk.Seq == p.Seq {
				gp.By = r.st.byID[id].Name
			}
		}
	}
	return gp
}

func (r *Room) debrief(g *GameState, def *scenario.Game) *gameDebriefInfo {
	d := &gameDebriefInfo{Formula: "100 − 50 × mean(|value − band middle| ÷ half band)", Events: map[string]string{}}
	for _, ev := range def.Events {
		d.Events[ev.ID] = ev.Title
	}
	for i := range def.Cases {
		c := &def.Cases[i]
		dc := gameDebriefCase{ID: c.ID, Title: c.Title, Nodes: map[string]string{}, Choices: map[string]string{}}
		for _, n := range c.Nodes {
			dc.Nodes[n.ID] = firstLine(n.Text)
			for _, ch := range n.Choices {
				dc.Choices[n.ID+"/"+ch.ID] = ch.Text
			}
		}
		d.Cases = append(d.Cases, dc)
	}
	for _, rk := range g.Ranking(def, r.st.playing()) {
		t := g.Teams[rk.Team]
		dt := gameDebriefTeam{ID: rk.Team, Rank: rk.Rank, Balance: rk.Balance, OutOfBand: rk.OutOfBand, Meters: t.Meters, Path: t.Path}
		if tm := r.st.team(rk.Team); tm != nil {
			dt.Name = tm.Name
		}
		for i, id := range t.Endings {
			if i >= len(def.Cases) {
				break
			}
			for _, e := range def.Cases[i].Endings {
				if e.ID == id {
					dt.Endings = append(dt.Endings, gameDebriefEnding{Case: def.Cases[i].ID, ID: e.ID, Title: e.Title, Text: e.Text})
				}
			}
		}
		d.Teams = append(d.Teams, dt)
	}
	return d
}

// firstLine is the first line of a Markdown text, at most 120 characters,
// for compact listings.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if r := []rune(s); len(r) > 120 {
		s = string(r[:119]) + "…"
	}
	return s
}

type gamePhoneInfo struct {
	Phase    string        `json:"phase"`
	Decision string        `json:"decision"`
	Paused   bool          `json:"paused"`
	Case     *gameCaseInfo `json:"case"`
}

func (r *Room) gamePhone(now time.Time) any {
	g, def := r.st.game()
	if g == nil {
		return nil
	}
	v := &gamePhoneInfo{Phase: g.Phase(def), Decision: string(def.Decision), Paused: g.Paused}
	if c := g.CurrentCase(def); c != nil {
		v.Case = &gameCaseInfo{Index: g.Case, Count: len(def.Cases), ID: c.ID, Title: c.Title}
	}
	return v
}

type gameMeInfo struct {
	Node     *gameNodeInfo       `json:"node"` // nil when the team is done with the case
	Meters   []gameMeterInfo     `json:"meters"`
	Roles    []gameRoleInfo      `json:"roles"` // the roles this player holds in this case
	Captain  bool                `json:"captain"`
	Captains string              `json:"captain_name"`
	Mine     *game.Pick          `json:"mine,omitempty"` // this player's pick at the node
	Proposal *gameProposal       `json:"proposal,omitempty"`
	Members  int                 `json:"members"`
	Last     *gameLastInfo       `json:"last,omitempty"`    // the team's latest step in this case
	Ending   *gameEndingInfo     `json:"ending,omitempty"`  // the case's ending, once reached
	Rank     *game.Rank          `json:"rank,omitempty"`    // in the debrief
	Endings  []gameDebriefEnding `json:"endings,omitempty"` // in the debrief: the team's ending of each case
}

type gameRoleInfo struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Brief string `json:"brief,omitempty"`
}

type gameLastInfo struct {
	Choice  string `json:"choice,omitempty"` // the choice's text
	Event   string `json:"event,omitempty"`  // an injected event's title
	Outcome string `json:"outcome,omitempty"`
	By      string `json:"by"`
}

type gameEndingInfo struct {
	Title string `json:"title"`
	Text  string `json:"text,omitempty"`
}

func (r *Room) gameMe(p *Player) any {
	g, def := r.st.game()
	if g == nil || p.Kicked {
		return nil
	}
	t := g.Teams[p.Team]
	if t == nil {
		return nil
	}
	m := r.st.members(p.Team)
	me := &gameMeInfo{Members: len(m), Captain: t.CaptainOf(m) == p.ID}
	if cp := r.st.byID[t.CaptainOf(m)]; cp != nil {
		me.Captains = cp.Name
	}
	for _, mt := range def.Meters {
		v := t.Meters[mt.ID]
		me.Meters = append(me.Meters, gameMeterInfo{ID: mt.ID, Name: mt.Name, Start: mt.Start, Low: mt.Low, High: mt.High, Value: &v})
	}
	c := g.CurrentCase(def)
	if c == nil {
		for _, rk := range g.Ranking(def, r.st.playing()) {
			if rk.Team == p.Team {
				me.Rank = &rk
			}
		}
		for i, id := range t.Endings {
			if i < len(def.Cases) {
				dc := &def.Cases[i]
				me.Endings = append(me.Endings, gameDebriefEnding{Case: dc.Title, ID: id, Title: endingTitle(dc, id)})
			}
		}
		return me
	}
	holders := game.Roles(def, m, g.Case)
	n := c.Node(t.Node)
	for _, role := range def.Roles {
		if holders[role.ID] != p.ID {
			continue
		}
		ri := gameRoleInfo{ID: role.ID, Name: role.Name}
		if n != nil {
			ri.Brief = n.Briefs[role.ID]
		}
		me.Roles = append(me.Roles, ri)
	}
	if n != nil {
		ni := nodeInfo(n, false)
		ni.Choices = ni.Choices[:0]
		for i := range n.Choices {
			if ch := &n.Choices[i]; t.Available(c, n, ch) {
				ni.Choices = append(ni.Choices, gameChoiceInfo{ID: ch.ID, Text: ch.Text})
			}
		}
		if !t.Deadline.IsZero() && !g.Paused {
			ni.Deadline = t.Deadline.UnixMilli()
		}
		me.Node = &ni
		if pk, ok := t.Picks[p.ID]; ok {
			me.Mine = &pk
		}
		me.Proposal = r.proposal(g, t, m)
	} else if len(t.Endings) > g.Case {
		for _, e := range c.Endings {
			if e.ID == t.Endings[g.Case] {
				me.Ending = &gameEndingInfo{Title: e.Title, Text: e.Text}
			}
		}
	}
	for i := len(t.Path) - 1; i >= 0; i-- {
		st := t.Path[i]
		if st.Case != c.ID {
			break
		}
		if st.By == game.ByHost {
			continue
		}
		li := &gameLastInfo{Outcome: st.Outcome, By: st.By}
		if st.Event != "" {
			if ev := def.Event(st.Event); ev != nil {
				li.Event = ev.Title
			}
		} else if sn := c.Node(st.Node); sn != nil {
			if ch := sn.Choice(st.Choice); ch != nil {
				li.Choice = ch.Text
			}
		}
		me.Last = li
		break
	}
	return me
}

// GameResult is one game stage's outcome for export: every team's ranking,
// final meters, endings and path.
type GameResult struct {
	Stage  string           `json:"stage"`
	Title  string           `json:"title"`
	Meters []GameMeter      `json:"meters"`
	Teams  []GameTeamResult `json:"teams"` // ranked by balance
}

// GameMeter names a meter and its healthy band.
type GameMeter struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Low  int    `json:"low"`
	High int    `json:"high"`
}

// GameTeamResult is one team's game.
type GameTeamResult struct {
	Rank      int                `json:"rank"`
	ID        string             `json:"id"`
	Name      string             `json:"name"`
	Balance   float64            `json:"balance"`
	OutOfBand int                `json:"out_of_band"`
	Meters    map[string]int     `json:"meters"`
	Endings   []GameEndingResult `json:"endings"`
	Path      []GameStepResult   `json:"path"`
}

// GameEndingResult is the ending a team reached in one case.
type GameEndingResult struct {
	Case      string `json:"case"`
	CaseTitle string `json:"case_title"`
	Ending    string `json:"ending"`
	Title     string `json:"title"`
}

// GameStepResult is one step of a team's path: a decision, an injected
// event, or the facilitator moving the team on.
type GameStepResult struct {
	Case      string         `json:"case"`
	CaseTitle string         `json:"case_title"`
	Node      string         `json:"node,omitempty"`
	Choice    string         `json:"choice,omitempty"`
	Text      string         `json:"text"` // the choice's or the event's text
	Why       string         `json:"why,omitempty"`
	By        string         `json:"by"` // team, time, forced, stopped, event
	At        time.Time      `json:"at"`
	Meters    map[string]int `json:"meters"` // after the step
}

func (s *State) gameResults() []GameResult {
	var out []GameResult
	for i, g := range s.Games {
		if g == nil || i >= len(s.Config.Scenario.Stages) {
			continue
		}
		st := s.Config.Scenario.Stages[i]
		def := st.Game
		gr := GameResult{Stage: st.ID, Title: st.Title, Teams: []GameTeamResult{}}
		for _, mt := range def.Meters {
			gr.Meters = append(gr.Meters, GameMeter{ID: mt.ID, Name: mt.Name, Low: mt.Low, High: mt.High})
		}
		cases := map[string]*scenario.Case{}
		for ci := range def.Cases {
			cases[def.Cases[ci].ID] = &def.Cases[ci]
		}
		for _, rk := range g.Ranking(def, s.playing()) {
			t := g.Teams[rk.Team]
			// Copies: the engine changes its meters in place while the
			// result is exported on another goroutine.
			tr := GameTeamResult{Rank: rk.Rank, ID: rk.Team, Balance: rk.Balance, OutOfBand: rk.OutOfBand,
				Meters: maps.Clone(t.Meters), Endings: []GameEndingResult{}, Path: []GameStepResult{}}
			if tm := s.team(rk.Team); tm != nil {
				tr.Name = tm.Name
			}
			for ci, id := range t.Endings {
				if ci >= len(def.Cases) {
					break
				}
				c := &def.Cases[ci]
				tr.Endings = append(tr.Endings, GameEndingResult{Case: c.ID, CaseTitle: c.Title, Ending: id, Title: endingTitle(c, id)})
			}
			for _, step := range t.Path {
				sr := GameStepResult{Case: step.Case, CaseTitle: cases[step.Case].Title, Node: step.Node, Choice: step.Choice, Why: step.Why, By: step.By, At: step.At, Meters: maps.Clone(step.Meters)}
				if step.Event != "" {
					sr.Choice = step.Event
					if ev := def.Event(step.Event); ev != nil {
						sr.Text = ev.Title
					}
				} else if c := cases[step.Case]; c != nil {
					if n := c.Node(step.Node); n != nil {
						if ch := n.Choice(step.Choice); ch != nil {
							sr.Text = ch.Text
						}
					}
				}
				tr.Path = append(tr.Path, sr)
			}
			gr.Teams = append(gr.Teams, tr)
		}
		out = append(out, gr)
	}
	return out
}
