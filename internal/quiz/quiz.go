// Package quiz is the pure quiz engine: the state of one quiz stage, the
// commands that change it and the scoring rules. It reads no clock, starts no
// goroutine and does no I/O: the caller passes the time and the roster, so a
// log of commands replays to the same state.
package quiz

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/huddle-live/huddle/internal/scenario"
)

// Phase is where a quiz stage is in its question cycle.
type Phase string

// Phases of a quiz stage, in the order a question goes through them.
const (
	Ready       Phase = "ready"       // before the first question
	Open        Phase = "question"    // a question is open for answers
	Reveal      Phase = "reveal"      // closed; correct answer and distribution shown
	Leaderboard Phase = "leaderboard" // scores shown between questions
	Done        Phase = "done"        // every question played
)

// Reasons a question closed.
const (
	ClosedByTime = "time"
	ClosedByAll  = "all"
	ClosedByHost = "host"
	ClosedBySkip = "skip" // the host skipped the question: nobody scores, streaks stay
)

// Errors returned by commands. They never change the state.
var (
	ErrWrongPhase      = errors.New("quiz: not possible in this phase")
	ErrClosed          = errors.New("quiz: question is closed")
	ErrAlreadyAnswered = errors.New("quiz: already answered")
	ErrInvalidChoice   = errors.New("quiz: invalid answer")
	ErrUnknownPlayer   = errors.New("quiz: unknown player")
	ErrPaused          = errors.New("quiz: the question is paused")
)

// Choice is what a player answered. Which field is used depends on the
// question type.
type Choice struct {
	Options []string `json:"options,omitempty"`
	Number  *float64 `json:"number,omitempty"`
	Text    string   `json:"text,omitempty"`
}

// Equal reports whether two choices are the same answer.
func (c Choice) Equal(o Choice) bool {
	if (c.Number == nil) != (o.Number == nil) || (c.Number != nil && *c.Number != *o.Number) {
		return false
	}
	return c.Text == o.Text && slices.Equal(c.Options, o.Options)
}

// Answer is one accepted answer to the open question.
type Answer struct {
	Player string    `json:"player"`
	Team   string    `json:"team"`
	Choice Choice    `json:"choice"`
	At     time.Time `json:"at"`
	N      int       `json:"n"` // order of arrival, breaks ties of At
	// Paused is how long the question had been paused when the answer
	// came: the time it took to answer does not count it.
	Paused time.Duration `json:"paused,omitempty"`
}

// Roster tells the engine who plays: player id → team id. Kicked players are
// not in it.
type Roster map[string]string

// Score is the running score of a scored unit: a player in average mode, a
// team in team mode.
type Score struct {
	Points   int `json:"points"`
	Streak   int `json:"streak"`
	Correct  int `json:"correct"`
	Answered int `json:"answered"`
}

// Award is what one unit got for one question.
type Award struct {
	Answered bool    `json:"answered"`
	Correct  bool    `json:"correct"`
	Fraction float64 `json:"fraction"` // 0..1; partial credit in multiple choice
	Points   int     `json:"points"`
	Streak   int     `json:"streak"` // streak after this question
}

// Closed is the record of one closed question.
type Closed struct {
	Question string            `json:"question"`
	Index    int               `json:"index"`
	OpenedAt time.Time         `json:"opened_at"`
	ClosedAt time.Time         `json:"closed_at"`
	ClosedBy string            `json:"closed_by"`
	Answers  map[string]Answer `json:"answers"` // by player: each player's last answer
	Awards   map[string]Award  `json:"awards"`  // by unit: player (average) or team (team mode)
}

// State is one quiz stage. The zero value is not ready: use New.
type State struct {
	Mode     scenario.TeamMode `json:"mode"`
	Index    int               `json:"index"` // current question; -1 before the first
	Phase    Phase             `json:"phase"`
	OpenedAt time.Time         `json:"opened_at"`
	Deadline time.Time         `json:"deadline"`
	Answers  map[string]Answer `json:"answers"` // current question, by player
	Arrived  int               `json:"arrived"` // answers accepted for the current question
	// Paused is set while the host holds the open question: its clock
	// stands still and answers wait. PausedAt is when it stopped, and
	// PausedFor the time the question spent paused before; Added is the
	// time the host gave it. Deadline already holds both.
	Paused    bool          `json:"paused,omitempty"`
	PausedAt  time.Time     `json:"paused_at,omitzero"`
	PausedFor time.Duration `json:"paused_for,omitempty"`
	Added     time.Duration `json:"added,omitempty"`
	// Hidden holds, by question, the open-text answers the host took off
	// the projector and the phones, in their folded form (NormalizeText).
	Hidden  map[string][]string `json:"hidden,omitempty"`
	Scores  map[string]*Score   `json:"scores"`  // by unit
	History []Closed            `json:"history"` // last: see AppendJSON

	// closed holds the encoding of each History record so far: a record
	// never changes once its question is closed, and a snapshot of a room
	// of thousands of phones is mostly these (see MarshalJSON).
	closed [][]byte
}

// MarshalJSON encodes the state as its fields say (AppendJSON).
func (s *State) MarshalJSON() ([]byte, error) { return s.AppendJSON(nil) }

// AppendJSON appends the state's encoding to dst, each closed question
// encoded once for all snapshots: encoding the answers and awards of every
// past question again each time took seconds in a room of 10,000 phones.
func (s *State) AppendJSON(dst []byte) ([]byte, error) {
	type fields State // the same fields, without the methods
	f := (*fields)(s)
	hist := f.History
	f.History = nil
	head, err := json.Marshal(f)
	f.History = hist
	if err != nil {
		return nil, err
	}
	const null = `null}`
	if hist == nil || !bytes.HasSuffix(head, []byte(null)) {
		return append(dst, head...), nil
	}
	for len(s.closed) < len(hist) {
		b, err := json.Marshal(&hist[len(s.closed)])
		if err != nil {
			return nil, err
		}
		s.closed = append(s.closed, b)
	}
	dst = append(dst, head[:len(head)-len(null)]...)
	dst = append(dst, '[')
	for i, b := range s.closed[:len(hist)] {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, b...)
	}
	return append(dst, "]}"...), nil
}

// New returns a quiz stage ready for its first question.
func New(mode scenario.TeamMode) *State {
	if mode == "" {
		mode = scenario.TeamAverage
	}
	return &State{Mode: mode, Index: -1, Phase: Ready, Scores: map[string]*Score{}}
}

// Unit returns the id that scores for a player: the player itself in
// average mode, their team in team mode.
func (s *State) Unit(player, team string) string {
	if s.Mode == scenario.TeamShared {
		return team
	}
	return player
}

// Start opens the next question at now. It is allowed before the first
// question and from the leaderboard or reveal of the previous one.
func (s *State) Start(q *scenario.Quiz, now time.Time) error {
	if s.Phase != Ready && s.Phase != Leaderboard && s.Phase != Reveal {
		return ErrWrongPhase
	}
	if s.Index+1 >= len(q.Questions) {
		return ErrWrongPhase
	}
	s.Index++
	s.Phase = Open
	s.OpenedAt = now
	s.Deadline = now.Add(q.Questions[s.Index].TimeLimit)
	s.Answers = map[string]Answer{}
	s.Arrived = 0
	s.Paused, s.PausedAt, s.PausedFor, s.Added = false, time.Time{}, 0, 0
	return nil
}

// Pause holds the open question (paused) or lets it run on: its deadline
// moves on by the time it stood still, so the time left is what it was.
func (s *State) Pause(paused bool, at time.Time) error {
	if s.Phase != Open || s.Paused == paused {
		return ErrWrongPhase
	}
	if paused {
		s.Paused, s.PausedAt = true, at
		return nil
	}
	gap := max(at.Sub(s.PausedAt), 0)
	s.Deadline = s.Deadline.Add(gap)
	s.PausedFor += gap
	s.Paused, s.PausedAt = false, time.Time{}
	return nil
}

// Extend gives the open question d more time.
func (s *State) Extend(d time.Duration) error {
	if s.Phase != Open || d <= 0 {
		return ErrWrongPhase
	}
	s.Deadline = s.Deadline.Add(d)
	s.Added += d
	return nil
}

// Hide takes an open-text answer of a closed question off the public
// views (hidden), or puts it back. Answers group by their folded form, so
// hiding one spelling hides the group.
func (s *State) Hide(q *scenario.Quiz, question, text string, hidden bool) error {
	closed := false
	for i := range s.History {
		if h := &s.History[i]; h.Question == question && q.Questions[h.Index].Type == scenario.Text {
			closed = true
		}
	}
	k := NormalizeText(text)
	if !closed || k == "" {
		return ErrWrongPhase
	}
	list := s.Hidden[question]
	has := slices.Contains(list, k)
	switch {
	case hidden && !has:
		if s.Hidden == nil {
			s.Hidden = map[string][]string{}
		}
		s.Hidden[question] = append(slices.Clone(list), k)
	case !hidden && has:
		s.Hidden[question] = slices.DeleteFunc(slices.Clone(list), func(x string) bool { return x == k })
		if len(s.Hidden[question]) == 0 {
			delete(s.Hidden, question)
		}
	}
	return nil
}

// IsHidden reports whether the host hid an open-text answer of a question.
func (s *State) IsHidden(question, text string) bool {
	return slices.Contains(s.Hidden[question], NormalizeText(text))
}

// Skip drops the open question: it is kept in the history, closed by
// ClosedBySkip, with its answers but no awards; nobody scores and no streak
// changes. The stage goes on to the leaderboard, so no answer is revealed.
func (s *State) Skip(q *scenario.Quiz, now time.Time) error {
	if s.Phase != Open {
		return ErrWrongPhase
	}
	s.History = append(s.History, Closed{
		Question: q.Questions[s.Index].ID, Index: s.Index, OpenedAt: s.OpenedAt, ClosedAt: now, ClosedBy: ClosedBySkip,
		Answers: s.Answers, Awards: map[string]Award{},
	})
	s.Answers = nil
	s.Paused, s.PausedAt = false, time.Time{}
	s.Phase = Leaderboard
	return nil
}

// HasNext reports whether a question remains after the current one.
func (s *State) HasNext(q *scenario.Quiz) bool { return s.Index+1 < len(q.Questions) }

// Submit accepts a player's answer to the open question. In average mode the
// first answer locks in: the same answer again returns duplicate = true, a
// different one ErrAlreadyAnswered. In team mode a member may change the
// team's answer until the question closes.
func (s *State) Submit(q *scenario.Quiz, roster Roster, player, question string, c Choice, now time.Time) (duplicate bool, err error) {
	team, ok := roster[player]
	if !ok {
		return false, ErrUnknownPlayer
	}
	if s.Phase != Open || s.Index < 0 || q.Questions[s.Index].ID != question {
		if s.answeredEarlier(q, player, question, c) {
			return true, nil
		}
		return false, ErrClosed
	}
	if s.Paused {
		return false, ErrPaused
	}
	if !now.Before(s.Deadline) {
		return false, ErrClosed
	}
	qu := &q.Questions[s.Index]
	c, err = Normalize(qu, c)
	if err != nil {
		return false, err
	}
	if prev, ok := s.Answers[player]; ok {
		if prev.Choice.Equal(c) {
			return true, nil
		}
		if s.Mode != scenario.TeamShared {
			return false, ErrAlreadyAnswered
		}
	}
	s.Arrived++
	s.Answers[player] = Answer{Player: player, Team: team, Choice: c, At: now, N: s.Arrived, Paused: s.PausedFor}
	return false, nil
}

// answeredEarlier reports whether the player's accepted answer to an already
// closed question equals c: a phone re-sending after a reconnect.
func (s *State) answeredEarlier(q *scenario.Quiz, player, question string, c Choice) bool {
	for i := len(s.History) - 1; i >= 0; i-- {
		h := &s.History[i]
		if h.Question != question {
			continue
		}
		a, ok := h.Answers[player]
		if !ok {
			return false
		}
		c, err := Normalize(&q.Questions[h.Index], c)
		return err == nil && a.Choice.Equal(c)
	}
	return false
}

// AllAnswered reports whether every player in the roster has answered the
// open question. In team mode too every member must have tapped, so that a
// team's first tap does not cut its discussion short.
func (s *State) AllAnswered(roster Roster) bool {
	if s.Phase != Open || len(roster) == 0 || len(s.Answers) < len(roster) {
		return false // the cheap check first: it runs on every answer
	}
	for p := range roster {
		if _, ok := s.Answers[p]; !ok {
			return false
		}
	}
	return true
}

// Answered counts the roster's players who answered the open question.
func (s *State) Answered(roster Roster) int {
	n := 0
	for p := range s.Answers {
		if _, ok := roster[p]; ok {
			n++
		}
	}
	return n
}

// Close closes the open question at now, scores it and moves to Reveal.
// Players who left (not in roster) are not scored; their answers stay in the
// record.
func (s *State) Close(q *scenario.Quiz, roster Roster, now time.Time, by string) error {
	if s.Phase != Open {
		return ErrWrongPhase
	}
	qu := &q.Questions[s.Index]
	counted := s.countedAnswers(roster)
	awards := map[string]Award{}
	for _, unit := range s.units(roster) {
		sc := s.Scores[unit]
		if sc == nil {
			sc = &Score{}
			s.Scores[unit] = sc
		}
		a, ok := counted[unit]
		if qu.Type == scenario.Poll {
			awards[unit] = Award{Answered: ok, Streak: sc.Streak}
			if ok {
				sc.Answered++
			}
			continue
		}
		if !ok {
			sc.Streak = 0
			awards[unit] = Award{}
			continue
		}
		fraction := Grade(qu, a.Choice)
		points := Points(qu, q, fraction, a.At.Sub(s.OpenedAt)-a.Paused)
		correct := fraction == 1
		if correct {
			sc.Streak++
			sc.Correct++
			points += StreakBonus(qu.Points, sc.Streak, q.StreakBonus)
		} else {
			sc.Streak = 0
		}
		sc.Answered++
		sc.Points += points
		awards[unit] = Award{Answered: true, Correct: correct, Fraction: fraction, Points: points, Streak: sc.Streak}
	}
	s.History = append(s.History, Closed{
		Question: qu.ID, Index: s.Index, OpenedAt: s.OpenedAt, ClosedAt: now, ClosedBy: by,
		Answers: s.Answers, Awards: awards,
	})
	s.Answers = nil
	s.Paused, s.PausedAt = false, time.Time{}
	s.Phase = Reveal
	return nil
}

// Advance moves from Reveal to Leaderboard, or from Leaderboard to Done when
// no question remains. Opening the next question is Start.
func (s *State) Advance(q *scenario.Quiz) error {
	switch s.Phase {
	case Reveal:
		s.Phase = Leaderboard
	case Leaderboard:
		if s.HasNext(q) {
			return ErrWrongPhase
		}
		s.Phase = Done
	default:
		return ErrWrongPhase
	}
	return nil
}

// Finish ends the stage from any phase, closing an open question first.
func (s *State) Finish(q *scenario.Quiz, roster Roster, now time.Time) {
	if s.Phase == Open {
		_ = s.Close(q, roster, now, ClosedByHost)
	}
	s.Phase = Done
}

// Last returns the record of the last closed question, or nil.
func (s *State) Last() *Closed {
	if len(s.History) == 0 {
		return nil
	}
	return &s.History[len(s.History)-1]
}

// units lists the scored units of the roster, sorted for determinism.
func (s *State) units(roster Roster) []string {
	seen := map[string]bool{}
	var out []string
	for p, t := range roster {
		u := s.Unit(p, t)
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	slices.Sort(out)
	return out
}

// countedAnswers returns the answer that counts for each unit: a player's
// own, or in team mode the latest of the team's members.
func (s *State) countedAnswers(roster Roster) map[string]Answer {
	out := map[string]Answer{}
	for p, a := range s.Answers {
		team, ok := roster[p]
		if !ok {
			continue
		}
		u := s.Unit(p, team)
		if prev, ok := out[u]; !ok || a.At.After(prev.At) || (a.At.Equal(prev.At) && a.N > prev.N) {
			out[u] = a
		}
	}
	return out
}

// TeamAnswer returns the team's current answer to the open question in team
// mode: the latest of its members'.
func (s *State) TeamAnswer(roster Roster, team string) (Answer, bool) {
	var best Answer
	found := false
	for p, a := range s.Answers {
		if roster[p] != team {
			continue
		}
		if !found || a.At.After(best.At) || (a.At.Equal(best.At) && a.N > best.N) {
			best, found = a, true
		}
	}
	return best, found
}

// MaxTextLen is the longest text answer, in characters.
const MaxTextLen = 200

// Normalize checks a choice against the question and returns it in canonical
// form: options sorted and unique, text trimmed.
func Normalize(q *scenario.Question, c Choice) (Choice, error) {
	switch q.Type {
	case scenario.Single, scenario.TrueFalse, scenario.Poll, scenario.Multiple:
		if len(c.Options) == 0 || c.Number != nil || c.Text != "" {
			return Choice{}, ErrInvalidChoice
		}
		if q.Type != scenario.Multiple && len(c.Options) != 1 {
			return Choice{}, ErrInvalidChoice
		}
		opts := slices.Clone(c.Options)
		slices.Sort(opts)
		opts = slices.Compact(opts)
		for _, id := range opts {
			if !slices.ContainsFunc(q.Options, func(o scenario.Option) bool { return o.ID == id }) {
				return Choice{}, ErrInvalidChoice
			}
		}
		return Choice{Options: opts}, nil
	case scenario.Numeric:
		if c.Number == nil || len(c.Options) > 0 || c.Text != "" || math.IsNaN(*c.Number) || math.IsInf(*c.Number, 0) {
			return Choice{}, ErrInvalidChoice
		}
		n := *c.Number
		return Choice{Number: &n}, nil
	case scenario.Text:
		t := strings.TrimSpace(c.Text)
		if t == "" || len(c.Options) > 0 || c.Number != nil || utf8.RuneCountInString(t) > MaxTextLen {
			return Choice{}, ErrInvalidChoice
		}
		return Choice{Text: t}, nil
	}
	return Choice{}, ErrInvalidChoice
}

// Grade returns how right a normalized choice is, from 0 to 1. Multiple
// choice gives partial credit: (right picked − wrong picked) / correct count,
// never below 0.
func Grade(q *scenario.Question, c Choice) float64 {
	switch q.Type {
	case scenario.Single, scenario.TrueFalse:
		for _, o := range q.Options {
			if o.Correct && len(c.Options) == 1 && c.Options[0] == o.ID {
				return 1
			}
		}
		return 0
	case scenario.Multiple:
		right, wrong, total := 0, 0, 0
		for _, o := range q.Options {
			picked := slices.Contains(c.Options, o.ID)
			switch {
			case o.Correct && picked:
				right++
			case !o.Correct && picked:
				wrong++
			}
			if o.Correct {
				total++
			}
		}
		if total == 0 {
			return 0
		}
		return math.Max(0, float64(right-wrong)/float64(total))
	case scenario.Numeric:
		if c.Number != nil && math.Abs(*c.Number-q.Answer) <= q.Tolerance+1e-9 {
			return 1
		}
		return 0
	case scenario.Text:
		got := NormalizeText(c.Text)
		for _, a := range q.Accept {
			if NormalizeText(a) == got {
				return 1
			}
		}
		return 0
	}
	return 0
}

// NormalizeText folds a short text answer for comparison: Unicode NFC, lower
// case, ё as е, runs of spaces and punctuation at the ends removed.
func NormalizeText(s string) string {
	s = strings.ReplaceAll(strings.ToLower(norm.NFC.String(s)), "ё", "е")
	s = strings.Join(strings.Fields(s), " ")
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSpace(r) })
}

// Points scores one answer before the streak bonus: base points × fraction,
// times the speed factor (1 − t/T/2) when the quiz has a speed bonus, rounded
// half away from zero. An answer at the very start earns full points, one at
// the deadline half.
func Points(q *scenario.Question, qz *scenario.Quiz, fraction float64, elapsed time.Duration) int {
	if fraction <= 0 {
		return 0
	}
	factor := 1.0
	if qz.SpeedBonus && q.TimeLimit > 0 {
		r := float64(elapsed) / float64(q.TimeLimit)
		factor = 1 - math.Min(math.Max(r, 0), 1)/2
	}
	return int(math.Round(float64(q.Points) * fraction * factor))
}

// StreakBonus is added to a fully correct answer: the n-th correct answer in
// a row adds points × min(n−1, 5) / 10.
func StreakBonus(points, streak int, on bool) int {
	if !on || streak < 2 {
		return 0
	}
	return int(math.Round(float64(points) * float64(min(streak-1, 5)) / 10))
}

// FormatNumber renders a numeric answer for people, without trailing zeros.
func FormatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
