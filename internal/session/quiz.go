package session

import (
	"cmp"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/huddle-live/huddle/internal/quiz"
	"github.com/huddle-live/huddle/internal/scenario"
)

// A quiz stage: questions opened one by one, answers, reveals and a
// leaderboard (internal/quiz is the engine).

// Quiz events and commands.
const (
	evAnswered = "answered"    // a player's answer; the command is "answer"
	evClosed   = "closed"      // the question closed: on time, when everyone answered, or by the host ("close")
	evPause    = "quiz.pause"  // the host holds the open question or lets it run on; command and event
	evExtend   = "quiz.extend" // the host gives the open question more time; command and event
	evSkip     = "quiz.skip"   // the host drops the open question: nobody scores; command and event
	evHide     = "quiz.hide"   // the host takes an open-text answer off the projector, or puts it back; command and event
)

type quizHideData struct {
	Question string `json:"question"`
	Text     string `json:"text"`
	Hidden   bool   `json:"hidden"`
}

type quizPauseData struct {
	Paused bool `json:"paused"`
}

type quizExtendData struct {
	Seconds int `json:"seconds"`
}

type answeredData struct {
	Player   string      `json:"player"`
	Question string      `json:"question"`
	Choice   quiz.Choice `json:"choice"`
}

type closedData struct {
	By string `json:"by"`
}

type answerCmd struct {
	Question string   `json:"question"`
	Options  []string `json:"options"`
	Number   *float64 `json:"number"`
	Text     string   `json:"text"`
}

var quizKind = &kind{
	owns: func(typ string) bool {
		switch typ {
		case "answer", "close", evAnswered, evClosed, evPause, evExtend, evSkip, evHide:
			return true
		}
		return false
	},
	exec: execQuiz,
	payload: func(typ string) any {
		switch typ {
		case evAnswered:
			return &answeredData{}
		case evClosed:
			return &closedData{}
		case evPause:
			return &quizPauseData{}
		case evExtend:
			return &quizExtendData{}
		case evSkip:
			return &noData{}
		case evHide:
			return &quizHideData{}
		}
		return nil
	},
	apply: applyQuiz,
	enter: enterQuiz,
	load: func(l *layout, i int, def *scenario.Stage) stage {
		if q := at(l.Quizzes, i); q != nil && def.Quiz != nil {
			return &quizStage{st: def, def: def.Quiz, q: q}
		}
		return nil
	},
}

type quizStage struct {
	st  *scenario.Stage
	def *scenario.Quiz
	q   *quiz.State
}

// quizNow is the current stage if it is a quiz.
func (s *State) quizNow() *quizStage {
	qs, _ := s.current().(*quizStage)
	return qs
}

func enterQuiz(s *State, def *scenario.Stage, at time.Time) (stage, error) {
	if def.Quiz == nil {
		return nil, ErrBadRequest
	}
	mode := s.Config.TeamMode
	if mode == "" {
		mode = def.Quiz.TeamMode
	}
	qs := quiz.New(mode)
	// A streak runs through the whole room, not one stage, where it can.
	if prev := s.lastQuiz(); prev != nil && prev.Mode == qs.Mode {
		for unit, sc := range prev.Scores {
			qs.Scores[unit] = &quiz.Score{Streak: sc.Streak}
		}
	}
	if err := qs.Start(def.Quiz, at); err != nil {
		return nil, err
	}
	return &quizStage{st: def, def: def.Quiz, q: qs}, nil
}

// lastQuiz is the quiz of the latest scoring stage started, or nil.
func (s *State) lastQuiz() *quiz.State {
	for i := len(s.stages) - 1; i >= 0; i-- {
		if qs := s.stages[i].scores(); qs != nil {
			return qs
		}
	}
	return nil
}

func execQuiz(s *State, tx *Tx, a Actor, typ string, data json.RawMessage) error {
	switch typ {
	case "close":
		if a.Role != RoleHost {
			return ErrForbidden
		}
		return tx.record(s, evClosed, &closedData{By: quiz.ClosedByHost})
	case evHide:
		if a.Role != RoleHost {
			return ErrForbidden
		}
		var d quizHideData
		if json.Unmarshal(data, &d) != nil || d.Question == "" {
			return ErrBadRequest
		}
		var err error
		if d.Text, err = CleanText(d.Text, quiz.MaxTextLen); err != nil {
			return err
		}
		if err := tx.record(s, evHide, &d); err != nil {
			return err
		}
		tx.Marks.View, tx.Marks.State, tx.Marks.Urgent = true, true, true
		return nil
	case evPause, evExtend, evSkip:
		if a.Role != RoleHost {
			return ErrForbidden
		}
		var err error
		switch typ {
		case evPause:
			var d quizPauseData
			if json.Unmarshal(data, &d) != nil {
				return ErrBadRequest
			}
			err = tx.record(s, evPause, &d)
		case evExtend:
			var d quizExtendData
			if json.Unmarshal(data, &d) != nil || d.Seconds <= 0 || time.Duration(d.Seconds)*time.Second > maxExtend {
				return ErrBadRequest
			}
			err = tx.record(s, evExtend, &d)
		default:
			err = tx.record(s, evSkip, &noData{})
		}
		if err != nil {
			return err
		}
		// Every screen counts down to the deadline: all hear of it at once.
		tx.Marks.everything()
		return nil
	}
	if typ != "answer" {
		return ErrBadRequest
	}
	if a.Role != RolePlayer {
		return ErrForbidden
	}
	var c answerCmd
	if err := json.Unmarshal(data, &c); err != nil || c.Question == "" {
		return ErrBadRequest
	}
	if c.Text != "" {
		// Cleaned like a name before anyone sees it or it is grouped on
		// the projector; a text that cleans to nothing is refused.
		var err error
		if c.Text, err = CleanText(c.Text, quiz.MaxTextLen); err != nil {
			return err
		}
	}
	if s.Finished {
		return ErrFinished
	}
	p := s.byID[a.Player]
	if err := tx.record(s, evAnswered, &answeredData{Player: a.Player, Question: c.Question,
		Choice: quiz.Choice{Options: c.Options, Number: c.Number, Text: c.Text}}); err != nil {
		return err
	}
	tx.Marks.View = true
	// An answer changes only the question's part of an own view: the
	// player's, and in team mode every teammate's team_answer.
	if s.teamMode() == scenario.TeamShared {
		for _, id := range s.members(p.Team) {
			tx.Marks.answered(id)
		}
	} else {
		tx.Marks.answered(a.Player)
	}
	if s.quizNow().q.AllAnswered(s.roster()) {
		return tx.record(s, evClosed, &closedData{By: quiz.ClosedByAll})
	}
	return nil
}

func applyQuiz(s *State, typ string, at time.Time, d any) error {
	qs := s.quizNow()
	switch d := d.(type) {
	case *answeredData:
		if qs == nil || s.Finished {
			return ErrWrongPhase
		}
		dup, err := qs.q.Submit(qs.def, s.roster(), d.Player, d.Question, d.Choice, at)
		if err != nil {
			return err
		}
		if dup {
			return ErrDuplicate
		}
		return nil
	case *closedData:
		if qs == nil {
			return ErrWrongPhase
		}
		return qs.q.Close(qs.def, s.roster(), at, d.By)
	case *quizHideData:
		if qs == nil {
			return ErrWrongPhase
		}
		return qs.q.Hide(qs.def, d.Question, d.Text, d.Hidden)
	case *quizPauseData:
		if qs == nil || s.Finished {
			return ErrWrongPhase
		}
		return qs.q.Pause(d.Paused, at)
	case *quizExtendData:
		if qs == nil || s.Finished || d.Seconds <= 0 || time.Duration(d.Seconds)*time.Second > maxExtend {
			return ErrWrongPhase
		}
		return qs.q.Extend(time.Duration(d.Seconds) * time.Second)
	case *noData:
		if qs == nil || s.Finished || typ != evSkip {
			return ErrWrongPhase
		}
		return qs.q.Skip(qs.def, at)
	}
	return ErrBadRequest
}

func (qs *quizStage) phase() string         { return string(qs.q.Phase) }
func (qs *quizStage) step() int             { return -1 }
func (qs *quizStage) scores() *quiz.State   { return qs.q }
func (qs *quizStage) drop(*State, string)   {}
func (qs *quizStage) save(l *layout, i int) { l.Quizzes[i] = qs.q }

// next goes reveal → leaderboard → the next question; after the last
// question's leaderboard the stage is done.
func (qs *quizStage) next(s *State, at time.Time) (bool, error) {
	switch qs.q.Phase {
	case quiz.Reveal:
		return false, qs.q.Advance(qs.def)
	case quiz.Leaderboard:
		if qs.q.HasNext(qs.def) {
			return false, qs.q.Start(qs.def, at)
		}
		if err := qs.q.Advance(qs.def); err != nil {
			return false, err
		}
		return true, nil
	}
	return false, ErrWrongPhase
}

func (qs *quizStage) finish(s *State, at time.Time) { qs.q.Finish(qs.def, s.roster(), at) }

func (qs *quizStage) timer(s *State) (time.Time, func(*State, *Tx) error) {
	if qs.q.Phase != quiz.Open || qs.q.Paused {
		return time.Time{}, nil
	}
	return qs.q.Deadline, func(s *State, tx *Tx) error {
		return tx.record(s, evClosed, &closedData{By: quiz.ClosedByTime})
	}
}

// left closes the question once the player removed was the last one it
// waited for.
func (qs *quizStage) left(s *State, tx *Tx, team string) error {
	if qs.q.AllAnswered(s.roster()) {
		return tx.record(s, evClosed, &closedData{By: quiz.ClosedByAll})
	}
	return nil
}

// question returns the current question, or nil.
func (qs *quizStage) question() *scenario.Question {
	if qs.q.Index < 0 {
		return nil
	}
	return &qs.def.Questions[qs.q.Index]
}

// Views of a quiz stage: the question without its answer, the reveal once
// it closed, and for the host the answer and who has answered.

type optionInfo struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

type questionInfo struct {
	Index       int          `json:"index"`
	Count       int          `json:"count"`
	ID          string       `json:"id"`
	Type        string       `json:"type"`
	Text        string       `json:"text"`
	Image       string       `json:"image,omitempty"`
	Options     []optionInfo `json:"options,omitempty"`
	Points      int          `json:"points"`
	TimeLimitMS int64        `json:"time_limit_ms"`
	OpenedAt    int64        `json:"opened_at"`
	Deadline    int64        `json:"deadline"`
	Answered    *int         `json:"answered,omitempty"`
	Expected    *int         `json:"expected,omitempty"`
	// Paused: the host holds the question; RemainingMS is the time it will
	// have left when it runs on (the deadline moves then).
	Paused      bool  `json:"paused,omitempty"`
	RemainingMS int64 `json:"remaining_ms,omitempty"`
	AddedMS     int64 `json:"added_ms,omitempty"` // the time the host gave it
}

type countInfo struct {
	Option string `json:"option"`
	Count  int    `json:"count"`
}

type textCount struct {
	Text    string `json:"text"`
	Count   int    `json:"count"`
	Correct bool   `json:"correct"`
	Hidden  bool   `json:"hidden,omitempty"` // host only: the host hid it from everyone else
}

type numberCount struct {
	Value   float64 `json:"value"`
	Count   int     `json:"count"`
	Correct bool    `json:"correct"`
}

type revealInfo struct {
	Question     string        `json:"question"`
	Correct      []string      `json:"correct"`
	Answer       float64       `json:"answer"`
	Tolerance    float64       `json:"tolerance"`
	Accept       []string      `json:"accept"`
	Explanation  string        `json:"explanation,omitempty"`
	ClosedBy     string        `json:"closed_by"`
	Distribution []countInfo   `json:"distribution"`
	Texts        []textCount   `json:"texts"`
	Numbers      []numberCount `json:"numbers"`
}

type meAnswer struct {
	Question string   `json:"question"`
	Options  []string `json:"options,omitempty"`
	Number   *float64 `json:"number,omitempty"`
	Text     string   `json:"text,omitempty"`
	By       string   `json:"by,omitempty"`
}

type meResult struct {
	Question string  `json:"question"`
	Correct  bool    `json:"correct"`
	Fraction float64 `json:"fraction"`
	Points   int     `json:"points"`
	Streak   int     `json:"streak"`
	Poll     bool    `json:"poll,omitempty"`
	Answered bool    `json:"answered"`
}

func (qs *quizStage) view(s *State, v *View, role Role) {
	v.Question = qs.questionInfo(s, true)
	v.Reveal = qs.revealInfo(s, role == RoleHost)
	if role != RoleHost {
		return
	}
	h := v.Host
	if q := qs.question(); q != nil {
		h.Correct = correctOf(q)
		switch q.Type {
		case scenario.Numeric:
			h.Answer, h.Tolerance = &q.Answer, q.Tolerance
		case scenario.Text:
			h.Accept = q.Accept
		}
	}
	if qs.q.Phase == quiz.Open {
		// Only the players listed in teams: the host page marks those.
		for _, t := range v.Teams {
			for _, p := range t.Players {
				if _, ok := qs.q.Answers[p.ID]; ok {
					h.AnsweredBy = append(h.AnsweredBy, p.ID)
				}
			}
		}
		slices.Sort(h.AnsweredBy)
	}
}

func (qs *quizStage) phone(s *State, v *PhoneState) {
	v.Question = qs.questionInfo(s, false)
	v.Reveal = qs.revealInfo(s, false)
}

// questionInfo describes the current question without its answer.
func (qs *quizStage) questionInfo(s *State, counts bool) *questionInfo {
	q := qs.question()
	if q == nil {
		return nil
	}
	qi := &questionInfo{
		Index: qs.q.Index, Count: len(qs.def.Questions), ID: q.ID, Type: string(q.Type),
		Text: q.Text, Image: imageURL(q.Image), Points: q.Points, TimeLimitMS: q.TimeLimit.Milliseconds(),
		OpenedAt: qs.q.OpenedAt.UnixMilli(), Deadline: qs.q.Deadline.UnixMilli(),
	}
	for _, o := range q.Options {
		qi.Options = append(qi.Options, optionInfo{ID: o.ID, Text: o.Text})
	}
	if qs.q.Phase == quiz.Open && qs.q.Paused {
		qi.Paused, qi.RemainingMS = true, max(qs.q.Deadline.Sub(qs.q.PausedAt), 0).Milliseconds()
	}
	qi.AddedMS = qs.q.Added.Milliseconds()
	if counts && qs.q.Phase == quiz.Open {
		roster := s.roster()
		answered, expected := qs.q.Answered(roster), len(roster)
		qi.Answered, qi.Expected = &answered, &expected
	}
	return qi
}

func correctOf(q *scenario.Question) []string {
	out := []string{}
	for _, o := range q.Options {
		if o.Correct {
			out = append(out, o.ID)
		}
	}
	return out
}

// revealInfo describes the last closed question of the stage, once the
// stage is past its open phase. Open-text answers the host hid are left
// out, except for the host, who sees them marked.
func (qs *quizStage) revealInfo(s *State, host bool) *revealInfo {
	last := qs.q.Last()
	if qs.q.Phase == quiz.Open || last == nil || last.ClosedBy == quiz.ClosedBySkip {
		return nil // a skipped question is never revealed
	}
	q := &qs.def.Questions[last.Index]
	ri := &revealInfo{
		Question: q.ID, Correct: correctOf(q), Answer: q.Answer, Tolerance: q.Tolerance,
		Accept: q.Accept, Explanation: q.Explanation, ClosedBy: last.ClosedBy,
		Distribution: []countInfo{}, Texts: []textCount{}, Numbers: []numberCount{},
	}
	if ri.Accept == nil {
		ri.Accept = []string{}
	}
	// In team mode a team's answer counts once: the one that was scored.
	answers := make([]quiz.Answer, 0, len(last.Answers))
	if s.teamMode() == scenario.TeamShared {
		latest := map[string]quiz.Answer{}
		for _, a := range last.Answers {
			if b, ok := latest[a.Team]; !ok || a.At.After(b.At) || (a.At.Equal(b.At) && a.N > b.N) {
				latest[a.Team] = a
			}
		}
		for _, a := range latest {
			answers = append(answers, a)
		}
	} else {
		for _, a := range last.Answers {
			answers = append(answers, a)
		}
	}
	switch q.Type {
	case scenario.Numeric:
		counts := map[float64]int{}
		for _, a := range answers {
			counts[*a.Choice.Number]++
		}
		for v, n := range counts {
			ri.Numbers = append(ri.Numbers, numberCount{Value: v, Count: n, Correct: quiz.Grade(q, quiz.Choice{Number: &v}) == 1})
		}
		sort.Slice(ri.Numbers, func(i, j int) bool {
			a, b := ri.Numbers[i], ri.Numbers[j]
			return a.Count > b.Count || (a.Count == b.Count && a.Value < b.Value)
		})
		ri.Numbers = ri.Numbers[:min(len(ri.Numbers), 10)]
	case scenario.Text:
		// Answers were cleaned when they came in, so texts that differ only
		// in what cleaning removes are one; they group by their folded form.
		// A group shows its most common spelling, the first to get there on
		// a tie, so that the projector shows the same one every time.
		slices.SortFunc(answers, func(a, b quiz.Answer) int { return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.N, b.N)) })
		counts := map[string]int{}
		shown := map[string]string{}
		spellings := map[string]int{}
		for _, a := range answers {
			k := quiz.NormalizeText(a.Choice.Text)
			counts[k]++
			spellings[a.Choice.Text]++
			if cur, ok := shown[k]; !ok || spellings[a.Choice.Text] > spellings[cur] {
				shown[k] = a.Choice.Text
			}
		}
		for k, n := range counts {
			hidden := qs.q.IsHidden(q.ID, k)
			if hidden && !host {
				continue
			}
			ri.Texts = append(ri.Texts, textCount{Text: shown[k], Count: n, Correct: quiz.Grade(q, quiz.Choice{Text: k}) == 1, Hidden: hidden})
		}
		sort.Slice(ri.Texts, func(i, j int) bool {
			a, b := ri.Texts[i], ri.Texts[j]
			return a.Count > b.Count || (a.Count == b.Count && strings.Compare(a.Text, b.Text) < 0)
		})
		ri.Texts = ri.Texts[:min(len(ri.Texts), 10)]
	default:
		counts := map[string]int{}
		for _, a := range answers {
			for _, o := range a.Choice.Options {
				counts[o]++
			}
		}
		for _, o := range q.Options {
			ri.Distribution = append(ri.Distribution, countInfo{Option: o.ID, Count: counts[o.ID]})
		}
	}
	return ri
}

// me adds the player's streak, answer and, once the question closed, its
// result.
func (qs *quizStage) me(s *State, p *Player, m *Me) {
	unit := qs.q.Unit(p.ID, p.Team)
	if sc := qs.q.Scores[unit]; sc != nil {
		m.Score.Streak = sc.Streak
	}
	if qs.q.Phase == quiz.Open {
		q := qs.question()
		if a, ok := qs.q.Answers[p.ID]; ok {
			m.Answer = answerView(q.ID, a, "")
		}
		if qs.q.Mode == scenario.TeamShared {
			if a, ok := qs.q.TeamAnswer(s.roster(), p.Team); ok {
				m.TeamAnswer = answerView(q.ID, a, s.byID[a.Player].Name)
			}
		}
		return
	}
	if last := qs.q.Last(); last != nil && last.ClosedBy != quiz.ClosedBySkip {
		q := &qs.def.Questions[last.Index]
		if a, ok := last.Answers[p.ID]; ok {
			m.Answer = answerView(q.ID, a, "")
		}
		aw := last.Awards[unit]
		m.Result = &meResult{Question: q.ID, Correct: aw.Correct, Fraction: aw.Fraction, Points: aw.Points,
			Streak: aw.Streak, Poll: q.Type == scenario.Poll, Answered: aw.Answered}
	}
}

func answerView(question string, a quiz.Answer, by string) *meAnswer {
	return &meAnswer{Question: question, Options: a.Choice.Options, Number: a.Choice.Number, Text: a.Choice.Text, By: by}
}

// results adds every closed question of the stage with every answer given
// to it, numbered on from the stages before.
func (qs *quizStage) results(s *State, res *Results, _ *BoardResults) {
	if res == nil {
		return
	}
	stage := qs.st
	for _, h := range qs.q.History {
		q := &qs.def.Questions[h.Index]
		qr := QuestionResult{Stage: stage.ID, ID: q.ID, Number: len(res.Questions) + 1, Type: string(q.Type), Text: q.Text,
			Correct: correctText(q), OpenedAt: h.OpenedAt, ClosedBy: h.ClosedBy, Answers: []AnswerResult{}}
		counted := map[string]int{} // unit → the N of its counted answer
		for _, a := range h.Answers {
			u := qs.q.Unit(a.Player, a.Team)
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
			u := qs.q.Unit(a.Player, a.Team)
			aw := h.Awards[u]
			isCounted := counted[u] == a.N
			ar := AnswerResult{Player: a.Player, Team: s.teamName(a.Team), Answer: choiceText(q, a.Choice),
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
