package scenario

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Quiz defaults and limits, applied at load time.
const (
	DefaultTimeLimit = 20 * time.Second
	MinTimeLimit     = 5 * time.Second
	MaxTimeLimit     = 10 * time.Minute
	DefaultPoints    = 1000
	MaxPoints        = 100000
)

// Length limits, in characters. Texts are shown on a projector and on
// phones, so they are meant to be short.
const (
	maxIDLen          = 64
	maxTitleLen       = 200
	maxDescriptionLen = 2000
	maxQuestionLen    = 1000
	maxExplanationLen = 2000
	maxOptionLen      = 200
	maxTeamNameLen    = 40
	maxAcceptLen      = 200
	maxAccepted       = 50
	maxImageLen       = 500
	minTeams          = 2
	maxTeams          = 20
	minOptions        = 2
	maxOptions        = 8
)

var idPattern = regexp.MustCompile(`^[a-z0-9-]+$`)

var (
	scenarioKeys  = []string{"id", "title", "language", "description", "teams", "stages"}
	quizStageKeys = []string{"id", "kind", "title", "team_mode", "time_limit", "points", "speed_bonus", "streak_bonus", "questions"}
	optionKeys    = []string{"id", "text", "correct"}

	questionKeys = []string{"id", "type", "text", "image", "time_limit", "points", "explanation"}
	// typeKeys are the keys each question type adds to questionKeys.
	typeKeys = map[QuestionType][]string{
		Single:    {"options"},
		Multiple:  {"options"},
		TrueFalse: {"correct"},
		Numeric:   {"answer", "tolerance"},
		Text:      {"accept"},
		Poll:      {"options"},
	}
	questionTypes = []QuestionType{Single, Multiple, TrueFalse, Numeric, Text, Poll}
)

// trueFalseText labels the two options of a truefalse question.
var trueFalseText = map[string][2]string{
	"ru": {"Верно", "Неверно"},
	"en": {"True", "False"},
}

func (d *decoder) scenario(root *yaml.Node) (*Scenario, *yaml.Node) {
	m := d.mapping(root, "a mapping with the scenario's keys (id, title, language, stages)")
	if m == nil {
		return nil, nil
	}
	d.allow(m, scenarioKeys)
	s := &Scenario{File: d.file}
	var idNode *yaml.Node
	s.ID, idNode = d.id(m)
	s.Title = d.text(m, "title", true, maxTitleLen)
	s.Language = d.language(m)
	s.Description = d.text(m, "description", false, maxDescriptionLen)
	s.Teams = d.teams(m)

	v := d.require(m, "stages")
	if v == nil {
		return s, idNode
	}
	if v.Kind != yaml.SequenceNode {
		d.expected(v, "a list of stages")
		return s, idNode
	}
	if len(v.Content) == 0 {
		d.addf(v, "a scenario needs at least one stage")
	}
	seen := make(map[string]int) // stage id → line
	for _, n := range v.Content {
		if st, ok := d.stage(n, s.Language, seen); ok {
			s.Stages = append(s.Stages, st)
		}
	}
	return s, idNode
}

// id reads the required "id" key of m: 1 to 64 lowercase Latin letters,
// digits and dashes.
func (d *decoder) id(m *mapping) (string, *yaml.Node) {
	v := d.require(m, "id")
	if v == nil {
		return "", nil
	}
	s, ok := d.scalarString(v, "an id")
	if !ok {
		return "", nil
	}
	if !d.checkID(v, s) {
		return "", nil
	}
	return s, v
}

func (d *decoder) checkID(v *yaml.Node, s string) bool {
	switch {
	case s == "":
		d.addf(v, "id must not be empty")
	case len(s) > maxIDLen || !idPattern.MatchString(s):
		d.addf(v, "invalid id %q: use up to %d lowercase Latin letters, digits and dashes", s, maxIDLen)
	default:
		return true
	}
	return false
}

func (d *decoder) language(m *mapping) string {
	v := d.require(m, "language")
	if v == nil {
		return ""
	}
	s, ok := d.scalarString(v, "a language code")
	if !ok {
		return ""
	}
	if _, known := trueFalseText[s]; !known {
		d.addf(v, "unknown language %q; allowed: ru, en", s)
		return ""
	}
	return s
}

func (d *decoder) teams(m *mapping) []string {
	v := m.get("teams")
	if v == nil {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		d.expected(v, "a list of team names")
		return nil
	}
	if n := len(v.Content); n < minTeams || n > maxTeams {
		d.addf(v, "teams needs %d to %d names, got %d", minTeams, maxTeams, n)
	}
	var names []string
	seen := make(map[string]int) // lowercased name → line
	for _, n := range v.Content {
		s, ok := d.scalarString(n, "a team name")
		if !ok {
			continue
		}
		d.checkText(n, "team name", s, true, maxTeamNameLen)
		if s == "" {
			continue
		}
		key := strings.ToLower(s)
		if line, dup := seen[key]; dup {
			d.addf(n, "duplicate team name %q (first at line %d)", s, line)
			continue
		}
		seen[key] = n.Line
		names = append(names, s)
	}
	return names
}

// stage reads one stage; ok is false when it cannot be used.
func (d *decoder) stage(n *yaml.Node, lang string, seen map[string]int) (st Stage, ok bool) {
	m := d.mapping(n, "a stage mapping")
	if m == nil {
		return st, false
	}
	id, idNode := d.id(m)
	if idNode != nil {
		if line, dup := seen[id]; dup {
			d.addf(idNode, "duplicate stage id %q (first at line %d)", id, line)
		} else {
			seen[id] = idNode.Line
		}
	}
	st.ID = id

	st.Kind = KindQuiz // a stage without a kind is most likely a quiz: check it as one
	if v := d.require(m, "kind"); v != nil {
		s, ok := d.scalarString(v, "a stage kind")
		if !ok {
			return st, false
		}
		switch StageKind(s) {
		case KindQuiz:
		case KindGame:
			st.Kind = KindGame
			st.Title = d.text(m, "title", false, maxTitleLen)
			st.Game = d.game(m, v, lang)
			return st, st.Game != nil
		case KindBoard:
			st.Kind = KindBoard
			st.Title = d.text(m, "title", false, maxTitleLen)
			st.Board = d.board(m, v, lang)
			return st, st.Board != nil
		default:
			d.addf(v, "unknown stage kind %q; allowed: quiz, game, board", s)
			return st, false
		}
	}

	d.allow(m, quizStageKeys)
	st.Title = d.text(m, "title", false, maxTitleLen)
	q := &Quiz{
		TeamMode:    d.teamMode(m),
		TimeLimit:   d.duration(m, "time_limit", DefaultTimeLimit, MinTimeLimit, MaxTimeLimit),
		Points:      d.integer(m, "points", DefaultPoints, 0, MaxPoints),
		SpeedBonus:  d.boolean(m, "speed_bonus", true),
		StreakBonus: d.boolean(m, "streak_bonus", true),
	}
	st.Quiz = q

	v := d.require(m, "questions")
	if v == nil {
		return st, true
	}
	if v.Kind != yaml.SequenceNode {
		d.expected(v, "a list of questions")
		return st, true
	}
	if len(v.Content) == 0 {
		d.addf(v, "a quiz stage needs at least one question")
	}
	seenQ := make(map[string]int) // question id → line
	for _, n := range v.Content {
		if qn, ok := d.question(n, q, lang, seenQ); ok {
			q.Questions = append(q.Questions, qn)
		}
	}
	return st, true
}

func (d *decoder) teamMode(m *mapping) TeamMode {
	v := m.get("team_mode")
	if v == nil {
		return TeamAverage
	}
	s, ok := d.scalarString(v, "a team mode")
	if !ok {
		return TeamAverage
	}
	switch TeamMode(s) {
	case TeamAverage, TeamShared:
		return TeamMode(s)
	}
	d.addf(v, "unknown team_mode %q; allowed: average, team", s)
	return TeamAverage
}

// question reads one quiz question, resolving its defaults from q.
func (d *decoder) question(n *yaml.Node, q *Quiz, lang string, seen map[string]int) (qn Question, ok bool) {
	m := d.mapping(n, "a question mapping")
	if m == nil {
		return qn, false
	}
	id, idNode := d.id(m)
	if idNode != nil {
		if line, dup := seen[id]; dup {
			d.addf(idNode, "duplicate question id %q in this stage (first at line %d)", id, line)
		} else {
			seen[id] = idNode.Line
		}
	}
	qn.ID = id

	known := false
	if v := d.require(m, "type"); v != nil {
		if s, ok := d.scalarString(v, "a question type"); ok {
			qn.Type = QuestionType(s)
			known = slices.Contains(questionTypes, qn.Type)
			if !known {
				d.addf(v, "unknown question type %q; allowed: single, multiple, truefalse, numeric, text, poll", s)
			}
		}
	}
	if known {
		d.allowQuestion(m, qn.Type)
	} else {
		// Without a type only keys no type knows can be told apart.
		all := slices.Clone(questionKeys)
		for _, t := range questionTypes {
			for _, k := range typeKeys[t] {
				if !slices.Contains(all, k) {
					all = append(all, k)
				}
			}
		}
		d.allow(m, all)
	}

	qn.Text = d.text(m, "text", true, maxQuestionLen)
	qn.Image = d.image(m)
	qn.TimeLimit = d.duration(m, "time_limit", q.TimeLimit, MinTimeLimit, MaxTimeLimit)
	qn.Points = d.integer(m, "points", q.Points, 0, MaxPoints)
	qn.Explanation = d.text(m, "explanation", false, maxExplanationLen)
	if !known {
		return qn, false
	}

	switch qn.Type {
	case Single, Multiple, Poll:
		qn.Options = d.options(m, qn.Type)
	case TrueFalse:
		if v := d.require(m, "correct"); v != nil {
			if b, ok := d.boolValue(v); ok {
				labels := trueFalseText[lang]
				if lang == "" {
					labels = trueFalseText["en"]
				}
				qn.Options = []Option{
					{ID: "true", Text: labels[0], Correct: b},
					{ID: "false", Text: labels[1], Correct: !b},
				}
			}
		}
	case Numeric:
		if v := d.require(m, "answer"); v != nil {
			qn.Answer, _ = d.number(v)
		}
		if v := m.get("tolerance"); v != nil {
			if f, ok := d.number(v); ok {
				if f < 0 {
					d.addf(v, "tolerance must not be negative, got %s", shown(v.Value))
				}
				qn.Tolerance = f
			}
		}
	case Text:
		qn.Accept = d.accept(m)
	}
	if qn.Type == Poll {
		qn.Points = 0 // a poll scores nothing; the points key is refused for it
	}
	return qn, true
}

// allowQuestion reports keys that are unknown, or known but meant for
// another question type.
func (d *decoder) allowQuestion(m *mapping, t QuestionType) {
	allowed := append(slices.Clone(questionKeys), typeKeys[t]...)
	if t == Poll {
		allowed = slices.DeleteFunc(allowed, func(k string) bool { return k == "points" })
	}
	for _, k := range m.keys {
		if slices.Contains(allowed, k) {
			continue
		}
		key := m.entries[k].key
		switch {
		case t == Poll && k == "points":
			d.addf(key, "a poll scores no points; remove \"points\"")
		case t == TrueFalse && k == "options":
			d.addf(key, "a truefalse question takes \"correct: true\" or \"correct: false\" instead of options")
		case isTypeKey(k):
			d.addf(key, "key %q does not apply to a %s question; allowed keys: %s", k, t, strings.Join(allowed, ", "))
		default:
			d.unknownKey(key, allowed)
		}
	}
}

func isTypeKey(k string) bool {
	for _, keys := range typeKeys {
		if slices.Contains(keys, k) {
			return true
		}
	}
	return false
}

// image reads an optional image reference: a relative path inside the
// scenarios directory, or an http(s) URL.
func (d *decoder) image(m *mapping) string {
	v := m.get("image")
	if v == nil {
		return ""
	}
	s, ok := d.scalarString(v, "an image path")
	if !ok {
		return ""
	}
	d.checkText(v, "image", s, true, maxImageLen)
	if strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://") {
		return s
	}
	if strings.Contains(s, "://") || strings.Contains(s, `\`) || path.IsAbs(s) ||
		slices.Contains(strings.Split(s, "/"), "..") {
		d.addf(v, "image %q must be a relative path inside the scenarios directory (like img/team.png) or an http(s) URL", s)
		return ""
	}
	return s
}

// options reads the options of a single, multiple or poll question and
// checks how many of them are correct.
func (d *decoder) options(m *mapping, t QuestionType) []Option {
	v := d.require(m, "options")
	if v == nil {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		d.expected(v, "a list of options")
		return nil
	}
	if n := len(v.Content); n < minOptions || n > maxOptions {
		d.addf(v, "a %s question needs %d to %d options, got %d", t, minOptions, maxOptions, n)
	}
	var (
		opts    []Option
		correct int
		ids     = make(map[string]int) // option id → line
		texts   = make(map[string]int) // lowercased text → line
	)
	for i, n := range v.Content {
		om := d.mapping(n, "an option mapping")
		if om == nil {
			continue
		}
		d.allow(om, optionKeys)
		o := Option{ID: autoOptionID(i)}
		idNode := n
		if iv := om.get("id"); iv != nil {
			if s, ok := d.scalarString(iv, "an id"); ok && d.checkID(iv, s) {
				o.ID, idNode = s, iv
			}
		}
		if line, dup := ids[o.ID]; dup {
			d.addf(idNode, "duplicate option id %q (first at line %d)", o.ID, line)
		} else {
			ids[o.ID] = idNode.Line
		}
		o.Text = d.text(om, "text", true, maxOptionLen)
		if o.Text != "" {
			key := strings.ToLower(o.Text)
			if line, dup := texts[key]; dup {
				d.addf(om.get("text"), "duplicate option text %q (first at line %d)", o.Text, line)
			} else {
				texts[key] = om.get("text").Line
			}
		}
		o.Correct = d.boolean(om, "correct", false)
		if o.Correct {
			correct++
			if t == Poll {
				d.addf(om.get("correct"), "a poll has no correct answer; remove \"correct: true\"")
				o.Correct = false
			}
		}
		opts = append(opts, o)
	}
	switch {
	case t == Single && correct != 1:
		d.addf(v, "a single question needs exactly one correct option, found %d", correct)
	case t == Multiple && correct == 0:
		d.addf(v, "a multiple question needs at least one correct option, found none")
	}
	return opts
}

// autoOptionID names the i-th option "a", "b", "c"… when the file does not.
func autoOptionID(i int) string {
	if i < 26 {
		return string(rune('a' + i))
	}
	return fmt.Sprintf("o%d", i+1)
}

func (d *decoder) accept(m *mapping) []string {
	v := d.require(m, "accept")
	if v == nil {
		return nil
	}
	if v.Kind != yaml.SequenceNode {
		d.expected(v, "a list of accepted answers")
		return nil
	}
	switch n := len(v.Content); {
	case n == 0:
		d.addf(v, "a text question needs at least one accepted answer")
	case n > maxAccepted:
		d.addf(v, "a text question takes at most %d accepted answers, got %d", maxAccepted, n)
	}
	var out []string
	for _, n := range v.Content {
		s, ok := d.scalarString(n, "an accepted answer")
		if !ok {
			continue
		}
		d.checkText(n, "accepted answer", s, true, maxAcceptLen)
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
