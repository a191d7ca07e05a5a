package room

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/huddle-live/huddle/internal/board"
	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/store"
)

// boardEventPrefix starts the type of every board stage event and command.
const boardEventPrefix = "board."

// BoardState is the live state of one board stage.
type BoardState = board.State

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

// ErrBadText is a card or field text that is empty or too long.
var ErrBadText = errors.New("room: text empty or too long")

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

func (s *State) board() *board.State {
	if s.Stage < 0 || s.Stage >= len(s.Boards) {
		return nil
	}
	return s.Boards[s.Stage]
}

func (s *State) boardDef() *scenario.Board {
	if s.Stage < 0 || s.Stage >= len(s.Config.Scenario.Stages) {
		return nil
	}
	return s.Config.Scenario.Stages[s.Stage].Board
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

func (s *State) teamIDs() []string {
	ids := make([]string, len(s.Teams))
	for i, t := range s.Teams {
		ids[i] = t.ID
	}
	return ids
}

func (s *State) enterBoard(def *scenario.Board, at time.Time) (*BoardState, error) {
	return board.New(def, at), nil
}

func (s *State) applyBoard(ev store.Event) error {
	b, def := s.board(), s.boardDef()
	if b == nil || def == nil || s.Finished {
		return ErrWrongPhase
	}
	var d boardData
	if err := json.Unmarshal(ev.Data, &d); err != nil {
		return err
	}
	roster := s.boardRoster()
	var err error
	switch ev.Type {
	case evBoardCard:
		_, err = b.Write(def, roster, d.Player, d.Prompt, d.Text, ev.At)
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
		err = b.Fill(roster, d.Player, d.Host, d.Theme, *d.Fields, ev.At)
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
		err = b.TimeUp(def, roster, s.teamIDs(), board.Phase(d.Phase), ev.At)
	default:
		return ErrBadRequest
	}
	if errors.Is(err, board.ErrDuplicate) {
		return errDuplicate
	}
	return err
}

// dropBoardVoter takes back the dots of a player removed from the room
// while a vote is open.
func (s *State) dropBoardVoter(player string) {
	if b := s.board(); b != nil {
		b.DropVoter(player)
	}
}

// nextBoard handles the host's "next" in a board stage; done means the stage is
// over and the room moves to the next stage.
func (s *State) nextBoard(at time.Time) (done bool, err error) {
	b, def := s.board(), s.boardDef()
	if b == nil {
		return false, ErrWrongPhase
	}
	return b.Next(def, s.boardRoster(), s.teamIDs(), at)
}

// finishBoard runs when the host ends the room during a board: what was
// written is kept as it stands.
func (s *State) finishBoard(at time.Time) {}

func (s *State) boardPhase() string {
	if b := s.board(); b != nil {
		return string(b.Phase)
	}
	return ""
}

func (s *State) boardTimer() (time.Time, string, any) {
	b := s.board()
	if b == nil || b.Deadline.IsZero() {
		return time.Time{}, "", nil
	}
	return b.Deadline, evBoardTimeUp, boardData{Phase: string(b.Phase)}
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

func (r *Room) execBoard(s *sub, typ string, data json.RawMessage) error {
	switch {
	case s.role == RolePlayer && playerBoardCmds[typ], s.role == RoleHost && hostBoardCmds[typ]:
	case playerBoardCmds[typ] || hostBoardCmds[typ]:
		return ErrForbidden
	default:
		return ErrBadRequest
	}
	if r.st.Finished {
		return ErrFinished
	}
	def := r.st.boardDef()
	if r.st.board() == nil || def == nil {
		return ErrWrongPhase
	}
	var c boardCmd
	if err := json.Unmarshal(data, &c); err != nil {
		return ErrBadRequest
	}
	if len(c.Cards) > maxCmdCards {
		return ErrBadRequest
	}
	d := boardData{Player: s.player, Host: s.role == RoleHost, Prompt: c.Prompt, Card: c.Card, Into: c.Into,
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
	if err := r.commit(typ, d); err != nil {
		return err
	}
	switch typ {
	case evBoardCard, evBoardEdit, evBoardDelete:
		r.dirtyView = true
		r.markTeam(r.st.byID[s.player].Team)
		if !def.Blind || r.st.board().Phase != board.Write {
			r.dirtyState = true
		}
	case evBoardDots:
		r.dirtyView = true // how many have voted
		r.dirtyMe[s.player] = true
	case evBoardPage:
		r.dirtyView = true // the projector turns the page; phones do not show it
	case evBoardFill:
		r.dirtyView, r.dirtyState = true, true
		if p := r.st.byID[s.player]; p != nil {
			r.markTeam(p.Team) // the team's draft
		} else {
			r.dirtyAllMe = true
		}
	default:
		r.dirtyView, r.dirtyState, r.dirtyAllMe = true, true, true
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

// hasBoard reports whether a scenario has a board stage, where votes are
// broken down by sector.
func hasBoard(sc *scenario.Scenario) bool {
	for _, st := range sc.Stages {
		if st.Kind == scenario.KindBoard {
			return true
		}
	}
	return false
}
