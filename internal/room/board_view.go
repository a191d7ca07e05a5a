package room

import (
	"cmp"
	"slices"
	"time"

	"github.com/huddle-live/huddle/internal/board"
	"github.com/huddle-live/huddle/internal/scenario"
)

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

func (r *Room) boardView(role Role, now time.Time) any {
	if role == RoleHost {
		return r.buildBoard(forHost)
	}
	return r.buildBoard(forScreen)
}

func (r *Room) boardPhone(now time.Time) any { return r.buildBoard(forPhones) }

func (r *Room) teamName(id string) string {
	if t := r.st.team(id); t != nil {
		return t.Name
	}
	return ""
}

func (r *Room) buildBoard(who audience) *boardView {
	b, def := r.st.board(), r.st.boardDef()
	if b == nil || def == nil {
		return nil
	}
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
		bc := r.cardView(def, b, c, who == forHost)
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
				br.Drafts = append(br.Drafts, boardDraft{Team: d.Team, TeamName: r.teamName(d.Team), At: d.At.UnixMilli(),
					boardFields: boardFields{Action: d.Action, Responsible: d.Responsible, Deadline: d.Deadline, Risk: d.Risk}})
			}
			slices.SortStableFunc(br.Drafts, func(a, b boardDraft) int { return cmp.Compare(b.At, a.At) })
		}
		if t := b.Theme(rec.Theme); t != nil {
			br.Name = t.Name
		}
		for _, id := range rec.Teams {
			br.Teams = append(br.Teams, r.teamName(id))
		}
		v.Recs = append(v.Recs, br)
	}
	if who == forHost && (b.Phase == board.Write || b.Phase == board.Reveal || b.Phase == board.Group) {
		v.Suggestions, v.Undo = b.Suggestions(), len(b.Undo)
	}
	if who != forPhones {
		sc := &sectorCount{}
		for _, p := range r.st.Players {
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
func (r *Room) cardView(def *scenario.Board, b *board.State, c *board.Card, host bool) boardCard {
	bc := boardCard{ID: c.ID, Prompt: c.Prompt, Text: c.Text, Theme: c.Theme}
	if host || def.Attribution != scenario.AttrAnonymous {
		bc.Team = r.teamName(c.Team)
	}
	if def.Attribution == scenario.AttrNamed {
		if p := r.st.byID[c.Author]; p != nil {
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

func (r *Room) boardMe(p *Player) any {
	b, def := r.st.board(), r.st.boardDef()
	if b == nil || def == nil {
		return nil
	}
	m := &boardMeView{Cards: []boardCard{}, Given: map[string]int{}, Recs: []string{}, Sector: p.Sector}
	for _, c := range b.Cards {
		if c.Team != p.Team {
			continue
		}
		bc := boardCard{ID: c.ID, Prompt: c.Prompt, Text: c.Text, Hidden: c.Hidden, Reformulate: c.Reformulate,
			MergedInto: c.MergedInto, Own: c.Author == p.ID}
		if def.Attribution == scenario.AttrNamed {
			if a := r.st.byID[c.Author]; a != nil {
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
