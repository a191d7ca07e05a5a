package quiz

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/huddle-live/huddle/internal/scenario"
)

var t0 = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

func num(f float64) *float64 { return &f }

func testQuiz(mode scenario.TeamMode) *scenario.Quiz {
	opts := func(correct ...string) []scenario.Option {
		var out []scenario.Option
		for _, id := range []string{"a", "b", "c", "d"} {
			o := scenario.Option{ID: id, Text: "option " + id}
			for _, c := range correct {
				o.Correct = o.Correct || c == id
			}
			out = append(out, o)
		}
		return out
	}
	tl := 20 * time.Second
	return &scenario.Quiz{
		TeamMode: mode, TimeLimit: tl, Points: 1000, SpeedBonus: true, StreakBonus: true,
		Questions: []scenario.Question{
			{ID: "single", Type: scenario.Single, TimeLimit: tl, Points: 1000, Options: opts("b")},
			{ID: "multi", Type: scenario.Multiple, TimeLimit: tl, Points: 1000, Options: opts("a", "c")},
			{ID: "tf", Type: scenario.TrueFalse, TimeLimit: tl, Points: 1000, Options: []scenario.Option{{ID: "true", Correct: true}, {ID: "false"}}},
			{ID: "num", Type: scenario.Numeric, TimeLimit: tl, Points: 1000, Answer: 60, Tolerance: 5},
			{ID: "text", Type: scenario.Text, TimeLimit: tl, Points: 1000, Accept: []string{"Договор", "контракт"}},
			{ID: "poll", Type: scenario.Poll, TimeLimit: tl, Points: 1000, Options: opts()},
		},
	}
}

func TestPoints(t *testing.T) {
	q := testQuiz(scenario.TeamAverage)
	single := &q.Questions[0]
	noSpeed := *q
	noSpeed.SpeedBonus = false
	tests := []struct {
		name     string
		quiz     *scenario.Quiz
		fraction float64
		elapsed  time.Duration
		want     int
	}{
		{"instant full", q, 1, 0, 1000},
		{"half time", q, 1, 10 * time.Second, 750},
		{"at deadline", q, 1, 20 * time.Second, 500},
		{"past deadline clamps", q, 1, 25 * time.Second, 500},
		{"negative clamps", q, 1, -time.Second, 1000},
		{"wrong", q, 0, time.Second, 0},
		{"partial half at start", q, 0.5, 0, 500},
		{"rounding", q, 1, 3 * time.Second, 925},
		{"no speed bonus", &noSpeed, 1, 19 * time.Second, 1000},
		{"no speed bonus partial", &noSpeed, 0.5, 19 * time.Second, 500},
		// A relaxed room: no speed bonus, so even past the question's own
		// limit (a relaxed question runs half as long again) a correct
		// answer scores in full.
		{"no speed bonus, relaxed time", &noSpeed, 1, 29 * time.Second, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Points(single, tt.quiz, tt.fraction, tt.elapsed); got != tt.want {
				t.Errorf("Points = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestStreakBonus(t *testing.T) {
	tests := []struct {
		streak int
		on     bool
		want   int
	}{{0, true, 0}, {1, true, 0}, {2, true, 100}, {3, true, 200}, {6, true, 500}, {9, true, 500}, {4, false, 0}}
	for _, tt := range tests {
		if got := StreakBonus(1000, tt.streak, tt.on); got != tt.want {
			t.Errorf("StreakBonus(1000, %d, %v) = %d, want %d", tt.streak, tt.on, got, tt.want)
		}
	}
}

func TestGrade(t *testing.T) {
	q := testQuiz(scenario.TeamAverage)
	tests := []struct {
		name string
		q    int
		c    Choice
		want float64
	}{
		{"single right", 0, Choice{Options: []string{"b"}}, 1},
		{"single wrong", 0, Choice{Options: []string{"a"}}, 0},
		{"multi exact", 1, Choice{Options: []string{"a", "c"}}, 1},
		{"multi half", 1, Choice{Options: []string{"a"}}, 0.5},
		{"multi one right one wrong", 1, Choice{Options: []string{"a", "b"}}, 0},
		{"multi all picked", 1, Choice{Options: []string{"a", "b", "c", "d"}}, 0},
		{"multi wrong only", 1, Choice{Options: []string{"d"}}, 0},
		{"tf right", 2, Choice{Options: []string{"true"}}, 1},
		{"tf wrong", 2, Choice{Options: []string{"false"}}, 0},
		{"numeric exact", 3, Choice{Number: num(60)}, 1},
		{"numeric within tolerance", 3, Choice{Number: num(55)}, 1},
		{"numeric outside", 3, Choice{Number: num(65.5)}, 0},
		{"text case and spaces", 4, Choice{Text: "  ДОГОВОР "}, 1},
		{"text second accepted", 4, Choice{Text: "Контракт."}, 1},
		{"text wrong", 4, Choice{Text: "устная договорённость"}, 0},
		{"poll never right", 5, Choice{Options: []string{"a"}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			qu := &q.Questions[tt.q]
			c, err := Normalize(qu, tt.c)
			if err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			if got := Grade(qu, c); got != tt.want {
				t.Errorf("Grade = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNormalizeRejects(t *testing.T) {
	q := testQuiz(scenario.TeamAverage)
	tests := []struct {
		name string
		q    int
		c    Choice
	}{
		{"single empty", 0, Choice{}},
		{"single two", 0, Choice{Options: []string{"a", "b"}}},
		{"single unknown", 0, Choice{Options: []string{"z"}}},
		{"single with text", 0, Choice{Options: []string{"a"}, Text: "x"}},
		{"multi unknown", 1, Choice{Options: []string{"a", "q"}}},
		{"numeric missing", 3, Choice{Text: "60"}},
		{"text empty", 4, Choice{Text: "   "}},
		{"text too long", 4, Choice{Text: string(make([]byte, 201))}},
		{"text too long in Cyrillic", 4, Choice{Text: strings.Repeat("я", MaxTextLen+1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Normalize(&q.Questions[tt.q], tt.c); !errors.Is(err, ErrInvalidChoice) {
				t.Errorf("err = %v, want ErrInvalidChoice", err)
			}
		})
	}
}

func mustStart(t *testing.T, s *State, q *scenario.Quiz, now time.Time) {
	t.Helper()
	if err := s.Start(q, now); err != nil {
		t.Fatalf("Start: %v", err)
	}
}

func TestAverageModeFlow(t *testing.T) {
	q := testQuiz(scenario.TeamAverage)
	roster := Roster{"p1": "t1", "p2": "t1", "p3": "t2"}
	s := New(scenario.TeamAverage)
	if _, err := s.Submit(q, roster, "p1", "single", Choice{Options: []string{"b"}}, t0); !errors.Is(err, ErrClosed) {
		t.Fatalf("answer before start: %v", err)
	}
	mustStart(t, s, q, t0)
	if !s.Deadline.Equal(t0.Add(20 * time.Second)) {
		t.Fatalf("deadline = %v", s.Deadline)
	}
	steps := []struct {
		player string
		choice string
		at     time.Duration
		dup    bool
		err    error
	}{
		{"p1", "b", 2 * time.Second, false, nil},
		{"p1", "b", 3 * time.Second, true, nil},                 // re-sent: duplicate
		{"p1", "a", 4 * time.Second, false, ErrAlreadyAnswered}, // locked in
		{"p2", "a", 10 * time.Second, false, nil},
		{"p9", "a", 10 * time.Second, false, ErrUnknownPlayer},
		{"p3", "b", 20 * time.Second, false, ErrClosed}, // at the deadline
	}
	for i, st := range steps {
		dup, err := s.Submit(q, roster, st.player, "single", Choice{Options: []string{st.choice}}, t0.Add(st.at))
		if dup != st.dup || !errors.Is(err, st.err) {
			t.Fatalf("step %d: dup=%v err=%v, want %v %v", i, dup, err, st.dup, st.err)
		}
	}
	if s.AllAnswered(roster) {
		t.Fatal("AllAnswered with p3 missing")
	}
	if got := s.Answered(roster); got != 2 {
		t.Fatalf("Answered = %d", got)
	}
	if err := s.Close(q, roster, t0.Add(20*time.Second), ClosedByTime); err != nil {
		t.Fatal(err)
	}
	// p1: correct at 2s of 20s → 1000 × 0.95 = 950. p2 wrong. p3 silent.
	want := map[string]int{"p1": 950, "p2": 0, "p3": 0}
	for p, pts := range want {
		if s.Scores[p].Points != pts {
			t.Errorf("%s points = %d, want %d", p, s.Scores[p].Points, pts)
		}
	}
	// re-sent answer after close is a duplicate, a new one is refused
	if dup, err := s.Submit(q, roster, "p1", "single", Choice{Options: []string{"b"}}, t0.Add(21*time.Second)); !dup || err != nil {
		t.Fatalf("resend after close: %v %v", dup, err)
	}
	if _, err := s.Submit(q, roster, "p3", "single", Choice{Options: []string{"b"}}, t0.Add(21*time.Second)); !errors.Is(err, ErrClosed) {
		t.Fatalf("late answer: %v", err)
	}

	// second question: streak for p1 (partial credit for p2, no streak)
	if err := s.Advance(q); err != nil || s.Phase != Leaderboard {
		t.Fatalf("advance: %v %v", err, s.Phase)
	}
	if err := s.Advance(q); !errors.Is(err, ErrWrongPhase) {
		t.Fatalf("advance past leaderboard with questions left: %v", err)
	}
	t1 := t0.Add(time.Minute)
	mustStart(t, s, q, t1)
	for p, c := range map[string][]string{"p1": {"c", "a"}, "p2": {"a"}, "p3": {"a", "c"}} {
		if _, err := s.Submit(q, roster, p, "multi", Choice{Options: c}, t1); err != nil {
			t.Fatal(err)
		}
	}
	if !s.AllAnswered(roster) {
		t.Fatal("AllAnswered false with all in")
	}
	if err := s.Close(q, roster, t1, ClosedByAll); err != nil {
		t.Fatal(err)
	}
	last := s.Last()
	if last.ClosedBy != ClosedByAll || last.Question != "multi" {
		t.Fatalf("last = %+v", last)
	}
	wantAwards := map[string]Award{
		"p1": {Answered: true, Correct: true, Fraction: 1, Points: 1100, Streak: 2},
		"p2": {Answered: true, Correct: false, Fraction: 0.5, Points: 500, Streak: 0},
		"p3": {Answered: true, Correct: true, Fraction: 1, Points: 1000, Streak: 1},
	}
	for p, w := range wantAwards {
		if got := last.Awards[p]; got != w {
			t.Errorf("award %s = %+v, want %+v", p, got, w)
		}
	}
	if s.Scores["p1"].Points != 2050 || s.Scores["p2"].Points != 500 || s.Scores["p3"].Points != 1000 {
		t.Errorf("scores = %d %d %d", s.Scores["p1"].Points, s.Scores["p2"].Points, s.Scores["p3"].Points)
	}
}

func TestTeamModeLatestCounts(t *testing.T) {
	q := testQuiz(scenario.TeamShared)
	roster := Roster{"p1": "t1", "p2": "t1", "p3": "t2"}
	s := New(scenario.TeamShared)
	mustStart(t, s, q, t0)
	sub := func(p, c string, at time.Duration) {
		t.Helper()
		if _, err := s.Submit(q, roster, p, "single", Choice{Options: []string{c}}, t0.Add(at)); err != nil {
			t.Fatalf("%s %s: %v", p, c, err)
		}
	}
	sub("p1", "a", 1*time.Second)
	sub("p2", "b", 4*time.Second) // teammate changes the team's answer
	sub("p1", "b", 6*time.Second) // p1 agrees: latest is now p1 at 6s
	sub("p3", "b", 2*time.Second)
	if a, ok := s.TeamAnswer(roster, "t1"); !ok || a.Player != "p1" || a.Choice.Options[0] != "b" {
		t.Fatalf("team answer = %+v", a)
	}
	if !s.AllAnswered(roster) {
		t.Fatal("all members tapped")
	}
	if err := s.Close(q, roster, t0.Add(7*time.Second), ClosedByAll); err != nil {
		t.Fatal(err)
	}
	// t1 counted at 6s: 1000 × (1 − 0.15) = 850; t2 at 2s: 950. Scored by team.
	if s.Scores["t1"].Points != 850 || s.Scores["t2"].Points != 950 {
		t.Fatalf("scores t1=%d t2=%d", s.Scores["t1"].Points, s.Scores["t2"].Points)
	}
	if _, ok := s.Scores["p1"]; ok {
		t.Fatal("players scored in team mode")
	}
}

func TestPollAndStreakReset(t *testing.T) {
	q := testQuiz(scenario.TeamAverage)
	q.Questions = []scenario.Question{q.Questions[0], q.Questions[5], q.Questions[0], q.Questions[0]}
	q.Questions[2].ID, q.Questions[3].ID = "single2", "single3"
	roster := Roster{"p1": "t1"}
	s := New(scenario.TeamAverage)
	play := func(qid, c string) {
		t.Helper()
		start := t0.Add(time.Duration(s.Index+1) * time.Minute)
		mustStart(t, s, q, start)
		if c != "" {
			if _, err := s.Submit(q, roster, "p1", qid, Choice{Options: []string{c}}, start); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Close(q, roster, start.Add(time.Second), ClosedByHost); err != nil {
			t.Fatal(err)
		}
	}
	play("single", "b") // streak 1: 1000
	play("poll", "c")   // poll keeps the streak
	play("single2", "b")
	if got := s.Last().Awards["p1"]; got.Points != 1100 || got.Streak != 2 {
		t.Fatalf("after poll: %+v", got)
	}
	play("single3", "") // silence resets
	if s.Scores["p1"].Streak != 0 || s.Scores["p1"].Points != 2100 {
		t.Fatalf("score = %+v", s.Scores["p1"])
	}
	if s.HasNext(q) {
		t.Fatal("HasNext at the end")
	}
	if err := s.Start(q, t0); !errors.Is(err, ErrWrongPhase) {
		t.Fatalf("start past the end: %v", err)
	}
	_ = s.Advance(q)
	if err := s.Advance(q); err != nil || s.Phase != Done {
		t.Fatalf("done: %v %v", err, s.Phase)
	}
}

func TestFinishClosesOpenQuestion(t *testing.T) {
	q := testQuiz(scenario.TeamAverage)
	roster := Roster{"p1": "t1"}
	s := New(scenario.TeamAverage)
	mustStart(t, s, q, t0)
	if _, err := s.Submit(q, roster, "p1", "single", Choice{Options: []string{"b"}}, t0); err != nil {
		t.Fatal(err)
	}
	s.Finish(q, roster, t0.Add(time.Second))
	if s.Phase != Done || s.Scores["p1"].Points != 1000 || s.Last().ClosedBy != ClosedByHost {
		t.Fatalf("finish: %v %+v", s.Phase, s.Scores["p1"])
	}
}

func TestKickedPlayerNotScored(t *testing.T) {
	q := testQuiz(scenario.TeamAverage)
	s := New(scenario.TeamAverage)
	mustStart(t, s, q, t0)
	full := Roster{"p1": "t1", "p2": "t1"}
	for _, p := range []string{"p1", "p2"} {
		if _, err := s.Submit(q, full, p, "single", Choice{Options: []string{"b"}}, t0); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(q, Roster{"p1": "t1"}, t0, ClosedByHost); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Scores["p2"]; ok {
		t.Fatal("kicked player scored")
	}
	if _, ok := s.Last().Answers["p2"]; !ok {
		t.Fatal("kicked player's answer dropped from the record")
	}
}

func TestNormalizeText(t *testing.T) {
	for in, want := range map[string]string{
		"  Канберра. ":    "канберра",
		"Ёлка":            "елка",
		"Е\u0308лка":      "елка", // decomposed, as some keyboards send it
		"И\u0306од":       "йод",
		"Йод":             "йод",
		"New   York!":     "new york",
		"\u00e9t\u00e9":   "\u00e9t\u00e9",
		"e\u0301te\u0301": "\u00e9t\u00e9",
	} {
		if got := NormalizeText(in); got != want {
			t.Errorf("NormalizeText(%q) = %q, want %q", in, got, want)
		}
	}
	q := testQuiz(scenario.TeamAverage)
	long := strings.Repeat("я", MaxTextLen) // 400 bytes
	if c, err := Normalize(&q.Questions[4], Choice{Text: long}); err != nil || c.Text != long {
		t.Errorf("a text answer of %d Cyrillic letters: %v", MaxTextLen, err)
	}
}

// TestMarshalKeepsClosedQuestions: the encoding that keeps each closed
// question's record from one snapshot to the next is byte for byte the
// plain encoding of the state's fields, before the first question, in the
// middle of one and after each close; and it decodes to the same state.
func TestMarshalKeepsClosedQuestions(t *testing.T) {
	q := testQuiz(scenario.TeamAverage)
	roster := Roster{"p1": "t1", "p2": "t1", "p3": "t2"}
	s := New(scenario.TeamAverage)
	type fields State // the plain encoding, without State's MarshalJSON
	check := func(when string) {
		t.Helper()
		got, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := json.Marshal((*fields)(s))
		if !bytes.Equal(got, want) {
			t.Fatalf("%s:\n got %s\nwant %s", when, got, want)
		}
		var back State
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatal(err)
		}
		again, _ := json.Marshal(&back)
		if !bytes.Equal(again, want) {
			t.Fatalf("%s: decoded and encoded again:\n got %s\nwant %s", when, again, want)
		}
	}
	check("before the first question")
	for i, qu := range q.Questions[:3] {
		at := t0.Add(time.Duration(i) * time.Minute)
		mustStart(t, s, q, at)
		check("open " + qu.ID)
		var c Choice
		switch qu.Type {
		case scenario.Multiple:
			c.Options = []string{"a", "c"}
		case scenario.TrueFalse:
			c.Options = []string{"true"}
		default:
			c.Options = []string{"b"}
		}
		for _, p := range []string{"p1", "p3"} {
			if _, err := s.Submit(q, roster, p, qu.ID, c, at.Add(time.Second)); err != nil {
				t.Fatal(err)
			}
		}
		check("answered " + qu.ID)
		if err := s.Close(q, roster, at.Add(2*time.Second), ClosedByHost); err != nil {
			t.Fatal(err)
		}
		check("closed " + qu.ID)
		if err := s.Advance(q); err != nil {
			t.Fatal(err)
		}
	}
	if len(s.History) != 3 {
		t.Fatalf("%d closed questions, want 3", len(s.History))
	}
}
