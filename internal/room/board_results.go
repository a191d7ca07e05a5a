package room

import (
	"context"
	"slices"
	"time"

	"github.com/huddle-live/huddle/internal/board"
	"github.com/huddle-live/huddle/internal/scenario"
)

// BoardResults is what the board stages of a room produced, for the
// partnership document: who took part by sector, and each board's ranked
// recommendations, themes and cards. Teams and authors appear only where
// the scenario's attribution shows them.
type BoardResults struct {
	Room    RoomInfo       `json:"room"`
	Sectors SectorTotals   `json:"sectors"`
	Teams   []TeamSectors  `json:"teams"`
	Boards  []BoardOutcome `json:"boards"`
}

// SectorTotals counts active participants by sector.
type SectorTotals struct {
	State int `json:"state"`
	NGO   int `json:"ngo"`
	Other int `json:"other"` // did not say
}

// TeamSectors is one team's members by sector.
type TeamSectors struct {
	Name string `json:"name"`
	SectorTotals
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

// BoardResults returns the room's board stages for export, sharing no map
// or slice with the room's state, as Results.
func (r *Room) BoardResults(ctx context.Context) (*BoardResults, error) {
	return call(ctx, r, func(reply func(*BoardResults, error)) { reply(r.st.boardResults(), nil) })
}

func (s *State) boardResults() *BoardResults {
	c := s.Config
	res := &BoardResults{
		Room: RoomInfo{ID: c.ID, Code: c.Code, Title: c.Scenario.Title, Scenario: c.Scenario.ID, Lang: c.Lang,
			TeamMode: string(s.teamMode()), Created: s.Created, Finished: s.Finished},
		Teams: []TeamSectors{}, Boards: []BoardOutcome{},
	}
	teamName := map[string]string{}
	for _, t := range s.Teams {
		teamName[t.ID] = t.Name
	}
	byTeam := map[string]*TeamSectors{}
	for _, t := range s.Teams {
		byTeam[t.ID] = &TeamSectors{Name: t.Name}
	}
	for _, p := range s.Players {
		if p.Kicked {
			continue
		}
		for _, st := range []*SectorTotals{&res.Sectors, &byTeam[p.Team].SectorTotals} {
			switch p.Sector {
			case board.SectorState:
				st.State++
			case board.SectorNGO:
				st.NGO++
			default:
				st.Other++
			}
		}
	}
	for _, t := range s.Teams {
		if ts := byTeam[t.ID]; ts.State+ts.NGO+ts.Other > 0 {
			res.Teams = append(res.Teams, *ts)
		}
	}
	for i, b := range s.Boards {
		if b == nil {
			continue
		}
		st := c.Scenario.Stages[i]
		res.Boards = append(res.Boards, s.boardOutcome(st, b, teamName))
	}
	return res
}

func (s *State) boardOutcome(st scenario.Stage, b *board.State, teamName map[string]string) BoardOutcome {
	def := st.Board
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
			co.Team = teamName[c.Team]
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
			ro.Drafts = append(ro.Drafts, DraftOut{Team: teamName[d.Team], Action: d.Action, Responsible: d.Responsible,
				Deadline: d.Deadline, Risk: d.Risk, At: d.At})
		}
		if t := b.Theme(rec.Theme); t != nil {
			ro.Title, ro.Cards = t.Name, themeCards(t.Cards)
		}
		for _, id := range rec.Teams {
			ro.Teams = append(ro.Teams, teamName[id])
		}
		out.Recommendations = append(out.Recommendations, ro)
	}
	return out
}
