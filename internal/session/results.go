package session

import (
	"time"

	"github.com/huddle-live/huddle/internal/board"
)

// Results is everything a room produced, flattened for export: who played,
// how each question went and what each player answered. Like BoardResults,
// it shares no map or slice with the state it was made from: the builders
// make fresh lists and copy maps (TestResultsShareNothing), so an export may
// read it while the room goes on.
type Results struct {
	Room      RoomInfo         `json:"room"`
	Teams     []TeamResult     `json:"teams"`           // ranked
	Players   []PlayerResult   `json:"players"`         // ranked (by points; in team mode by team)
	Questions []QuestionResult `json:"questions"`       // in play order, closed questions only
	Games     []GameResult     `json:"games,omitempty"` // one per game stage played
	// Boards: in a day of several stage kinds, each board stage's outcome,
	// as BoardResults has it, so that one export covers every stage.
	Boards []BoardOutcome `json:"boards,omitempty"`
}

// RoomInfo describes the room in an export.
type RoomInfo struct {
	ID       string    `json:"id"`
	Code     string    `json:"code"`
	Title    string    `json:"title"`
	Scenario string    `json:"scenario"`
	Lang     string    `json:"lang"`
	TeamMode string    `json:"team_mode"`
	Created  time.Time `json:"created"`
	Finished bool      `json:"finished"`
}

// TeamResult is one team's standing.
type TeamResult struct {
	Rank    int    `json:"rank"`
	ID      string `json:"id"`
	Name    string `json:"name"`
	Players int    `json:"players"`
	Points  int    `json:"points"` // average of members in average mode, the team's own in team mode
	Correct int    `json:"correct"`
}

// PlayerResult is one player's standing.
type PlayerResult struct {
	Rank    int       `json:"rank"`
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Team    string    `json:"team"`
	Points  int       `json:"points"`
	Correct int       `json:"correct"`
	Joined  time.Time `json:"joined"`
	Kicked  bool      `json:"kicked,omitempty"`
}

// QuestionResult is one closed question and every answer given to it.
type QuestionResult struct {
	Stage    string         `json:"stage"`
	ID       string         `json:"id"`
	Number   int            `json:"number"` // 1-based across the whole room
	Type     string         `json:"type"`
	Text     string         `json:"text"`
	Correct  string         `json:"correct"` // the correct answer as text; empty for polls
	OpenedAt time.Time      `json:"opened_at"`
	ClosedBy string         `json:"closed_by"`
	Answers  []AnswerResult `json:"answers"` // in order of arrival
}

// AnswerResult is one player's answer to one question.
type AnswerResult struct {
	Player   string  `json:"player"`
	Name     string  `json:"name"`
	Team     string  `json:"team"`
	Answer   string  `json:"answer"` // as text: option texts joined by "; ", the number or the text
	Seconds  float64 `json:"seconds"`
	Correct  bool    `json:"correct"`
	Fraction float64 `json:"fraction"`
	Points   int     `json:"points"` // what the answer's unit won; in team mode only the counted answer scores
	Counted  bool    `json:"counted"`
}

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

// Results flattens the state for export.
func (s *State) Results() *Results {
	c := s.Config
	res := &Results{
		Room: RoomInfo{ID: c.ID, Code: c.Code, Title: c.Scenario.Title, Scenario: c.Scenario.ID, Lang: c.Lang,
			TeamMode: string(s.teamMode()), Created: s.Created, Finished: s.Finished},
		Teams: []TeamResult{}, Players: []PlayerResult{}, Questions: []QuestionResult{},
	}
	teamName := map[string]string{}
	size := map[string]int{}
	for _, t := range s.Teams {
		teamName[t.ID] = t.Name
	}
	for _, p := range s.Players {
		if !p.Kicked {
			size[p.Team]++
		}
	}
	players := s.playerStandings()
	for _, t := range s.teamStandings() {
		res.Teams = append(res.Teams, TeamResult{Rank: t.rank, ID: t.id, Name: t.name, Players: size[t.id], Points: t.points, Correct: t.correct})
	}
	for _, p := range players {
		pl := s.byID[p.id]
		res.Players = append(res.Players, PlayerResult{Rank: p.rank, ID: p.id, Name: p.name, Team: teamName[p.team],
			Points: p.points, Correct: p.correct, Joined: pl.Joined})
	}
	if len(players) == 0 { // team mode: players in join order, ranked by team
		teamRank := map[string]int{}
		for _, t := range res.Teams {
			teamRank[t.ID] = t.Rank
		}
		for _, p := range s.Players {
			if !p.Kicked {
				res.Players = append(res.Players, PlayerResult{Rank: teamRank[p.Team], ID: p.ID, Name: p.Name,
					Team: teamName[p.Team], Joined: p.Joined})
			}
		}
	}
	for _, p := range s.Players {
		if p.Kicked {
			res.Players = append(res.Players, PlayerResult{ID: p.ID, Name: p.Name, Team: teamName[p.Team], Joined: p.Joined, Kicked: true})
		}
	}
	var boards *BoardResults
	if s.Config.Interludes {
		boards = &BoardResults{}
	}
	for _, st := range s.stages {
		st.results(s, res, boards)
	}
	if boards != nil {
		res.Boards = boards.Boards
	}
	return res
}

// BoardResults is what the board stages produced, for the partnership
// document.
func (s *State) BoardResults() *BoardResults {
	c := s.Config
	res := &BoardResults{
		Room: RoomInfo{ID: c.ID, Code: c.Code, Title: c.Scenario.Title, Scenario: c.Scenario.ID, Lang: c.Lang,
			TeamMode: string(s.teamMode()), Created: s.Created, Finished: s.Finished},
		Teams: []TeamSectors{}, Boards: []BoardOutcome{},
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
	for _, st := range s.stages {
		st.results(s, nil, res)
	}
	return res
}
