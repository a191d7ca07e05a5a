package session

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/huddle-live/huddle/internal/game"
	"github.com/huddle-live/huddle/internal/quiz"
	"github.com/huddle-live/huddle/internal/scenario"
)

// A business game stage: every team decides its way through the same cases
// at its own pace (internal/game is the engine).

// gameEventPrefix starts the type of every game stage event and command.
const gameEventPrefix = "game."

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

var gameKind = &kind{
	owns:    func(typ string) bool { return strings.HasPrefix(typ, gameEventPrefix) },
	exec:    execGame,
	payload: gamePayload,
	apply:   applyGame,
	enter: func(s *State, def *scenario.Stage, at time.Time) (stage, error) {
		if def.Game == nil {
			return nil, ErrBadRequest
		}
		return &gameStage{st: def, def: def.Game, g: game.New(def.Game, s.teamIDs(), at)}, nil
	},
	load: func(l *layout, i int, def *scenario.Stage) stage {
		if g := at(l.Games, i); g != nil && def.Game != nil {
			return &gameStage{st: def, def: def.Game, g: g}
		}
		return nil
	},
}

type gameStage struct {
	st  *scenario.Stage
	def *scenario.Game
	g   *game.State
}

// gameNow is the current stage if it is a game.
func (s *State) gameNow() *gameStage {
	gs, _ := s.current().(*gameStage)
	return gs
}

func gamePayload(typ string) any {
	switch typ {
	case evGamePick:
		return &gamePickData{}
	case evGameConfirm:
		return &gameConfirmData{}
	case evGameTimeout:
		return &gameTimeoutData{}
	case evGamePause:
		return &gamePauseData{}
	case evGameExtend:
		return &gameExtendData{}
	case evGameInject:
		return &gameInjectData{}
	case evGameCaptain:
		return &gameCaptainData{}
	case evGameSettle:
		return &gameSettleData{}
	}
	return nil
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

func applyGame(s *State, typ string, at time.Time, d any) error {
	gs := s.gameNow()
	if gs == nil || s.Finished {
		return ErrWrongPhase
	}
	g, def := gs.g, gs.def
	var err error
	switch d := d.(type) {
	case *gamePickData:
		p := s.byID[d.Player]
		if p == nil || p.Kicked {
			return ErrNotFound
		}
		_, err = g.Pick(def, p.Team, s.members(p.Team), p.ID, d.Node, d.Choice, d.Why, at)
	case *gameConfirmData:
		p := s.byID[d.Player]
		if p == nil || p.Kicked {
			return ErrNotFound
		}
		err = g.Confirm(def, p.Team, s.members(p.Team), p.ID, d.Node, at)
	case *gameTimeoutData:
		err = g.Timeout(def, d.Team, s.members(d.Team), d.Node, at)
	case *gamePauseData:
		err = g.Pause(def, d.Paused, at)
	case *gameExtendData:
		if d.Seconds <= 0 || time.Duration(d.Seconds)*time.Second > maxExtend {
			return ErrBadRequest
		}
		err = g.Extend(time.Duration(d.Seconds) * time.Second)
	case *gameInjectData:
		err = g.Inject(def, d.Event, at)
	case *gameCaptainData:
		err = g.SetCaptain(d.Team, s.members(d.Team), d.Player)
	case *gameSettleData:
		err = g.Settle(def, d.Team, s.members(d.Team), d.Node, at)
	default:
		return fmt.Errorf("%w: unknown event %q", ErrBadRequest, typ)
	}
	return gameErr(err)
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

func execGame(s *State, tx *Tx, a Actor, typ string, data json.RawMessage) error {
	roles, known := gameRoles[typ]
	if !known {
		return ErrBadRequest
	}
	if !slices.Contains(roles, a.Role) {
		return ErrForbidden
	}
	var c gameCommand
	if err := json.Unmarshal(data, &c); err != nil {
		return ErrBadRequest
	}
	if s.Finished {
		return ErrFinished
	}
	gs := s.gameNow()
	if gs == nil {
		return ErrWrongPhase
	}
	switch typ {
	case evGamePick, evGameConfirm:
		if c.Node == "" || (typ == evGamePick && c.Choice == "") {
			return ErrBadRequest
		}
		p := s.byID[a.Player]
		var err error
		if typ == evGamePick {
			why := ""
			if strings.TrimSpace(c.Why) != "" { // blank: no reason given
				if why, err = CleanText(c.Why, maxWhyLen); err != nil {
					return err
				}
			}
			err = tx.record(s, evGamePick, &gamePickData{Player: p.ID, Node: c.Node, Choice: c.Choice, Why: why})
		} else {
			err = tx.record(s, evGameConfirm, &gameConfirmData{Player: p.ID, Node: c.Node})
		}
		if err != nil {
			return err
		}
		tx.Marks.View = true
		tx.Marks.team(s, p.Team)
		return nil
	case evGameCaptain:
		if a.Role == RolePlayer {
			// A captain may hand the captaincy to a teammate.
			p := s.byID[a.Player]
			if c.Team != p.Team || gs.g.Teams[p.Team] == nil || gs.g.Teams[p.Team].CaptainOf(s.members(p.Team)) != p.ID {
				return ErrForbidden
			}
		}
		if err := tx.record(s, evGameCaptain, &gameCaptainData{Team: c.Team, Player: c.Player}); err != nil {
			return err
		}
		tx.Marks.View = true
		tx.Marks.team(s, c.Team)
		return nil
	}
	var err error
	switch typ {
	case evGamePause:
		err = tx.record(s, evGamePause, &gamePauseData{Paused: c.Paused})
	case evGameExtend:
		err = tx.record(s, evGameExtend, &gameExtendData{Seconds: c.Seconds})
	case evGameInject:
		if c.Event == "" {
			return ErrBadRequest
		}
		err = tx.record(s, evGameInject, &gameInjectData{Event: c.Event})
	default:
		return ErrBadRequest
	}
	if err != nil {
		return err
	}
	// The change concerns every team: every audience hears of it at once.
	tx.Marks.everything()
	return nil
}

func (gs *gameStage) phase() string         { return gs.g.Phase(gs.def) }
func (gs *gameStage) step() int             { return gs.g.Case }
func (gs *gameStage) scores() *quiz.State   { return nil }
func (gs *gameStage) drop(*State, string)   {}
func (gs *gameStage) save(l *layout, i int) { put(&l.Games, i, gs.g) }

// next moves every team to the next case (teams still deciding stop where
// they are); after the last case comes the debrief, after the debrief the
// next stage.
func (gs *gameStage) next(s *State, at time.Time) (bool, error) { return gs.g.Next(gs.def, at), nil }

func (gs *gameStage) finish(s *State, at time.Time) { gs.g.Finish(gs.def, at) }

func (gs *gameStage) timer(s *State) (time.Time, func(*State, *Tx) error) {
	at, team, node := gs.g.Deadline()
	if at.IsZero() {
		return at, nil
	}
	return at, func(s *State, tx *Tx) error {
		if err := tx.record(s, evGameTimeout, &gameTimeoutData{Team: team, Node: node}); err != nil {
			return fmt.Errorf("%s: %w", evGameTimeout, err)
		}
		tx.Marks.View = true
		tx.Marks.team(s, team)
		return nil
	}
}

// left decides a team's vote once a member has left it, when every
// remaining member had voted: nobody is left to wait for.
func (gs *gameStage) left(s *State, tx *Tx, team string) error {
	if !gs.g.Complete(team, s.members(team)) {
		return nil
	}
	if err := tx.record(s, evGameSettle, &gameSettleData{Team: team, Node: gs.g.Teams[team].Node}); err != nil {
		return err
	}
	tx.Marks.View = true
	tx.Marks.team(s, team)
	return nil
}

func (gs *gameStage) view(s *State, v *View, role Role) { v.Game = gs.gameView(s, role) }
func (gs *gameStage) phone(s *State, v *PhoneState)     { v.Game = gs.gamePhone() }
func (gs *gameStage) me(s *State, p *Player, m *Me)     { m.Game = gs.gameMe(s, p) }

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

func (gs *gameStage) gameView(s *State, role Role) any {
	g, def := gs.g, gs.def
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
	playing := s.playing()
	for _, tm := range s.Teams {
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
			m := s.members(tm.ID)
			ti.Node, ti.Meters = t.Node, t.Meters
			ti.Proposal = proposal(s, g, t, m)
			if cp := s.byID[t.CaptainOf(m)]; cp != nil {
				ti.Captain = cp.Name
			}
			for _, id := range m {
				ti.Members = append(ti.Members, gameMemberRef{ID: id, Name: s.byID[id].Name})
			}
			if c != nil && t.Node == "" && len(t.Endings) > g.Case {
				ti.Ending = endingTitle(c, t.Endings[g.Case])
			}
		}
		v.Teams = append(v.Teams, ti)
	}
	if v.Phase == game.Debrief || s.Finished {
		v.Debrief = debrief(s, g, def)
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

func proposal(s *State, g *game.State, t *game.Team, m game.Members) *gameProposal {
	if t.Node == "" {
		return nil
	}
	p, tally := g.Proposal(t, m)
	gp := &gameProposal{Choice: p.Choice, Why: p.Why, Tally: tally, Picked: len(t.Picks)}
	if p.Choice != "" {
		for _, id := range m {
			if pk, ok := t.Picks[id]; ok && pk.Seq == p.Seq {
				gp.By = s.byID[id].Name
			}
		}
	}
	return gp
}

func debrief(s *State, g *game.State, def *scenario.Game) *gameDebriefInfo {
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
	for _, rk := range g.Ranking(def, s.playing()) {
		t := g.Teams[rk.Team]
		dt := gameDebriefTeam{ID: rk.Team, Rank: rk.Rank, Balance: rk.Balance, OutOfBand: rk.OutOfBand, Meters: t.Meters, Path: t.Path}
		if tm := s.team(rk.Team); tm != nil {
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

func (gs *gameStage) gamePhone() any {
	g, def := gs.g, gs.def
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

func (gs *gameStage) gameMe(s *State, p *Player) any {
	g, def := gs.g, gs.def
	if p.Kicked {
		return nil
	}
	t := g.Teams[p.Team]
	if t == nil {
		return nil
	}
	m := s.members(p.Team)
	me := &gameMeInfo{Members: len(m), Captain: t.CaptainOf(m) == p.ID}
	if cp := s.byID[t.CaptainOf(m)]; cp != nil {
		me.Captains = cp.Name
	}
	for _, mt := range def.Meters {
		v := t.Meters[mt.ID]
		me.Meters = append(me.Meters, gameMeterInfo{ID: mt.ID, Name: mt.Name, Start: mt.Start, Low: mt.Low, High: mt.High, Value: &v})
	}
	c := g.CurrentCase(def)
	if c == nil {
		for _, rk := range g.Ranking(def, s.playing()) {
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
		me.Proposal = proposal(s, g, t, m)
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

// results adds the game's outcome: every team's ranking, final meters,
// endings and path.
func (gs *gameStage) results(s *State, res *Results, _ *BoardResults) {
	if res == nil {
		return
	}
	{
		st, def, g := gs.st, gs.def, gs.g
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
		res.Games = append(res.Games, gr)
	}
}
