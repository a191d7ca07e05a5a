package scenario

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// head is a valid scenario up to its first question list; it takes lines
// 1–7, so the question lines a test appends start at line 8.
const head = `id: x
title: T
language: ru
stages:
  - id: s
    kind: quiz
    questions:
`

// mustProblems parses src and returns its problems, failing the test when
// the file is valid or the error is not a *Problems.
func mustProblems(t *testing.T, src string) *Problems {
	t.Helper()
	s, err := Parse("t.yaml", []byte(src))
	if err == nil {
		t.Fatalf("Parse succeeded, want problems; got scenario %q", s.ID)
	}
	var ps *Problems
	if !errors.As(err, &ps) {
		t.Fatalf("error is %T (%v), want *Problems", err, err)
	}
	if s != nil {
		t.Errorf("Parse returned a scenario along with problems")
	}
	return ps
}

func TestParseReportsProblems(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		want  []string // each a substring of the error, "line:col: message"
		count int      // number of problems, when the case pins it
	}{
		{
			name: "unknown key",
			src: `id: x
title: T
language: ru
titel: T2
stages:
  - id: s
    kind: quiz
    questions:
      - id: q
        type: truefalse
        text: Q
        correct: true
`,
			want:  []string{`t.yaml:4:1: unknown key "titel" (did you mean "title"?); allowed keys: id, title, language, description, teams, stages`},
			count: 1,
		},
		{
			name: "missing required keys at the mapping",
			src: `id: x
language: ru
`,
			want:  []string{`1:1: missing required key "title"`, `1:1: missing required key "stages"`},
			count: 2,
		},
		{
			name: "options given as a string",
			src: head + `      - id: q
        type: single
        text: Q
        options: a, b
`,
			want:  []string{`11:18: expected a list of options, got a string`},
			count: 1,
		},
		{
			name: "duplicate key",
			src: head + `      - id: q
        type: truefalse
        text: Q
        correct: true
        text: Again
`,
			want: []string{`12:9: duplicate key "text" (first at line 10)`},
		},
		{
			name: "duplicate stage id",
			src: `id: x
title: T
language: en
stages:
  - id: s
    kind: quiz
    questions:
      - {id: q, type: truefalse, text: Q, correct: true}
  - id: s
    kind: quiz
    questions:
      - {id: q, type: truefalse, text: Q, correct: true}
`,
			want:  []string{`9:9: duplicate stage id "s" (first at line 5)`},
			count: 1,
		},
		{
			name: "duplicate question id",
			src: head + `      - {id: q, type: truefalse, text: Q, correct: true}
      - {id: q, type: truefalse, text: R, correct: false}
`,
			want:  []string{`9:14: duplicate question id "q" in this stage (first at line 8)`},
			count: 1,
		},
		{
			name: "explicit option id clashes with an automatic one",
			src: head + `      - id: q
        type: single
        text: Q
        options:
          - {text: A, correct: true}
          - {id: a, text: B}
`,
			want:  []string{`13:18: duplicate option id "a" (first at line 12)`},
			count: 1,
		},
		{
			name: "single with two correct options",
			src: head + `      - id: q
        type: single
        text: Q
        options:
          - {text: A, correct: true}
          - {text: B, correct: true}
`,
			want:  []string{`12:11: a single question needs exactly one correct option, found 2`},
			count: 1,
		},
		{
			name: "truefalse without correct",
			src: head + `      - id: q
        type: truefalse
        text: Q
`,
			want:  []string{`8:9: missing required key "correct"`},
			count: 1,
		},
		{
			name: "truefalse with options",
			src: head + `      - id: q
        type: truefalse
        text: Q
        options:
          - {text: Yes, correct: true}
          - {text: No}
`,
			want: []string{
				`8:9: missing required key "correct"`,
				`11:9: a truefalse question takes "correct: true" or "correct: false" instead of options`,
			},
			count: 2,
		},
		{
			name: "multiple without a correct option",
			src: head + `      - id: q
        type: multiple
        text: Q
        options:
          - text: A
          - text: B
`,
			want:  []string{`12:11: a multiple question needs at least one correct option, found none`},
			count: 1,
		},
		{
			name: "poll with a correct option and points",
			src: head + `      - id: q
        type: poll
        text: Q
        points: 100
        options:
          - text: A
            correct: true
          - text: B
`,
			want: []string{
				`11:9: a poll scores no points; remove "points"`,
				`14:22: a poll has no correct answer; remove "correct: true"`,
			},
			count: 2,
		},
		{
			name: "numeric without answer",
			src: head + `      - id: q
        type: numeric
        text: Q
        tolerance: 1
`,
			want:  []string{`8:9: missing required key "answer"`},
			count: 1,
		},
		{
			name: "text without accept, with a key of another type",
			src: head + `      - id: q
        type: text
        text: Q
        answer: 42
`,
			want: []string{
				`8:9: missing required key "accept"`,
				`11:9: key "answer" does not apply to a text question; allowed keys: id, type, text, image, time_limit, points, explanation, accept`,
			},
			count: 2,
		},
		{
			name: "bad durations",
			src: head + `      - id: q
        type: truefalse
        text: Q
        correct: true
        time_limit: 20 seconds
      - id: r
        type: truefalse
        text: R
        correct: true
        time_limit: 20
`,
			want: []string{
				`12:21: time_limit: "20 seconds" is not a duration; write it like 20s, 90s or 1m30s`,
				`17:21: time_limit needs a unit: write 20s for seconds`,
			},
			count: 2,
		},
		{
			name: "values out of range",
			src: `id: x
title: T
language: ru
stages:
  - id: s
    kind: quiz
    points: 200000
    time_limit: 1s
    questions:
      - {id: q, type: numeric, text: Q, answer: 1, tolerance: -1, time_limit: 11m}
`,
			want: []string{
				`7:13: points must be between 0 and 100000, got 200000`,
				`8:17: time_limit must be between 5s and 10m, got 1s`,
				`10:63: tolerance must not be negative, got -1`,
				`10:79: time_limit must be between 5s and 10m, got 11m`,
			},
			count: 4,
		},
		{
			name: "unknown language, team mode and question type",
			src: `id: x
title: T
language: de
stages:
  - id: s
    kind: quiz
    team_mode: solo
    questions:
      - id: q
        type: essay
        text: Q
`,
			want: []string{
				`3:11: unknown language "de"; allowed: ru, en`,
				`7:16: unknown team_mode "solo"; allowed: average, team`,
				`10:15: unknown question type "essay"; allowed: single, multiple, truefalse, numeric, text, poll`,
			},
			count: 3,
		},
		{
			name: "unknown stage kind, and a board's own keys",
			src: `id: x
title: T
language: ru
stages:
  - id: s
    kind: board
    rounds: 3
  - id: t
    kind: quizz
`,
			want: []string{
				`5:5: missing required key "prompts"`,
				`7:5: unknown key "rounds"`,
				`9:11: unknown stage kind "quizz"; allowed: quiz, game, board`,
			},
			count: 3,
		},
		{
			name: "empty text",
			src: head + `      - id: q
        type: truefalse
        text: "  "
        correct: true
`,
			want:  []string{`10:15: text must not be empty`},
			count: 1,
		},
		{
			name: "aliases and anchors",
			src: `id: x
title: &t T
language: ru
description: *t
stages:
  - {id: s, kind: quiz, questions: [{id: q, type: truefalse, text: Q, correct: true}]}
`,
			want: []string{
				`2:8: anchors are not allowed in scenario files (found &t)`,
				`4:14: aliases are not allowed in scenario files`,
			},
			count: 2,
		},
		{
			name: "invalid ids and a wrong type for correct",
			src: `id: Partnership Quiz
title: T
language: ru
stages:
  - id: s
    kind: quiz
    questions:
      - id: q_1
        type: truefalse
        text: Q
        correct: "yes"
`,
			want: []string{
				`1:5: invalid id "Partnership Quiz": use up to 64 lowercase Latin letters, digits and dashes`,
				`8:13: invalid id "q_1"`,
				`11:18: expected true or false, got a string`,
			},
			count: 3,
		},
		{
			name: "teams",
			src: `id: x
title: T
language: ru
teams: [Команда, команда, ""]
stages:
  - {id: s, kind: quiz, questions: [{id: q, type: truefalse, text: Q, correct: true}]}
`,
			want: []string{
				`4:18: duplicate team name "команда" (first at line 4)`,
				`4:27: team name must not be empty`,
			},
			count: 2,
		},
		{
			name: "too few options, too many options",
			src: head + `      - id: q
        type: single
        text: Q
        options: [{text: A, correct: true}]
      - id: r
        type: poll
        text: R
        options: [{text: "1"}, {text: "2"}, {text: "3"}, {text: "4"}, {text: "5"}, {text: "6"}, {text: "7"}, {text: "8"}, {text: "9"}]
`,
			want: []string{
				`11:18: a single question needs 2 to 8 options, got 1`,
				`15:18: a poll question needs 2 to 8 options, got 9`,
			},
			count: 2,
		},
		{
			name: "duplicate option text, image outside the directory",
			src: head + `      - id: q
        type: single
        text: Q
        image: ../secret.png
        options:
          - {text: Да, correct: true}
          - {text: да}
`,
			want: []string{
				`11:16: image "../secret.png" must be a relative path inside the scenarios directory`,
				`14:20: duplicate option text "да" (first at line 13)`,
			},
			count: 2,
		},
		{
			name: "stages of the wrong shape",
			src: `id: x
title: T
language: ru
stages:
  - just a string
  - id: s
    kind: quiz
    questions: []
`,
			want: []string{
				`5:5: expected a stage mapping, got a string`,
				`8:16: a quiz stage needs at least one question`,
			},
			count: 2,
		},
		{
			name:  "syntax error",
			src:   "id: x\ntitle: T\nlanguage ru\nstages: []\n",
			want:  []string{`t.yaml:3: YAML syntax error: could not find expected ':'`},
			count: 1,
		},
		{
			name:  "two documents",
			src:   head + "      - {id: q, type: truefalse, text: Q, correct: true}\n---\nid: y\n",
			want:  []string{`9:1: only one YAML document is allowed per file`},
			count: 1,
		},
		{
			name:  "empty file",
			src:   "# nothing here\n",
			want:  []string{`t.yaml: the file is empty`},
			count: 1,
		},
		{
			name:  "not a mapping",
			src:   "- id: x\n",
			want:  []string{`1:1: expected a mapping with the scenario's keys (id, title, language, stages), got a list`},
			count: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := mustProblems(t, tt.src)
			msg := ps.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("problems do not contain %q; got:\n%s", w, msg)
				}
			}
			if tt.count > 0 && len(ps.List) != tt.count {
				t.Errorf("got %d problems, want %d:\n%s", len(ps.List), tt.count, msg)
			}
		})
	}
}

func TestParseReportsEveryProblemAtOnce(t *testing.T) {
	src := `id: x
title: ""
language: ru
stages:
  - id: s
    kind: quiz
    questions:
      - id: q
        type: single
        text: Q
        options:
          - text: A
          - text: B
      - id: r
        type: numeric
        text: R
        answer: many
`
	ps := mustProblems(t, src)
	want := []string{
		`t.yaml:2:8: title must not be empty`,
		`t.yaml:12:11: a single question needs exactly one correct option, found 0`,
		`t.yaml:17:17: expected a number, got a string`,
	}
	if got := ps.Error(); got != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

func TestParseLimits(t *testing.T) {
	t.Run("size", func(t *testing.T) {
		src := head + "# " + strings.Repeat("x", MaxFileSize) + "\n"
		ps := mustProblems(t, src)
		if want := "t.yaml: the file is larger than the 1024 KiB limit"; ps.Error() != want {
			t.Errorf("got %q, want %q", ps.Error(), want)
		}
	})
	t.Run("depth", func(t *testing.T) {
		src := "id: x\ndescription: " + strings.Repeat("[", 20) + strings.Repeat("]", 20) + "\n"
		ps := mustProblems(t, src)
		if want := "2:29: nesting is too deep (more than 16 levels)"; !strings.Contains(ps.Error(), want) {
			t.Errorf("problems do not contain %q; got:\n%s", want, ps.Error())
		}
	})
}

func TestParseResolvesDefaults(t *testing.T) {
	src := `id: demo
title: Демо
language: ru
description: |
  Две стадии.
teams: [Синие, Красные]
stages:
  - id: one
    kind: quiz
    time_limit: 30s
    questions:
      - id: tf
        type: truefalse
        text: Волонтёр работает безвозмездно.
        correct: true
        explanation: Верно.
      - id: pick
        type: single
        text: |
          **Выберите** один
        points: 500
        time_limit: 1m30s
        options:
          - text: Первый
          - id: second
            text: Второй
            correct: true
          - text: 42
      - id: num
        type: numeric
        text: Сколько?
        answer: 60
        tolerance: 0.5
  - id: two
    kind: quiz
    title: Вторая
    team_mode: team
    points: 0
    speed_bonus: false
    streak_bonus: false
    questions:
      - id: words
        type: text
        text: Слово?
        accept: [договор, Контракт]
      - id: vote
        type: poll
        text: Как вам?
        image: img/vote.png
        options:
          - text: Да
          - text: Нет
`
	got, err := Parse("demo.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := &Scenario{
		ID: "demo", Title: "Демо", Language: "ru", Description: "Две стадии.",
		Teams: []string{"Синие", "Красные"},
		File:  "demo.yaml",
		Stages: []Stage{
			{ID: "one", Kind: KindQuiz, Quiz: &Quiz{
				TeamMode: TeamAverage, TimeLimit: 30 * time.Second, Points: 1000,
				SpeedBonus: true, StreakBonus: true,
				Questions: []Question{
					{ID: "tf", Type: TrueFalse, Text: "Волонтёр работает безвозмездно.",
						TimeLimit: 30 * time.Second, Points: 1000, Explanation: "Верно.",
						Options: []Option{{ID: "true", Text: "Верно", Correct: true}, {ID: "false", Text: "Неверно"}}},
					{ID: "pick", Type: Single, Text: "**Выберите** один",
						TimeLimit: 90 * time.Second, Points: 500,
						Options: []Option{{ID: "a", Text: "Первый"}, {ID: "second", Text: "Второй", Correct: true}, {ID: "c", Text: "42"}}},
					{ID: "num", Type: Numeric, Text: "Сколько?",
						TimeLimit: 30 * time.Second, Points: 1000, Answer: 60, Tolerance: 0.5},
				},
			}},
			{ID: "two", Kind: KindQuiz, Title: "Вторая", Quiz: &Quiz{
				TeamMode: TeamShared, TimeLimit: 20 * time.Second, Points: 0,
				Questions: []Question{
					{ID: "words", Type: Text, Text: "Слово?", TimeLimit: 20 * time.Second,
						Accept: []string{"договор", "Контракт"}},
					{ID: "vote", Type: Poll, Text: "Как вам?", Image: "img/vote.png", TimeLimit: 20 * time.Second,
						Options: []Option{{ID: "a", Text: "Да"}, {ID: "b", Text: "Нет"}}},
				},
			}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("got:\n%s\nwant:\n%s", g, w)
	}
}

func TestParseTrueFalseInEnglish(t *testing.T) {
	src := strings.Replace(head, "language: ru", "language: en", 1) +
		"      - {id: q, type: truefalse, text: Q, correct: false}\n"
	s, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := s.Stages[0].Quiz.Questions[0].Options
	want := []Option{{ID: "true", Text: "True"}, {ID: "false", Text: "False", Correct: true}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("options = %+v, want %+v", got, want)
	}
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	valid := head + "      - {id: q, type: truefalse, text: Q, correct: true}\n"
	files := map[string]string{
		"a.yaml":      valid,
		"b.yml":       valid, // same id "x" as a.yaml
		"c.yaml":      strings.Replace(valid, "id: x", "id: y", 1),
		"d.yaml":      strings.Replace(valid, "kind: quiz", "kind: bored", 1),
		"notes.txt":   "not a scenario",
		".draft.yaml": "broken: [",
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := LoadDir(dir)
	var ps *Problems
	if !errors.As(err, &ps) {
		t.Fatalf("error is %T (%v), want *Problems", err, err)
	}
	want := []string{
		filepath.Join(dir, "b.yml") + `:1:5: duplicate scenario id "x" (first in ` + filepath.Join(dir, "a.yaml") + `)`,
		filepath.Join(dir, "d.yaml") + `:6:11: unknown stage kind "bored"; allowed: quiz, game, board`,
	}
	if ps.Error() != strings.Join(want, "\n") {
		t.Errorf("got:\n%s\nwant:\n%s", ps.Error(), strings.Join(want, "\n"))
	}
	var ids []string
	for _, s := range got {
		ids = append(ids, s.ID)
	}
	if strings.Join(ids, ",") != "x,y" {
		t.Errorf("loaded %v, want [x y]", ids)
	}
	if got[0].File != filepath.Join(dir, "a.yaml") {
		t.Errorf("File = %q, want a.yaml", got[0].File)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "none.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want os.ErrNotExist", err)
	}
}

func TestShippedScenariosLoad(t *testing.T) {
	got, err := LoadDir("../../scenarios")
	if err != nil {
		t.Fatalf("shipped scenarios have problems:\n%v", err)
	}
	if len(got) == 0 {
		t.Fatal("no shipped scenarios")
	}
	for _, s := range got {
		types := make(map[QuestionType]bool)
		quizzes := 0
		for _, st := range s.Stages {
			if st.Quiz == nil {
				continue
			}
			quizzes++
			for _, q := range st.Quiz.Questions {
				types[q.Type] = true
				if q.Type != Poll && q.Explanation == "" {
					t.Errorf("%s: question %s/%s has no explanation", s.File, st.ID, q.ID)
				}
			}
		}
		for _, qt := range questionTypes {
			if quizzes > 0 && !types[qt] {
				t.Errorf("%s uses no %s question", s.File, qt)
			}
		}
	}
}

// TestShippedTranslationsMatch keeps the Russian and English quizzes in
// step: same stages, questions, types, answers and settings.
func TestShippedTranslationsMatch(t *testing.T) {
	ru, err := Load("../../scenarios/partnership-quiz.ru.yaml")
	if err != nil {
		t.Fatal(err)
	}
	en, err := Load("../../scenarios/partnership-quiz.en.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if ru.Language != "ru" || en.Language != "en" {
		t.Errorf("languages = %s, %s; want ru, en", ru.Language, en.Language)
	}
	if len(ru.Stages) != len(en.Stages) {
		t.Fatalf("%d stages in ru, %d in en", len(ru.Stages), len(en.Stages))
	}
	for i := range ru.Stages {
		r, e := ru.Stages[i], en.Stages[i]
		if r.ID != e.ID || len(r.Quiz.Questions) != len(e.Quiz.Questions) {
			t.Errorf("stage %d: ru %s with %d questions, en %s with %d", i, r.ID, len(r.Quiz.Questions), e.ID, len(e.Quiz.Questions))
			continue
		}
		rq, eq := *r.Quiz, *e.Quiz
		rq.Questions, eq.Questions = nil, nil
		if !reflect.DeepEqual(rq, eq) {
			t.Errorf("stage %s: settings differ: ru %+v, en %+v", r.ID, rq, eq)
		}
		for j := range r.Quiz.Questions {
			a, b := r.Quiz.Questions[j], e.Quiz.Questions[j]
			if a.ID != b.ID || a.Type != b.Type || a.TimeLimit != b.TimeLimit || a.Points != b.Points ||
				a.Answer != b.Answer || a.Tolerance != b.Tolerance || len(a.Options) != len(b.Options) {
				t.Errorf("stage %s question %d differs: ru %s, en %s", r.ID, j, a.ID, b.ID)
				continue
			}
			for k := range a.Options {
				if a.Options[k].ID != b.Options[k].ID || a.Options[k].Correct != b.Options[k].Correct {
					t.Errorf("question %s option %d differs", a.ID, k)
				}
			}
		}
	}
}

func TestProblemString(t *testing.T) {
	tests := []struct {
		p    Problem
		want string
	}{
		{Problem{File: "f.yaml", Line: 3, Col: 7, Msg: "m"}, "f.yaml:3:7: m"},
		{Problem{File: "f.yaml", Line: 3, Msg: "m"}, "f.yaml:3: m"},
		{Problem{File: "f.yaml", Msg: "m"}, "f.yaml: m"},
		{Problem{Line: 3, Col: 7, Msg: "m"}, "3:7: m"},
	}
	for _, tt := range tests {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%+v: got %q, want %q", tt.p, got, tt.want)
		}
	}
}

// TestDocsExampleParses keeps the complete example of docs/scenarios.md valid.
func TestDocsExampleParses(t *testing.T) {
	s, err := Parse("docs/scenarios.md", []byte(docsExample(t)))
	if err != nil {
		t.Fatalf("the example has problems:\n%v", err)
	}
	q := s.Stages[0].Quiz.Questions
	if len(q) != 6 || q[2].Options[2].ID != "shares" || q[2].TimeLimit != 40*time.Second || q[1].TimeLimit != 20*time.Second {
		t.Errorf("example resolved unexpectedly: %+v", q)
	}
}
