package scenario

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse feeds arbitrary bytes to Parse. Parse must not panic; it either
// refuses the file with well-formed problems or returns a scenario that
// keeps every promise of the format, and it does the same every time.
func FuzzParse(f *testing.F) {
	shipped, err := filepath.Glob("../../scenarios/*.yaml")
	if err != nil || len(shipped) == 0 {
		f.Fatalf("no shipped scenarios (%v)", err)
	}
	for _, file := range shipped {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(docsExample(f)))

	valid := head + "      - {id: q, type: truefalse, text: Q, correct: true}\n"
	seeds := []string{
		valid,
		head + `      - {id: q, type: single, text: Q, options: [{text: A, correct: true}, {id: b2, text: B}]}
      - {id: r, type: multiple, text: R, time_limit: 1m30s, points: 0, options: [{text: A, correct: true}, {text: B, correct: true}]}
      - {id: n, type: numeric, text: N, answer: -1.5e3, tolerance: 0.5}
      - {id: w, type: text, text: W, accept: [one, " two "]}
      - {id: p, type: poll, text: P, image: img/p.png, options: [{text: "1"}, {text: "2"}]}
`,
		"",
		"# only a comment\n",
		"null\n",
		"---\n...\n",
		valid + "---\n" + valid,
		"\t" + valid,                          // a tab where indentation goes
		strings.ReplaceAll(valid, "  ", "\t"), // tabs throughout
		"\ufeff" + valid,                      // a byte order mark
		strings.Replace(valid, "title: T", "title: \"T\\0\"", 1), // an escaped NUL
		strings.Replace(valid, "title: T", "title: T\x00", 1),    // a raw NUL
		strings.Replace(valid, "title: T", "title: \xc3\x28", 1), // invalid UTF-8
		strings.Replace(valid, "title: T", "title: T\ntitle: U", 1),
		strings.Replace(valid, "title: T", "title: !!binary VA==", 1),
		strings.Replace(valid, "title: T", "title: !custom T", 1),
		strings.Replace(valid, "correct: true}", `correct: true, points: !!int "1\n2"}`, 1),
		"base: &a {id: x, title: T}\n<<: *a\nlanguage: en\nstages: []\n",
		strings.Replace(valid, "correct: true}", "correct: true, <<: {points: 5}}", 1),
		"id: x\ndescription: " + strings.Repeat("[", 20) + strings.Repeat("]", 20) + "\n",
		"{id: x, title: T, language: en, stages: [{id: s, kind: quiz, questions: [{id: q, type: truefalse, text: Q, correct: yes}]}]}",
		"id: x\ntitle: T\nlanguage ru\n",
		strings.Replace(valid, "kind: quiz", "kind: game", 1),
		strings.Replace(valid, "questions:", "time_limit: 10m\n    points: 100000\n    questions:", 1),
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Add(billionLaughs(9))
	f.Add(deepFlow(10000))
	f.Add(flowMapping(2000))

	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			checkProblems(t, s, err)
		} else {
			checkScenario(t, s)
		}
		s2, err2 := Parse("fuzz.yaml", data)
		if !reflect.DeepEqual(s, s2) || !reflect.DeepEqual(err, err2) {
			t.Errorf("a second Parse of the same bytes differs:\nfirst:  %v\nsecond: %v", err, err2)
		}
	})
}

// docsExample returns the complete example of docs/scenarios.md.
func docsExample(tb testing.TB) string {
	tb.Helper()
	doc, err := os.ReadFile("../../docs/scenarios.md")
	if err != nil {
		tb.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "```yaml\n")
	if !ok {
		tb.Fatal("docs/scenarios.md has no yaml example")
	}
	example, _, _ := strings.Cut(rest, "```")
	return example
}

// checkProblems checks what Parse returned for a refused file: no scenario
// and a *Problems (Parse does no I/O, so there is no read error to wrap)
// whose every problem says something and points into the file, sorted by
// position.
func checkProblems(t *testing.T, s *Scenario, err error) {
	t.Helper()
	if s != nil {
		t.Errorf("Parse returned a scenario along with %v", err)
	}
	var ps *Problems
	if !errors.As(err, &ps) {
		t.Fatalf("error is %T (%v), want *Problems", err, err)
	}
	if len(ps.List) == 0 {
		t.Fatal("*Problems with no problem in it")
	}
	for _, p := range ps.List {
		switch {
		case p.Msg == "":
			t.Errorf("problem without a message: %+v", p)
		case !utf8.ValidString(p.Msg):
			t.Errorf("problem message is not valid UTF-8: %q", p.Msg)
		case strings.Contains(p.Msg, "\n"):
			t.Errorf("problem message spans lines, breaking one-problem-per-line output: %q", p.Msg)
		case p.File != "fuzz.yaml":
			t.Errorf("problem names file %q, want fuzz.yaml: %v", p.File, p)
		case p.Line < 0 || p.Col < 0 || (p.Line == 0 && p.Col != 0):
			t.Errorf("problem has a bad position: %+v", p)
		case p.Line == 0 && !wholeFile(p.Msg):
			t.Errorf("problem with no line is not about the whole file: %v", p)
		case p.Col == 0 && !wholeFile(p.Msg):
			// Only the YAML parser reports a line without a column.
			t.Errorf("problem with no column: %v", p)
		}
	}
	if !slices.IsSortedFunc(ps.List, func(a, b Problem) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Col - b.Col
	}) {
		t.Errorf("problems are not sorted by position:\n%v", ps)
	}
}

// wholeFile reports whether a problem message may come without a position:
// the file's size, its emptiness, or a YAML syntax error the parser could
// not place.
func wholeFile(msg string) bool {
	return strings.HasPrefix(msg, "YAML syntax error: ") ||
		msg == "the file is empty" ||
		strings.HasPrefix(msg, "the file is larger than")
}

// checkScenario checks every promise Parse makes about a scenario it
// accepts: required values present, limits kept, ids unique, defaults
// resolved, and nothing that JSON cannot carry to the pages.
func checkScenario(t *testing.T, s *Scenario) {
	t.Helper()
	if s == nil {
		t.Fatal("Parse returned neither a scenario nor an error")
	}
	if s.File != "fuzz.yaml" {
		t.Errorf("File = %q, want fuzz.yaml", s.File)
	}
	checkID(t, "scenario", s.ID)
	checkText(t, "title", s.Title, true, maxTitleLen)
	checkText(t, "description", s.Description, false, maxDescriptionLen)
	if _, ok := trueFalseText[s.Language]; !ok {
		t.Errorf("language %q", s.Language)
	}
	if s.Teams != nil && (len(s.Teams) < minTeams || len(s.Teams) > maxTeams) {
		t.Errorf("%d teams", len(s.Teams))
	}
	teams := make(map[string]bool)
	for _, name := range s.Teams {
		checkText(t, "team name", name, true, maxTeamNameLen)
		if teams[strings.ToLower(name)] {
			t.Errorf("duplicate team %q", name)
		}
		teams[strings.ToLower(name)] = true
	}
	if len(s.Stages) == 0 {
		t.Error("no stages")
	}
	stages := make(map[string]bool)
	for _, st := range s.Stages {
		checkID(t, "stage", st.ID)
		if stages[st.ID] {
			t.Errorf("duplicate stage id %q", st.ID)
		}
		stages[st.ID] = true
		checkText(t, "stage title", st.Title, false, maxTitleLen)
		if st.Kind == KindGame && st.Game != nil && st.Quiz == nil {
			checkGame(t, st.ID, st.Game)
			continue
		}
		if st.Kind == KindBoard && st.Board != nil && st.Quiz == nil {
			checkBoard(t, st.ID, st.Board)
			continue
		}
		if st.Kind != KindQuiz || st.Quiz == nil {
			t.Errorf("stage %s: kind %q, quiz %v", st.ID, st.Kind, st.Quiz)
			continue
		}
		checkQuiz(t, st.ID, st.Quiz)
	}
	if _, err := json.Marshal(s); err != nil {
		t.Errorf("the scenario does not marshal to JSON: %v", err)
	}
}

func checkQuiz(t *testing.T, stage string, q *Quiz) {
	t.Helper()
	if q.TeamMode != TeamAverage && q.TeamMode != TeamShared {
		t.Errorf("stage %s: team mode %q", stage, q.TeamMode)
	}
	if q.TimeLimit < MinTimeLimit || q.TimeLimit > MaxTimeLimit {
		t.Errorf("stage %s: time limit %v", stage, q.TimeLimit)
	}
	if q.Points < 0 || q.Points > MaxPoints {
		t.Errorf("stage %s: points %d", stage, q.Points)
	}
	if len(q.Questions) == 0 {
		t.Errorf("stage %s: no questions", stage)
	}
	ids := make(map[string]bool)
	for _, qn := range q.Questions {
		checkID(t, "question", qn.ID)
		if ids[qn.ID] {
			t.Errorf("stage %s: duplicate question id %q", stage, qn.ID)
		}
		ids[qn.ID] = true
		checkQuestion(t, qn)
	}
}

func checkQuestion(t *testing.T, q Question) {
	t.Helper()
	checkText(t, "question text", q.Text, true, maxQuestionLen)
	checkText(t, "explanation", q.Explanation, false, maxExplanationLen)
	checkText(t, "image", q.Image, false, maxImageLen)
	if !strings.HasPrefix(q.Image, "https://") && !strings.HasPrefix(q.Image, "http://") &&
		(strings.Contains(q.Image, "://") || strings.Contains(q.Image, `\`) || path.IsAbs(q.Image) ||
			slices.Contains(strings.Split(q.Image, "/"), "..")) {
		t.Errorf("question %s: image %q points outside the scenarios directory", q.ID, q.Image)
	}
	if q.TimeLimit < MinTimeLimit || q.TimeLimit > MaxTimeLimit {
		t.Errorf("question %s: time limit %v", q.ID, q.TimeLimit)
	}
	if q.Points < 0 || q.Points > MaxPoints || (q.Type == Poll && q.Points != 0) {
		t.Errorf("question %s (%s): points %d", q.ID, q.Type, q.Points)
	}
	correct := 0
	ids := make(map[string]bool)
	texts := make(map[string]bool)
	for _, o := range q.Options {
		checkID(t, "option", o.ID)
		checkText(t, "option text", o.Text, true, maxOptionLen)
		if ids[o.ID] || texts[strings.ToLower(o.Text)] {
			t.Errorf("question %s: duplicate option %+v", q.ID, o)
		}
		ids[o.ID], texts[strings.ToLower(o.Text)] = true, true
		if o.Correct {
			correct++
		}
	}
	hasOptions := len(q.Options) >= minOptions && len(q.Options) <= maxOptions
	ok := true
	switch q.Type {
	case Single:
		ok = hasOptions && correct == 1
	case Multiple:
		ok = hasOptions && correct >= 1
	case Poll:
		ok = hasOptions && correct == 0
	case TrueFalse:
		ok = len(q.Options) == 2 && correct == 1 &&
			q.Options[0].ID == "true" && q.Options[1].ID == "false"
	case Numeric:
		ok = len(q.Options) == 0 && !math.IsNaN(q.Answer) && !math.IsInf(q.Answer, 0) &&
			q.Tolerance >= 0 && !math.IsInf(q.Tolerance, 0)
	case Text:
		ok = len(q.Options) == 0 && len(q.Accept) >= 1 && len(q.Accept) <= maxAccepted
		for _, a := range q.Accept {
			checkText(t, "accepted answer", a, true, maxAcceptLen)
		}
	default:
		ok = false
	}
	if q.Type != Text && q.Accept != nil {
		ok = false
	}
	if !ok {
		t.Errorf("question %s breaks the rules of its type: %+v", q.ID, q)
	}
}

func checkID(t *testing.T, what, id string) {
	t.Helper()
	if id == "" || len(id) > maxIDLen || !idPattern.MatchString(id) {
		t.Errorf("%s id %q", what, id)
	}
}

// checkText checks a text the loader accepted: valid UTF-8 (it reaches
// pages as JSON), trimmed, present when required, and within its length.
func checkText(t *testing.T, what, s string, required bool, maxRunes int) {
	t.Helper()
	switch n := utf8.RuneCountInString(s); {
	case !utf8.ValidString(s):
		t.Errorf("%s %q is not valid UTF-8", what, s)
	case s != strings.TrimSpace(s):
		t.Errorf("%s %q is not trimmed", what, s)
	case required && n == 0:
		t.Errorf("%s is empty", what)
	case n > maxRunes:
		t.Errorf("%s has %d characters, at most %d", what, n, maxRunes)
	}
}

// checkGame checks what the engine relies on in an accepted game: every
// jump lands on a node of its case or ends it, every node has a default it
// can always take, effects and conditions name meters, every case has a
// catch-all ending.
func checkGame(t *testing.T, stage string, g *Game) {
	t.Helper()
	if len(g.Meters) == 0 || len(g.Cases) == 0 {
		t.Errorf("game %s: %d meters, %d cases", stage, len(g.Meters), len(g.Cases))
	}
	for _, mt := range g.Meters {
		if mt.Low >= mt.High {
			t.Errorf("game %s: meter %s band [%d, %d]", stage, mt.ID, mt.Low, mt.High)
		}
	}
	for _, c := range g.Cases {
		if c.Node(c.Start) == nil {
			t.Errorf("game %s: case %s starts at missing node %q", stage, c.ID, c.Start)
		}
		if n := len(c.Endings); n == 0 || len(c.Endings[n-1].If) > 0 {
			t.Errorf("game %s: case %s has no catch-all ending", stage, c.ID)
		}
		for _, n := range c.Nodes {
			d := n.Choice(n.Default)
			if d == nil || len(d.If) > 0 || d.Once {
				t.Errorf("game %s: node %s/%s default %q", stage, c.ID, n.ID, n.Default)
			}
			if n.TimeLimit < MinNodeTime || n.TimeLimit > MaxNodeTime {
				t.Errorf("game %s: node %s/%s time limit %v", stage, c.ID, n.ID, n.TimeLimit)
			}
			for _, ch := range n.Choices {
				if ch.Next != End && c.Node(ch.Next) == nil {
					t.Errorf("game %s: choice %s/%s/%s jumps to %q", stage, c.ID, n.ID, ch.ID, ch.Next)
				}
				for k := range ch.Effects {
					if g.Meter(k) == nil {
						t.Errorf("game %s: effect on unknown meter %q", stage, k)
					}
				}
				for _, cmp := range ch.If {
					if g.Meter(cmp.Meter) == nil {
						t.Errorf("game %s: condition on unknown meter %q", stage, cmp.Meter)
					}
				}
			}
		}
	}
}
