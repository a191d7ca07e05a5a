package room

import (
	"slices"
	"strings"
	"time"

	"github.com/huddle-live/huddle/internal/quiz"
	"github.com/huddle-live/huddle/internal/scenario"
)

// Results is everything a room produced, flattened for export: who played,
// how each question went and what each player answered.
type Results struct {
	Room      RoomInfo         `json:"room"`
	Teams     []TeamResult     `json:"teams"`           // ranked
	Players   []PlayerResult   `json:"players"`         // ranked (by points; in team mode by team)
	Questions []QuestionResult `json:"questions"`       // in play order, closed questions only
	Games     []GameResult     `json:"games,omitempty"` // one per game stage played
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

// results flattens the state for export.
func (s *State) results() *Results {
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
	number := 0
	for i, qs := range s.Quizzes {
		if qs == nil {
			continue
		}
		stage := c.Scenario.Stages[i]
		for _, h := range qs.History {
			number++
			q := &stage.Quiz.Questions[h.Index]
			qr := QuestionResult{Stage: stage.ID, ID: q.ID, Number: number, Type: string(q.Type), Text: q.Text,
				Correct: correctText(q), OpenedAt: h.OpenedAt, ClosedBy: h.ClosedBy, Answers: []AnswerResult{}}
			counted := map[string]int{} // unit → the N of its counted answer
			for _, a := range h.Answers {
				u := qs.Unit(a.Player, a.Team)
				if n, ok := counted[u]; !ok || a.N > n {
					counted[u] = a.N
				}
			}
			answers := make([]quiz.Answer, 0, len(h.Answers))
			for _, a := range h.Answers {
				answers = append(answers, a)
			}
			slices.SortFunc(answers, func(a, b quiz.Answer) int { return a.N - b.N })
			for _, a := range answers {
				u := qs.Unit(a.Player, a.Team)
				aw := h.Awards[u]
				isCounted := counted[u] == a.N
				ar := AnswerResult{Player: a.Player, Team: teamName[a.Team], Answer: choiceText(q, a.Choice),
					Seconds: a.At.Sub(h.OpenedAt).Seconds(), Counted: isCounted}
				if p := s.byID[a.Player]; p != nil {
					ar.Name = p.Name
				}
				fraction := quiz.Grade(q, a.Choice)
				ar.Correct, ar.Fraction = q.Type != scenario.Poll && fraction == 1, fraction
				if isCounted {
					ar.Points = aw.Points
				}
				qr.Answers = append(qr.Answers, ar)
			}
			res.Questions = append(res.Questions, qr)
		}
	}
	res.Games = s.gameResults()
	return res
}

// correctText renders a question's correct answer for people.
func correctText(q *scenario.Question) string {
	switch q.Type {
	case scenario.Poll:
		return ""
	case scenario.Numeric:
		if q.Tolerance > 0 {
			return quiz.FormatNumber(q.Answer) + " ± " + quiz.FormatNumber(q.Tolerance)
		}
		return quiz.FormatNumber(q.Answer)
	case scenario.Text:
		return strings.Join(q.Accept, "; ")
	}
	var out []string
	for _, o := range q.Options {
		if o.Correct {
			out = append(out, o.Text)
		}
	}
	return strings.Join(out, "; ")
}

// choiceText renders an answer for people: option texts, the number or the text.
func choiceText(q *scenario.Question, c quiz.Choice) string {
	switch {
	case c.Number != nil:
		return quiz.FormatNumber(*c.Number)
	case c.Text != "":
		return c.Text
	}
	var out []string
	for _, id := range c.Options {
		for _, o := range q.Options {
			if o.ID == id {
				out = append(out, o.Text)
			}
		}
	}
	return strings.Join(out, "; ")
}
