package session

import "github.com/huddle-live/huddle/internal/scenario"

// A day is a scenario whose stages are of more than one kind, like the
// course: a quiz, a business game and a board with one group. Its views
// carry where the day stands, and between stages and at the end its
// summary: the quiz standings, each game's balance ranking and each
// board's recommendations with the teams that wrote them.

// dayInfo is the day's part of a view; nil for a scenario of one kind (and
// for rooms created before days had one).
type dayInfo struct {
	Stages  []dayStage  `json:"stages"`
	Summary *daySummary `json:"summary,omitempty"` // between stages and at the end
}

// dayStage is one stage of the day: "done", "current" or "next".
type dayStage struct {
	Index  int    `json:"index"`
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Title  string `json:"title,omitempty"`
	Status string `json:"status"`
}

type daySummary struct {
	Quiz   []dayTeam  `json:"quiz"`   // the teams by their quiz points, ranked
	Games  []dayGame  `json:"games"`  // one per game stage played
	Boards []dayBoard `json:"boards"` // one per board stage played
}

type dayTeam struct {
	Rank   int    `json:"rank"`
	Name   string `json:"name"`
	Points int    `json:"points"`
}

type dayGame struct {
	Title string        `json:"title"`
	Teams []dayGameTeam `json:"teams"` // ranked by balance
}

type dayGameTeam struct {
	Rank      int     `json:"rank"`
	Name      string  `json:"name"`
	Balance   float64 `json:"balance"`
	OutOfBand int     `json:"out_of_band"`
}

type dayBoard struct {
	Title           string   `json:"title"`
	Recommendations []dayRec `json:"recommendations"` // ranked
}

type dayRec struct {
	Rank  int      `json:"rank"`
	Title string   `json:"title"`
	Teams []string `json:"teams"` // the teams that wrote it
}

// IsDay reports whether a scenario's stages are of more than one kind.
func IsDay(sc *scenario.Scenario) bool {
	for _, st := range sc.Stages {
		if st.Kind != sc.Stages[0].Kind {
			return true
		}
	}
	return false
}

// dayOf is the day's part of a view.
func dayOf(s *State) *dayInfo {
	sc := s.Config.Scenario
	if !s.Config.Interludes {
		return nil
	}
	d := &dayInfo{Stages: make([]dayStage, len(sc.Stages))}
	for i, st := range sc.Stages {
		status := "next"
		switch {
		case s.Finished || i < s.Stage || (i == s.Stage && s.Between):
			status = "done"
		case i == s.Stage:
			status = "current"
		}
		if i >= len(s.stages) && status == "done" {
			status = "skipped" // the host ended the day before it
		}
		d.Stages[i] = dayStage{Index: i, ID: st.ID, Kind: string(st.Kind), Title: st.Title, Status: status}
	}
	if s.Between || s.Finished {
		d.Summary = summaryOf(s)
	}
	return d
}

// summaryOf is what the day produced so far.
func summaryOf(s *State) *daySummary {
	sum := &daySummary{Quiz: []dayTeam{}, Games: []dayGame{}, Boards: []dayBoard{}}
	quizzes := false
	for _, st := range s.stages {
		if st.scores() != nil {
			quizzes = true
		}
	}
	if quizzes {
		for _, t := range s.teamStandings() {
			if t.size > 0 {
				sum.Quiz = append(sum.Quiz, dayTeam{Rank: t.rank, Name: t.name, Points: t.points})
			}
		}
	}
	res, br := &Results{}, &BoardResults{}
	for _, st := range s.stages {
		if st.scores() == nil { // a quiz's results list every answer: not wanted here
			st.results(s, res, br)
		}
	}
	for _, g := range res.Games {
		dg := dayGame{Title: g.Title, Teams: []dayGameTeam{}}
		for _, t := range g.Teams {
			dg.Teams = append(dg.Teams, dayGameTeam{Rank: t.Rank, Name: t.Name, Balance: t.Balance, OutOfBand: t.OutOfBand})
		}
		sum.Games = append(sum.Games, dg)
	}
	for _, b := range br.Boards {
		db := dayBoard{Title: b.Title, Recommendations: []dayRec{}}
		for _, r := range b.Recommendations {
			db.Recommendations = append(db.Recommendations, dayRec{Rank: r.Rank, Title: r.Title, Teams: r.Teams})
		}
		sum.Boards = append(sum.Boards, db)
	}
	return sum
}
