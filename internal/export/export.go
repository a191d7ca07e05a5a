// Package export turns a room's results into files people open: CSV, XLSX,
// JSON, and for board stages the partnership document as Markdown, DOCX,
// CSV, JSON and a printable page.
//
// Every text that a player or a scenario author typed (names, team names,
// answers, question texts) is neutralised against spreadsheet formula
// injection; numbers the room computed are written as numbers.
package export

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/huddle-live/huddle/internal/scenario"
	"github.com/huddle-live/huddle/internal/session"
)

// errNoResults is returned when a nil *session.Results is passed in.
var errNoResults = errors.New("export: no results")

// JSON writes the whole of r as indented JSON.
func JSON(w io.Writer, r *session.Results) error {
	if r == nil {
		return errNoResults
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // a file to read, not HTML to embed: keep "<", ">" and "&" legible
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("export json: %w", err)
	}
	return nil
}

// FileName is the name a download is saved under: UTF8 for browsers that
// read RFC 6266's filename*, ASCII for the rest.
type FileName struct {
	UTF8, ASCII string
}

// maxTitleInName is how much of a title goes into a file name, in characters.
const maxTitleInName = 80

// Filename names an export of a room called title, made on created's date,
// with extension ext: "Эффективное партнёрство - рекомендации 2026-11-27.docx",
// and "Effektivnoe partnerstvo - rekomendatsii 2026-11-27.docx" for ASCII.
// Characters Windows, macOS or a header cannot hold in a name become
// spaces or dashes; an empty title is "huddle".
func Filename(title string, created time.Time, ext string) FileName {
	base := nameSafe(title)
	ascii := asciiName(translit(base))
	if !strings.ContainsFunc(ascii, unicode.IsLetter) {
		ascii = ""
	}
	if base == "" {
		base = "huddle"
	}
	if ascii == "" {
		ascii = "huddle"
	}
	if !created.IsZero() {
		day := " " + created.UTC().Format("2006-01-02")
		base, ascii = base+day, ascii+day
	}
	if ext = asciiSafe(strings.TrimPrefix(ext, ".")); ext != "" {
		ext = "." + strings.ToLower(ext)
	}
	return FileName{UTF8: base + ext, ASCII: ascii + ext}
}

// nameSafe keeps letters, digits and common punctuation of a title: a
// separator a file system refuses (":", "/", "\\", "|") becomes " - ",
// other characters a file system or a header refuses go, spaces are
// collapsed, and the result is at most maxTitleInName characters.
func nameSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == ':' || r == '|' || r == '/' || r == '\\':
			return '\x00'
		case r == '"' || r == '*' || r == '?' || r == '<' || r == '>' || unicode.Is(unicode.Cf, r) ||
			unicode.Is(unicode.Co, r) || r == utf8.RuneError:
			return -1
		case unicode.IsControl(r):
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\x00", " - ")), " ")
	for strings.Contains(s, "- -") {
		s = strings.ReplaceAll(s, "- -", "-")
	}
	if r := []rune(s); len(r) > maxTitleInName {
		s = string(r[:maxTitleInName])
	}
	return strings.Trim(s, " -.")
}

// asciiName keeps ASCII letters, digits, spaces, dots and dashes of s.
func asciiName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == ' ' || r == '.' || r == '-' || r == '_') {
			return r
		}
		return -1
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	for strings.Contains(s, "- -") {
		s = strings.ReplaceAll(s, "- -", "-")
	}
	return strings.Trim(s, " -.")
}

// translit writes Russian letters in Latin ones, as passports do (ICAO Doc 9303).
func translit(s string) string {
	var b strings.Builder
	for _, r := range s {
		lower := unicode.ToLower(r)
		l, ok := cyrLatin[lower]
		if !ok {
			b.WriteRune(r)
			continue
		}
		if lower != r && l != "" {
			l = strings.ToUpper(l[:1]) + l[1:]
		}
		b.WriteString(l)
	}
	return b.String()
}

var cyrLatin = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh", 'з': "z", 'и': "i",
	'й': "i", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t",
	'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "ie", 'ы': "y",
	'ь': "", 'э': "e", 'ю': "iu", 'я': "ia",
}

// neutralise defuses text that a spreadsheet would read as a formula: a
// text beginning with '=', '+', '-', '@', a tab or a carriage return gets a
// leading apostrophe (the OWASP "CSV injection" advice). So does every
// piece of it that a CSV reader could split off as a field of its own: the
// text after a ';' (the list separator of Russian and many other locales)
// or a line break, when it begins with such a character, perhaps behind
// quotes. A plain negative decimal such as "-3.5", the answer to a numeric
// question, cannot be a formula and is left alone so that it still reads as
// a number.
func neutralise(s string) string {
	if s == "" {
		return s
	}
	lead := formulaStart(s[0]) && !isNegativeDecimal(s)
	if !lead && !strings.ContainsAny(s, ";\n\r") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	if lead {
		b.WriteByte('\'')
	}
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		switch s[i] {
		case ';', '\n', '\r':
			j := i + 1
			for j < len(s) && s[j] == '"' {
				j++
			}
			if j < len(s) && formulaStart(s[j]) {
				b.WriteByte('\'')
			}
		}
	}
	return b.String()
}

// formulaStart reports whether a spreadsheet may take a field that begins
// with c for a formula.
func formulaStart(c byte) bool { return strings.IndexByte("=+-@\t\r", c) >= 0 }

// isNegativeDecimal reports whether s is "-" followed by digits with at
// most one '.' between digits, and nothing else.
func isNegativeDecimal(s string) bool {
	if len(s) < 2 || s[0] != '-' {
		return false
	}
	digits, dot := 0, false
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot && digits > 0 && i < len(s)-1:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

// cell is one value of a table: text (neutralised when written) or a number.
// A zero cell is blank.
type cell struct {
	text  string
	num   float64
	isNum bool
}

func text(s string) cell { return cell{text: s} }

func integer(n int) cell { return cell{num: float64(n), isNum: true} }

// seconds rounds to milliseconds: enough for "who was faster", and it keeps
// float noise such as 3.4000000000000004 out of the files.
func seconds(s float64) cell { return cell{num: math.Round(s*1000) / 1000, isNum: true} }

// table is one sheet: a header row and data rows of the same width.
type table struct {
	name   string
	header []string
	rows   [][]cell
}

// tables lays r out as the four sheets of an export, labelled in l's language.
func tables(r *session.Results, l *labels) []table {
	teams := table{name: l.teamsSheet, header: l.teamCols}
	for _, t := range r.Teams {
		teams.rows = append(teams.rows, []cell{
			integer(t.Rank), text(t.Name), integer(t.Players), integer(t.Points), integer(t.Correct),
		})
	}

	players := table{name: l.playersSheet, header: l.playerCols}
	for _, p := range r.Players {
		rank := integer(p.Rank)
		if p.Rank == 0 {
			rank = cell{} // kicked players are listed last, without a place
		}
		players.rows = append(players.rows, []cell{
			rank, text(p.Name), text(p.Team), integer(p.Points), integer(p.Correct),
		})
	}

	questions := table{name: l.questionsSheet, header: l.questionCols}
	for _, q := range r.Questions {
		correct := 0
		for _, a := range q.Answers {
			if a.Correct {
				correct++
			}
		}
		correctCell := integer(correct)
		if isPoll(q) {
			correctCell = cell{} // a poll has no right answer to count
		}
		questions.rows = append(questions.rows, []cell{
			integer(q.Number), text(mdPlain(q.Text)), text(l.questionType(q.Type)), text(mdPlain(q.Correct)),
			integer(len(q.Answers)), correctCell, text(l.closedByLabel(q.ClosedBy)),
		})
	}

	out := []table{teams, players, questions, answers(r, l)}
	if len(r.Games) > 0 {
		out = append(out, gameTable(r, l), gamePaths(r, l))
	}
	if len(r.Boards) > 0 {
		out = append(out, recommendations(r, l))
	}
	return out
}

// recommendations is every recommendation of a day's board stages, with
// the teams that wrote it: the board's part of the day's workbook.
func recommendations(r *session.Results, l *labels) table {
	bl := boardLabelsFor(l.lang)
	t := table{name: l.recSheet, header: l.recCols}
	for _, b := range r.Boards {
		for _, rec := range b.Recommendations {
			t.rows = append(t.rows, []cell{text(b.Title), integer(rec.Rank), text(rec.Title), text(rec.Action),
				text(bl.responsibleText(rec.Responsible)), text(rec.Deadline), text(rec.Risk), integer(rec.Votes.Total),
				text(strings.Join(rec.Teams, ", "))})
		}
	}
	return t
}

// gameMeters lists the meters of every game stage once, in order.
func gameMeters(r *session.Results) []session.GameMeter {
	var out []session.GameMeter
	seen := map[string]bool{}
	for _, g := range r.Games {
		for _, m := range g.Meters {
			if !seen[m.ID] {
				seen[m.ID] = true
				out = append(out, m)
			}
		}
	}
	return out
}

func meterCells(meters []session.GameMeter, values map[string]int) []cell {
	out := make([]cell, len(meters))
	for i, m := range meters {
		if v, ok := values[m.ID]; ok {
			out[i] = integer(v)
		}
	}
	return out
}

func meterHeaders(cols []string, meters []session.GameMeter) []string {
	h := slices.Clone(cols)
	for _, m := range meters {
		h = append(h, fmt.Sprintf("%s (%d–%d)", mdPlain(m.Name), m.Low, m.High))
	}
	return h
}

// gameTable is every team's result in every game: balance, endings and
// final meters.
func gameTable(r *session.Results, l *labels) table {
	meters := gameMeters(r)
	t := table{name: l.gameSheet, header: meterHeaders(l.gameCols, meters)}
	for _, g := range r.Games {
		for _, tm := range g.Teams {
			var endings []string
			for _, e := range tm.Endings {
				endings = append(endings, mdPlain(e.CaseTitle)+": "+mdPlain(e.Title))
			}
			row := []cell{text(mdPlain(g.Title)), integer(tm.Rank), text(tm.Name), {num: tm.Balance, isNum: true},
				integer(tm.OutOfBand), text(strings.Join(endings, "; "))}
			t.rows = append(t.rows, append(row, meterCells(meters, tm.Meters)...))
		}
	}
	return t
}

// gamePaths is every step of every team's path, with the meters after it:
// the game's part of the workbook, and the CSV of a room without questions.
func gamePaths(r *session.Results, l *labels) table {
	meters := gameMeters(r)
	t := table{name: l.gamePathSheet, header: meterHeaders(l.gamePathCols, meters)}
	for _, g := range r.Games {
		for _, tm := range g.Teams {
			for i, s := range tm.Path {
				row := []cell{text(mdPlain(g.Title)), text(tm.Name), text(mdPlain(s.CaseTitle)), integer(i + 1), text(mdPlain(s.Text)), text(s.Why), text(l.decided(s.By))}
				t.rows = append(t.rows, append(row, meterCells(meters, s.Meters)...))
			}
		}
	}
	return t
}

// answers is the flat table of every answer, one row each: the CSV export
// and the last sheet of the workbook.
func answers(r *session.Results, l *labels) table {
	t := table{name: l.answersSheet, header: l.answerCols}
	for _, q := range r.Questions {
		for _, a := range q.Answers {
			correct := text(l.yesNo(a.Correct))
			if isPoll(q) {
				correct = cell{}
			}
			t.rows = append(t.rows, []cell{
				integer(q.Number), text(mdPlain(q.Text)), text(l.questionType(q.Type)), text(mdPlain(q.Correct)),
				text(a.Name), text(a.Team), text(choiceText(q, a.Answer)), seconds(a.Seconds),
				correct, integer(a.Points), text(l.yesNo(a.Counted)),
			})
		}
	}
	return t
}

func isPoll(q session.QuestionResult) bool { return q.Type == string(scenario.Poll) }

// choiceText is an answer as text: the options' texts without their
// Markdown for a choice question (written by the scenario's author), and
// what the player typed, untouched, for the others.
func choiceText(q session.QuestionResult, answer string) string {
	switch scenario.QuestionType(q.Type) {
	case scenario.Numeric, scenario.Text:
		return answer
	}
	return mdPlain(answer)
}

// asciiSafe keeps ASCII letters and digits and turns runs of anything else
// into a single '-', trimmed at both ends.
func asciiSafe(s string) string {
	var b strings.Builder
	dash := false
	for _, c := range s {
		if c < 128 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(c)
			continue
		}
		dash = true
	}
	return b.String()
}
