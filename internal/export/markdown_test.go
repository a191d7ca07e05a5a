package export

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestMdPlain(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Что означает аббревиатура **НКО**?", "Что означает аббревиатура НКО?"},
		{"__СО__ НКО", "СО НКО"},
		{"*курсив* и _тоже_", "курсив и тоже"},
		{"**жирный** и *курсив*", "жирный и курсив"},
		{"`код`", "код"},
		{"сайт [Добро.рф](https://dobro.ru)", "сайт Добро.рф (https://dobro.ru)"},
		{"[ссылка](#local)", "ссылка"},
		{`\*не курсив\*`, "*не курсив*"},
		{"a * b * c", "a * b * c"},
		{"2 ** 3", "2 ** 3"},
		{"snake_case_name", "snake_case_name"},
		{"**не закрыт", "**не закрыт"},
		{"* список", "* список"},
		{"[не ссылка] (x)", "[не ссылка] (x)"},
		{"", ""},
		{"=1+1", "=1+1"},
	} {
		if got := mdPlain(tc.in); got != tc.want {
			t.Errorf("mdPlain(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestMarkdownLeavesNoMarks: a scenario's Markdown reaches spreadsheet
// cells as the text people read on the screen, while what a player typed
// stays exactly as typed.
func TestMarkdownLeavesNoMarks(t *testing.T) {
	r := fixture()
	q := &r.Questions[0]
	q.Text, q.Correct = "Что означает аббревиатура **НКО**?", "*Некоммерческая* организация"
	q.Answers[0].Answer = "*Некоммерческая* организация"
	r.Questions[1].Answers[0].Answer = "**как есть**"

	var csvOut bytes.Buffer
	if err := CSV(&csvOut, r, "ru"); err != nil {
		t.Fatal(err)
	}
	s := csvOut.String()
	for _, want := range []string{`"Что означает аббревиатура НКО?"`, `"Некоммерческая организация"`, `"**как есть**"`} {
		if !strings.Contains(s, want) {
			t.Errorf("CSV lacks %s:\n%s", want, s)
		}
	}
	if strings.Contains(s, "**НКО**") || strings.Contains(s, "*Некоммерческая*") {
		t.Errorf("CSV keeps Markdown marks:\n%s", s)
	}

	var xlsxOut bytes.Buffer
	if err := XLSX(&xlsxOut, r, "ru"); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&xlsxOut)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	l := labelsFor("ru")
	for _, c := range []struct{ sheet, cell, want string }{
		{l.questionsSheet, "B2", "Что означает аббревиатура НКО?"},
		{l.questionsSheet, "D2", "Некоммерческая организация"},
		{l.answersSheet, "B2", "Что означает аббревиатура НКО?"},
		{l.answersSheet, "G2", "Некоммерческая организация"},
		{l.answersSheet, "G5", "**как есть**"},
	} {
		if v, _ := f.GetCellValue(c.sheet, c.cell); v != c.want {
			t.Errorf("%s!%s = %q, want %q", c.sheet, c.cell, v, c.want)
		}
	}
}
