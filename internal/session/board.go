package session

import (
	"cmp"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/huddle-live/huddle/internal/board"
	"github.com/huddle-live/huddle/internal/quiz"
	"github.com/huddle-live/huddle/internal/scenario"
)

// A hackathon board stage: teams write cards, the facilitator groups them
// into themes, everyone votes with dots, and teams turn the top themes into
// recommendations (internal/board is the engine).

// boardEventPrefix starts the type of every board stage event and command.
const boardEventPrefix = "board."

// Board events and commands. A command is logged as the event of the same
// type once the room has checked it.
const (
	evBoardCard        = "board.card"        // player: a new card
	evBoardEdit        = "board.edit"        // player: rewrite one's team's card
	evBoardDelete      = "board.delete"      // player: remove one's team's card while writing
	evBoardDots        = "board.dots"        // player: set one's dots on a card
	evBoardFill        = "board.fill"        // player or host: fields of a recommendation
	evBoardHide        = "board.hide"        // host: hide or restore a card
	evBoardMerge       = "board.merge"       // host: show a card as a duplicate of another
	evBoardUnmerge     = "board.unmerge"     // host
	evBoardReformulate = "board.reformulate" // host: send a card back to its team
	evBoardTheme       = "board.theme"       // host: a new theme
	evBoardRename      = "board.rename"      // host: rename a theme
	evBoardPlace       = "board.place"       // host: put a card into a theme, or out of it
	evBoardGroup       = "board.group"       // host: a card dropped onto another card
	evBoardJoin        = "board.join"        // host: a theme dropped onto another theme
	evBoardSplit       = "board.split"       // host: cards out of a theme into a new one, or the theme taken apart
	evBoardAccept      = "board.accept"      // host: a suggested group of duplicates merged
	evBoardDismiss     = "board.dismiss"     // host: a suggested group is not duplicates
	evBoardUndo        = "board.undo"        // host: take back the latest grouping step
	evBoardPage        = "board.page"        // host: the projector's page
	evBoardFinal       = "board.final"       // host: finalise a recommendation, or open it again
	evBoardAdopt       = "board.adopt"       // host: a team's draft becomes the recommendation's text
	evBoardTimeUp      = "board.timeup"      // the room's timer: a timed phase is over
)

// Length limits of what the facilitator types, in characters, and of the
// cards one command names.
const (
	maxThemeName = board.MaxThemeName
	maxNoteLen   = 200
	maxCmdCards  = 50
)

type boardData struct {
	Player string        `json:"player,omitempty"`
	Host   bool          `json:"host,omitempty"`
	Prompt string        `json:"prompt,omitempty"`
	Card   string        `json:"card,omitempty"`
	Into   string        `json:"into,omitempty"`
	Theme  string        `json:"theme,omitempty"`
	Text   string        `json:"text,omitempty"`
	Name   string        `json:"name,omitempty"`
	Note   string        `json:"note,omitempty"`
	Phase  string        `json:"phase,omitempty"`
	Hidden bool          `json:"hidden,omitempty"`
	Dots   int           `json:"dots,omitempty"`
	Fields *board.Fields `json:"fields,omitempty"`
	Onto   string        `json:"onto,omitempty"`
	Cards  []string      `json:"cards,omitempty"`
	Page   int           `json:"page,omitempty"`
	Final  bool          `json:"final,omitempty"`
	Team   string        `json:"team,omitempty"`
}

var boardKind = &kind{
	owns:    func(typ string) bool { return strings.HasPrefix(typ, boardEventPrefix) },
	exec:    execBoard,
	payload: func(string) any { return &boardData{} },
	apply:   applyBoard,
	enter: func(s *State, def *scenario.Stage, at time.Time) (stage, error) {
		if def.Board == nil {
			return nil, ErrBadRequest
		}
		return &boardStage{st: def, def: def.Board, b: board.New(def.Board, at)}, nil
	},
	load: func(l *layout, i int, def *scenario.Stage) stage {
		if b := at(l.Boards, i); b != nil && def.Board != nil {
			return &boardStage{st: def, def: def.Board, b: b}
		}
		return nil
	},
}

type boardStage struct {
	st  *scenario.Stage
	def *scenario.Board
	b   *board.State
}

// boardRoster is every active player's team and sector.
func (s *State) boardRoster() board.Roster {
	out := make(board.Roster, len(s.active))
	for _, p := range s.Players {
		if !p.Kicked {
			out[p.ID] = board.Member{Team: p.Team, Sector: p.Sector}
		}
	}
	return out
}

// boardNow is the current stage if it is a board.
func (s *State) boardNow() *boardStage {
	bs, _ := s.current().(*boardStage)
	return bs
}

func applyBoard(s *State, typ string, at time.Time, data any) error {
	bs := s.boardNow()
	if bs == nil || s.Finished {
		return ErrWrongPhase
	}
	b, def := bs.b, bs.def
	d, ok := data.(*boardData)
	if !ok {
		return ErrBadRequest
	}
	roster := s.boardRoster()
	var err error
	switch typ {
	case evBoardCard:
		_, err = b.Write(def, roster, d.Player, d.Prompt, d.Text, at)
	case evBoardEdit:
		err = b.Edit(def, roster, d.Player, d.Card, d.Text)
	case evBoardDelete:
		err = b.Delete(roster, d.Player, d.Card)
	case evBoardDots:
		err = b.SetDots(def, roster, d.Player, d.Card, d.Dots)
	case evBoardFill:
		if d.Fields == nil {
			return ErrBadRequest
		}
		err = b.Fill(roster, d.Player, d.Host, d.Theme, *d.Fields, at)
	case evBoardHide:
		err = b.Hide(d.Card, d.Hidden)
	case evBoardMerge:
		err = b.Merge(d.Card, d.Into)
	case evBoardUnmerge:
		err = b.Unmerge(d.Card)
	case evBoardReformulate:
		err = b.AskReformulate(d.Card, d.Note)
	case evBoardTheme:
		_, err = b.NewTheme(d.Name, d.Card)
	case evBoardGroup:
		_, err = b.Group(d.Card, d.Onto)
	case evBoardJoin:
		err = b.JoinThemes(d.Theme, d.Into)
	case evBoardSplit:
		_, err = b.Split(d.Theme, d.Cards, d.Name)
	case evBoardAccept:
		err = b.Accept(d.Cards)
	case evBoardDismiss:
		err = b.Dismiss(d.Cards)
	case evBoardUndo:
		err = b.TakeBack()
	case evBoardPage:
		err = b.SetPage(d.Page)
	case evBoardFinal:
		err = b.Finalise(d.Theme, d.Final)
	case evBoardAdopt:
		err = b.Adopt(d.Theme, d.Team)
	case evBoardRename:
		err = b.RenameTheme(d.Theme, d.Name)
	case evBoardPlace:
		err = b.Place(d.Card, d.Theme)
	case evBoardTimeUp:
		err = b.TimeUp(def, roster, s.teamIDs(), board.Phase(d.Phase), at)
	default:
		return ErrBadRequest
	}
	if errors.Is(err, board.ErrDuplicate) {
		return ErrDuplicate
	}
	return err
}

func (bs *boardStage) phase() string         { return string(bs.b.Phase) }
func (bs *boardStage) step() int             { return -1 }
func (bs *boardStage) scores() *quiz.State   { return nil }
func (bs *boardStage) save(l *layout, i int) { put(&l.Boards, i, bs.b) }

// drop takes back the dots of a player removed from the room while a vote
// is open.
func (bs *boardStage) drop(s *State, player string) { bs.b.DropVoter(player) }

// left: nothing on a board waits for a removed player.
func (bs *boardStage) left(*State, *Tx, string) error { return nil }

// next handles the host's "next" in a board stage; done means the stage is
// over and the room moves to the next stage.
func (bs *boardStage) next(s *State, at time.Time) (bool, error) {
	return bs.b.Next(bs.def, s.boardRoster(), s.teamIDs(), at)
}

// finish runs when the host ends the room during a board: what was written
// is kept as it stands.
func (bs *boardStage) finish(*State, time.Time) {}

func (bs *boardStage) timer(s *State) (time.Time, func(*State, *Tx) error) {
	if bs.b.Deadline.IsZero() {
		return time.Time{}, nil
	}
	phase := string(bs.b.Phase)
	return bs.b.Deadline, func(s *State, tx *Tx) error {
		return tx.record(s, evBoardTimeUp, &boardData{Phase: phase})
	}
}

// boardCmd is what a board command carries.
type boardCmd struct {
	Prompt string   `json:"prompt"`
	Card   string   `json:"card"`
	Into   string   `json:"into"`
	Theme  string   `json:"theme"`
	Text   string   `json:"text"`
	Name   string   `json:"name"`
	Note   string   `json:"note"`
	Hidden bool     `json:"hidden"`
	Dots   *int     `json:"dots"`
	Onto   string   `json:"onto"`
	Cards  []string `json:"cards"`
	Page   *int     `json:"page"`
	Final  bool     `json:"final"`
	Team   string   `json:"team"`
	Action *string  `json:"action"`
	Resp   *string  `json:"responsible"`
	Due    *string  `json:"deadline"`
	Risk   *string  `json:"risk"`
}

// playerBoardCmds and hostBoardCmds say who may send which board command.
var (
	playerBoardCmds = map[string]bool{evBoardCard: true, evBoardEdit: true, evBoardDelete: true, evBoardDots: true, evBoardFill: true}
	hostBoardCmds   = map[string]bool{evBoardHide: true, evBoardMerge: true, evBoardUnmerge: true, evBoardReformulate: true,
		evBoardTheme: true, evBoardRename: true, evBoardPlace: true, evBoardFill: true, evBoardGroup: true, evBoardJoin: true,
		evBoardSplit: true, evBoardAccept: true, evBoardDismiss: true, evBoardUndo: true, evBoardPage: true, evBoardFinal: true,
		evBoardAdopt: true}
)

func execBoard(s *State, tx *Tx, a Actor, typ string, data json.RawMessage) error {
	switch {
	case a.Role == RolePlayer && playerBoardCmds[typ], a.Role == RoleHost && hostBoardCmds[typ]:
	case playerBoardCmds[typ] || hostBoardCmds[typ]:
		return ErrForbidden
	default:
		return ErrBadRequest
	}
	if s.Finished {
		return ErrFinished
	}
	bs := s.boardNow()
	if bs == nil {
		return ErrWrongPhase
	}
	def := bs.def
	var c boardCmd
	if err := json.Unmarshal(data, &c); err != nil {
		return ErrBadRequest
	}
	if len(c.Cards) > maxCmdCards {
		return ErrBadRequest
	}
	d := boardData{Player: a.Player, Host: a.Role == RoleHost, Prompt: c.Prompt, Card: c.Card, Into: c.Into,
		Theme: c.Theme, Hidden: c.Hidden, Onto: c.Onto, Cards: c.Cards, Final: c.Final, Team: c.Team}
	var err error
	switch typ {
	case evBoardCard, evBoardEdit:
		if d.Text, err = CleanText(c.Text, def.CardLimit); err != nil {
			return err
		}
	case evBoardDots:
		if c.Dots == nil {
			return ErrBadRequest
		}
		d.Dots = *c.Dots
	case evBoardFill:
		f := board.Fields{Responsible: c.Resp}
		if f.Action, err = optionalText(c.Action, board.MaxActionLen); err != nil {
			return err
		}
		if f.Deadline, err = optionalText(c.Due, board.MaxDeadlineLen); err != nil {
			return err
		}
		if f.Risk, err = optionalText(c.Risk, board.MaxRiskLen); err != nil {
			return err
		}
		d.Fields = &f
	case evBoardTheme, evBoardRename:
		if d.Name, err = CleanText(c.Name, maxThemeName); err != nil {
			return err
		}
	case evBoardSplit:
		if strings.TrimSpace(c.Name) != "" {
			if d.Name, err = CleanText(c.Name, maxThemeName); err != nil {
				return err
			}
		}
	case evBoardPage:
		if c.Page == nil {
			return ErrBadRequest
		}
		d.Page = *c.Page
	case evBoardReformulate:
		if strings.TrimSpace(c.Note) != "" {
			if d.Note, err = CleanText(c.Note, maxNoteLen); err != nil {
				return err
			}
		}
	}
	if err := tx.record(s, typ, &d); err != nil {
		return err
	}
	m := tx.Marks
	switch typ {
	case evBoardCard, evBoardEdit, evBoardDelete:
		m.View = true
		m.team(s, s.byID[a.Player].Team)
		if !def.Blind || bs.b.Phase != board.Write {
			m.State = true
		}
	case evBoardDots:
		m.View = true // how many have voted
		m.player(a.Player)
	case evBoardPage:
		m.View = true // the projector turns the page; phones do not show it
	case evBoardFill:
		m.View, m.State = true, true
		if p := s.byID[a.Player]; p != nil {
			m.team(s, p.Team) // the team's draft
		} else {
			m.AllMe = true
		}
	default:
		m.View, m.State, m.AllMe = true, true, true
	}
	return nil
}

// optionalText cleans a field that may be cleared: blank text is "".
func optionalText(s *string, limit int) (*string, error) {
	if s == nil {
		return nil, nil
	}
	if strings.TrimSpace(*s) == "" {
		empty := ""
		return &empty, nil
	}
	out, err := CleanText(*s, limit)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// HasBoard reports whether a scenario has a board stage, where votes are
// broken down by sector and documents are made.
func HasBoard(sc *scenario.Scenario) bool {
	for _, st := range sc.Stages {
		if st.Kind == scenario.KindBoard {
			return true
		}
	}
	return false
}

// What each audience sees of a board (docs/protocol.md, "Board stages").
// The projector and every phone get cards only once they are shown to the
// room, and a card's team or author only where the scenario's attribution
// allows; the host sees every card with its team, and authors only where
// cards are named.

type boardPrompt struct {
	ID       string `json:"id"`
	Question string `json:"question"`
	Hint     string `json:"hint,omitempty"`
	Cards    int    `json:"cards"` // live cards written to it
	Shown    bool   `json:"shown"` // revealed on the projector
}

type boardCard struct {
	ID          string       `json:"id"`
	Prompt      string       `json:"prompt"`
	Text        string       `json:"text"`
	Team        string       `json:"team,omitempty"`   // team name, where attribution allows
	Author      string       `json:"author,omitempty"` // author's name, where cards are named
	Theme       string       `json:"theme,omitempty"`
	Merged      []string     `json:"merged,omitempty"` // texts of duplicates merged into it
	Votes       *board.Tally `json:"votes,omitempty"`  // once the vote is closed
	Hidden      bool         `json:"hidden,omitempty"`
	Flagged     bool         `json:"flagged,omitempty"`
	Reformulate string       `json:"reformulate,omitempty"`
	MergedInto  string       `json:"merged_into,omitempty"`
	Earlier     []string     `json:"earlier,omitempty"`
	Own         bool         `json:"own,omitempty"` // in a phone's own list: written by this player
}

type boardTheme struct {
	ID    string       `json:"id"`
	Name  string       `json:"name"`
	Cards []string     `json:"cards"`
	Votes *board.Tally `json:"votes,omitempty"` // once the vote is closed
	Rank  int          `json:"rank,omitempty"`
}

type boardRec struct {
	Theme       string       `json:"theme"`
	Name        string       `json:"name"`
	Rank        int          `json:"rank"`
	Votes       board.Tally  `json:"votes"`
	Teams       []string     `json:"teams"` // names of the teams filling it in
	Action      string       `json:"action"`
	Responsible string       `json:"responsible"`
	Deadline    string       `json:"deadline"`
	Risk        string       `json:"risk"`
	Final       bool         `json:"final,omitempty"`
	ByHost      bool         `json:"by_host,omitempty"` // host only: the facilitator took the text over
	Drafts      []boardDraft `json:"drafts,omitempty"`  // host only: each team's version, latest first
}

// boardDraft is one team's draft of a recommendation, for the host.
type boardDraft struct {
	Team     string `json:"team"` // id, for board.adopt
	TeamName string `json:"team_name"`
	boardFields
	At int64 `json:"at"` // ms since the epoch of the latest save
}

type boardFields struct {
	Action      string `json:"action"`
	Responsible string `json:"responsible"`
	Deadline    string `json:"deadline"`
	Risk        string `json:"risk"`
}

type boardSettings struct {
	Attribution string `json:"attribution"`
	Blind       bool   `json:"blind"`
	CardLimit   int    `json:"card_limit"`
	TeamCards   int    `json:"team_cards"`
	Dots        int    `json:"dots"`
	PerCard     int    `json:"per_card"`
	OwnTeam     bool   `json:"own_team"`
	Top         int    `json:"top"`
}

type boardView struct {
	Phase    string        `json:"phase"`
	Deadline int64         `json:"deadline,omitempty"` // ms since the epoch; 0 when the phase has no timer
	Shown    int           `json:"shown"`
	Settings boardSettings `json:"settings"`
	Prompts  []boardPrompt `json:"prompts"`
	Cards    []boardCard   `json:"cards"`
	Themes   []boardTheme  `json:"themes"`
	Recs     []boardRec    `json:"recommendations"`
	Voters   int           `json:"voters"`    // people who gave at least one dot
	DotsUsed int           `json:"dots_used"` // dots given so far
	Sectors  *sectorCount  `json:"sectors,omitempty"`
	Page     int           `json:"page"` // the projector's page, set from the host's remote

	// Host only, while cards can still be grouped.
	Suggestions []board.Suggestion `json:"suggestions,omitempty"` // groups of likely duplicates
	Undo        int                `json:"undo,omitempty"`        // grouping steps that can be taken back
}

type sectorCount struct {
	State int `json:"state"`
	NGO   int `json:"ngo"`
	Other int `json:"other"`
}

type boardMeView struct {
	Cards    []boardCard            `json:"cards"`     // the team's own cards, sent back ones with the facilitator's note
	DotsLeft int                    `json:"dots_left"` // during the vote
	Given    map[string]int         `json:"given"`     // card → dots this player gave
	Recs     []string               `json:"recommendations"`
	Drafts   map[string]boardFields `json:"drafts,omitempty"` // theme → the team's draft of it
	Sector   string                 `json:"sector,omitempty"`
}

// audience is who a board view is built for.
type audience int

const (
	forHost audience = iota
	forScreen
	forPhones
)

func (bs *boardStage) view(s *State, v *View, role Role) {
	if role == RoleHost {
		v.Board = bs.buildBoard(s, forHost)
	} else {
		v.Board = bs.buildBoard(s, forScreen)
	}
}

func (bs *boardStage) phone(s *State, v *PhoneState) { v.Board = bs.buildBoard(s, forPhones) }

func (bs *boardStage) buildBoard(s *State, who audience) *boardView {
	b, def := bs.b, bs.def
	v := &boardView{
		Phase: string(b.Phase), Shown: b.Shown, Page: b.Page,
		Settings: boardSettings{Attribution: string(def.Attribution), Blind: def.Blind, CardLimit: def.CardLimit,
			TeamCards: def.TeamCards, Dots: def.Dots, PerCard: def.PerCard, OwnTeam: def.OwnTeam, Top: def.Top},
		Cards: []boardCard{}, Themes: []boardTheme{}, Recs: []boardRec{},
	}
	if !b.Deadline.IsZero() {
		v.Deadline = b.Deadline.UnixMilli()
	}
	shown := map[string]bool{}
	for i, p := range def.Prompts {
		bp := boardPrompt{ID: p.ID, Question: p.Question, Hint: p.Hint, Shown: b.Phase != board.Write && i < b.Shown || board.PhaseIndex(b.Phase) > board.PhaseIndex(board.Reveal)}
		for _, c := range b.Cards {
			if c.Prompt == p.ID && c.Live() {
				bp.Cards++
			}
		}
		shown[p.ID] = bp.Shown
		v.Prompts = append(v.Prompts, bp)
	}
	results := !b.VotesOpen()
	var tally map[string]board.Tally
	if results {
		tally = b.CardTally()
	}
	voters := map[string]bool{}
	for _, bl := range b.Votes {
		voters[bl.Voter] = true
		v.DotsUsed += bl.Dots
	}
	v.Voters = len(voters)

	open := !def.Blind && b.Phase == board.Write // everyone sees the cards while writing
	for _, c := range b.Cards {
		switch {
		case who == forHost:
		case !c.Live():
			continue
		case shown[c.Prompt], open && who == forPhones:
		default:
			continue
		}
		bc := cardView(s, def, b, c, who == forHost)
		if results {
			t := tally[c.ID]
			bc.Votes = &t
		}
		v.Cards = append(v.Cards, bc)
	}
	if board.PhaseIndex(b.Phase) >= board.PhaseIndex(board.Group) || who == forHost {
		ranks := map[string]board.Ranked{}
		if results {
			for _, rk := range b.Ranking() {
				ranks[rk.Theme.ID] = rk
			}
		}
		for _, t := range b.Themes {
			bt := boardTheme{ID: t.ID, Name: t.Name, Cards: t.Cards}
			if rk, ok := ranks[t.ID]; ok {
				votes := rk.Votes
				bt.Votes, bt.Rank = &votes, rk.Rank
			}
			v.Themes = append(v.Themes, bt)
		}
	}
	for _, rec := range b.Recs {
		br := boardRec{Theme: rec.Theme, Rank: rec.Rank, Votes: rec.Votes, Teams: []string{}, Action: rec.Action,
			Responsible: rec.Responsible, Deadline: rec.Deadline, Risk: rec.Risk, Final: rec.Final}
		if who == forHost {
			br.ByHost = rec.ByHost
			for i := len(rec.Drafts) - 1; i >= 0; i-- {
				d := rec.Drafts[i]
				br.Drafts = append(br.Drafts, boardDraft{Team: d.Team, TeamName: s.teamName(d.Team), At: d.At.UnixMilli(),
					boardFields: boardFields{Action: d.Action, Responsible: d.Responsible, Deadline: d.Deadline, Risk: d.Risk}})
			}
			slices.SortStableFunc(br.Drafts, func(a, b boardDraft) int { return cmp.Compare(b.At, a.At) })
		}
		if t := b.Theme(rec.Theme); t != nil {
			br.Name = t.Name
		}
		for _, id := range rec.Teams {
			br.Teams = append(br.Teams, s.teamName(id))
		}
		v.Recs = append(v.Recs, br)
	}
	if who == forHost && (b.Phase == board.Write || b.Phase == board.Reveal || b.Phase == board.Group) {
		v.Suggestions, v.Undo = b.Suggestions(), len(b.Undo)
	}
	if who != forPhones {
		sc := &sectorCount{}
		for _, p := range s.Players {
			if p.Kicked {
				continue
			}
			switch p.Sector {
			case board.SectorState:
				sc.State++
			case board.SectorNGO:
				sc.NGO++
			default:
				sc.Other++
			}
		}
		v.Sectors = sc
	}
	return v
}

// cardView is a card as others see it: the team and author only where
// attribution allows (the host always sees the team, to moderate), and the
// moderation marks only for the host.
func cardView(s *State, def *scenario.Board, b *board.State, c *board.Card, host bool) boardCard {
	bc := boardCard{ID: c.ID, Prompt: c.Prompt, Text: c.Text, Theme: c.Theme}
	if host || def.Attribution != scenario.AttrAnonymous {
		bc.Team = s.teamName(c.Team)
	}
	if def.Attribution == scenario.AttrNamed {
		if p := s.byID[c.Author]; p != nil {
			bc.Author = p.Name
		}
	}
	for _, x := range b.Cards {
		if x.MergedInto == c.ID && !x.Hidden {
			bc.Merged = append(bc.Merged, x.Text)
		}
	}
	if host {
		bc.Hidden, bc.Flagged, bc.Reformulate, bc.MergedInto, bc.Earlier = c.Hidden, c.Flagged, c.Reformulate, c.MergedInto, c.Earlier
	}
	return bc
}

func (bs *boardStage) me(s *State, p *Player, me *Me) { me.Board = bs.boardMe(s, p) }

func (bs *boardStage) boardMe(s *State, p *Player) *boardMeView {
	b, def := bs.b, bs.def
	m := &boardMeView{Cards: []boardCard{}, Given: map[string]int{}, Recs: []string{}, Sector: p.Sector}
	for _, c := range b.Cards {
		if c.Team != p.Team {
			continue
		}
		bc := boardCard{ID: c.ID, Prompt: c.Prompt, Text: c.Text, Hidden: c.Hidden, Reformulate: c.Reformulate,
			MergedInto: c.MergedInto, Own: c.Author == p.ID}
		if def.Attribution == scenario.AttrNamed {
			if a := s.byID[c.Author]; a != nil {
				bc.Author = a.Name
			}
		}
		m.Cards = append(m.Cards, bc)
	}
	for _, bl := range b.Votes {
		if bl.Voter == p.ID {
			m.Given[bl.Card] = bl.Dots
		}
	}
	if b.Phase == board.Vote {
		m.DotsLeft = b.Left(def, p.ID)
	}
	for _, rec := range b.Recs {
		for _, t := range rec.Teams {
			if t == p.Team {
				m.Recs = append(m.Recs, rec.Theme)
			}
		}
		if d := rec.Draft(p.Team); d != nil {
			if m.Drafts == nil {
				m.Drafts = map[string]boardFields{}
			}
			m.Drafts[rec.Theme] = boardFields{Action: d.Action, Responsible: d.Responsible, Deadline: d.Deadline, Risk: d.Risk}
		}
	}
	return m
}

// BoardOutcome is one board stage.
type BoardOutcome struct {
	Stage           string              `json:"stage"`
	Title           string              `json:"title"`
	Phase           string              `json:"phase"`
	Final           bool                `json:"final"` // the facilitator finalised the recommendations
	Attribution     string              `json:"attribution"`
	Dots            int                 `json:"dots"`
	PerCard         int                 `json:"per_card"`
	Top             int                 `json:"top"`
	Voters          int                 `json:"voters"`
	Prompts         []scenario.Prompt   `json:"prompts"`
	Recommendations []RecommendationOut `json:"recommendations"`
	Themes          []ThemeOut          `json:"themes"` // ranked once the vote closed, else in the order made
	Cards           []CardOut           `json:"cards"`  // every card, hidden ones too, in the order written
}

// RecommendationOut is a recommendation with the cards behind it.
type RecommendationOut struct {
	Rank        int         `json:"rank"`
	Theme       string      `json:"theme"`
	Title       string      `json:"title"`
	Votes       board.Tally `json:"votes"`
	Action      string      `json:"action"`
	Responsible string      `json:"responsible"`
	Deadline    string      `json:"deadline"`
	Risk        string      `json:"risk"`
	Teams       []string    `json:"teams"` // who filled it in
	Final       bool        `json:"final"`
	Drafts      []DraftOut  `json:"drafts,omitempty"` // each team's own version
	Cards       []CardOut   `json:"cards"`
}

// DraftOut is one team's draft of a recommendation.
type DraftOut struct {
	Team        string    `json:"team"`
	Action      string    `json:"action"`
	Responsible string    `json:"responsible"`
	Deadline    string    `json:"deadline"`
	Risk        string    `json:"risk"`
	At          time.Time `json:"at"`
}

// ThemeOut is a theme with its cards.
type ThemeOut struct {
	ID    string      `json:"id"`
	Name  string      `json:"name"`
	Rank  int         `json:"rank"`
	Votes board.Tally `json:"votes"`
	Cards []CardOut   `json:"cards"`
}

// CardOut is one card.
type CardOut struct {
	ID         string      `json:"id"`
	Prompt     string      `json:"prompt"`
	Text       string      `json:"text"`
	Team       string      `json:"team,omitempty"`
	Author     string      `json:"author,omitempty"`
	Votes      board.Tally `json:"votes"`
	Theme      string      `json:"theme,omitempty"`
	Merged     []string    `json:"merged,omitempty"`      // texts of duplicates merged into it
	MergedInto string      `json:"merged_into,omitempty"` // the card it duplicates
	Earlier    []string    `json:"earlier,omitempty"`     // texts before each rewording
	Hidden     bool        `json:"hidden,omitempty"`
	Flagged    bool        `json:"flagged,omitempty"`
	Returned   bool        `json:"returned,omitempty"` // still with its team for rewording
}

// results adds the board's outcome to the board results: its ranked
// recommendations, themes and cards, with teams and authors only where the
// scenario's attribution shows them.
func (bs *boardStage) results(s *State, _ *Results, res *BoardResults) {
	if res == nil {
		return
	}
	st, def, b := bs.st, bs.def, bs.b
	out := BoardOutcome{
		Stage: st.ID, Title: st.Title, Phase: string(b.Phase), Final: b.Phase == board.Final,
		Attribution: string(def.Attribution), Dots: def.Dots, PerCard: def.PerCard, Top: def.Top,
		Prompts: slices.Clone(def.Prompts), Recommendations: []RecommendationOut{}, Themes: []ThemeOut{}, Cards: []CardOut{},
	}
	voters := map[string]bool{}
	for _, v := range b.Votes {
		voters[v.Voter] = true
	}
	out.Voters = len(voters)
	tally := b.CardTally()
	open := b.VotesOpen() // votes stay secret until the vote closes, in exports too
	if open {
		tally = map[string]board.Tally{}
	}
	cards := map[string]CardOut{}
	for _, c := range b.Cards {
		co := CardOut{ID: c.ID, Prompt: c.Prompt, Text: c.Text, Votes: tally[c.ID], Theme: c.Theme, MergedInto: c.MergedInto,
			Earlier: slices.Clone(c.Earlier), Hidden: c.Hidden, Flagged: c.Flagged, Returned: c.Reformulate != ""}
		if def.Attribution != scenario.AttrAnonymous {
			co.Team = s.teamName(c.Team)
		}
		if p := s.byID[c.Author]; p != nil && def.Attribution == scenario.AttrNamed {
			co.Author = p.Name
		}
		for _, x := range b.Cards {
			if x.MergedInto == c.ID && !x.Hidden {
				co.Merged = append(co.Merged, x.Text)
			}
		}
		cards[c.ID] = co
		out.Cards = append(out.Cards, co)
	}
	themeCards := func(ids []string) []CardOut {
		list := []CardOut{}
		for _, id := range ids {
			list = append(list, cards[id])
		}
		return list
	}
	if open {
		for _, t := range b.Themes {
			out.Themes = append(out.Themes, ThemeOut{ID: t.ID, Name: t.Name, Cards: themeCards(t.Cards)})
		}
	} else {
		for _, rk := range b.Ranking() {
			out.Themes = append(out.Themes, ThemeOut{ID: rk.Theme.ID, Name: rk.Theme.Name, Rank: rk.Rank, Votes: rk.Votes,
				Cards: themeCards(rk.Theme.Cards)})
		}
	}
	for _, rec := range b.Recs {
		ro := RecommendationOut{Rank: rec.Rank, Theme: rec.Theme, Votes: rec.Votes, Action: rec.Action,
			Responsible: rec.Responsible, Deadline: rec.Deadline, Risk: rec.Risk, Teams: []string{}, Cards: []CardOut{},
			Final: rec.Final}
		for _, d := range rec.Drafts {
			ro.Drafts = append(ro.Drafts, DraftOut{Team: s.teamName(d.Team), Action: d.Action, Responsible: d.Responsible,
				Deadline: d.Deadline, Risk: d.Risk, At: d.At})
		}
		if t := b.Theme(rec.Theme); t != nil {
			ro.Title, ro.Cards = t.Name, themeCards(t.Cards)
		}
		for _, id := range rec.Teams {
			ro.Teams = append(ro.Teams, s.teamName(id))
		}
		out.Recommendations = append(out.Recommendations, ro)
	}
	res.Boards = append(res.Boards, out)
}
