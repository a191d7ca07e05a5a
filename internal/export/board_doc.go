package export

import (
	"fmt"
	"strings"

	"github.com/huddle-live/huddle/internal/session"
)

// The DOCX and the printable page are one document laid out twice: doc
// builds it as blocks, and each format renders the blocks.

type blockKind int

const (
	bTitle blockKind = iota
	bHeading1
	bHeading2
	bPara
	bBullet  // a list item
	bBullet2 // a list item under another
	bNote    // a remark set apart
	bTable
)

type run struct {
	text         string
	bold, italic bool
}

type block struct {
	kind   blockKind
	runs   []run
	header []string   // bTable
	rows   [][]string // bTable
	num    []bool     // bTable: columns of numbers, right-aligned
}

func plain(s string) []run { return []run{{text: s}} }

func field(name, value string) []run {
	return []run{{text: name + ": ", bold: true}, {text: value}}
}

// doc lays out the partnership document.
func doc(r *session.BoardResults, l *boardLabels) []block {
	var out []block
	add := func(b block) { out = append(out, b) }
	add(block{kind: bTitle, runs: plain(r.Room.Title)})
	add(block{kind: bPara, runs: []run{{text: l.subtitle, italic: true}}})
	add(block{kind: bPara, runs: plain(l.draft + ", " + l.date(r.Room.Created) + ".")})

	add(block{kind: bHeading1, runs: plain(l.participants)})
	total := block{kind: bTable, header: []string{l.sector, l.people}, num: []bool{false, true}}
	total.rows = append(total.rows, []string{l.sectorState, fmt.Sprint(r.Sectors.State)}, []string{l.sectorNGO, fmt.Sprint(r.Sectors.NGO)})
	if r.Sectors.Other > 0 {
		total.rows = append(total.rows, []string{l.sectorOther, fmt.Sprint(r.Sectors.Other)})
	}
	total.rows = append(total.rows, []string{l.total, fmt.Sprint(r.Sectors.State + r.Sectors.NGO + r.Sectors.Other)})
	add(total)
	if len(r.Teams) > 0 {
		teams := block{kind: bTable, header: []string{l.team, l.shortState, l.sectorNGO, l.sectorOther}, num: []bool{false, true, true, true}}
		for _, t := range r.Teams {
			teams.rows = append(teams.rows, []string{t.Name, fmt.Sprint(t.State), fmt.Sprint(t.NGO), fmt.Sprint(t.Other)})
		}
		add(teams)
	}

	for _, b := range r.Boards {
		if len(r.Boards) > 1 && b.Title != "" {
			add(block{kind: bHeading1, runs: plain(b.Title)})
		}
		add(block{kind: bHeading1, runs: plain(l.recommendations)})
		if !b.Final && len(b.Recommendations) > 0 {
			add(block{kind: bNote, runs: plain(l.notFinal)})
		}
		if len(b.Recommendations) == 0 {
			add(block{kind: bPara, runs: plain(l.noRecs)})
		} else {
			add(block{kind: bPara, runs: plain(fmt.Sprintf(l.recIntro, b.Dots, l.dots(b.Dots), b.PerCard))})
		}
		for _, rec := range b.Recommendations {
			add(block{kind: bHeading2, runs: plain(fmt.Sprintf("%d. %s", rec.Rank, rec.Title))})
			add(block{kind: bBullet, runs: field(l.action, l.orBlank(rec.Action))})
			add(block{kind: bBullet, runs: field(l.responsible, l.orBlank(l.responsibleText(rec.Responsible)))})
			add(block{kind: bBullet, runs: field(l.deadline, l.orBlank(rec.Deadline))})
			add(block{kind: bBullet, runs: field(l.risk, l.orBlank(rec.Risk))})
			add(block{kind: bBullet, runs: field(l.votes, l.tallyText(rec.Votes))})
			if len(rec.Teams) > 0 {
				add(block{kind: bBullet, runs: field(l.preparedBy, strings.Join(rec.Teams, ", "))})
			}
			add(block{kind: bPara, runs: []run{{text: l.behind + ":", italic: true}}})
			out = append(out, docCards(l, visibleCards(rec.Cards), false)...)
		}

		add(block{kind: bHeading1, runs: plain(l.themes)})
		for _, t := range b.Themes {
			cards := visibleCards(t.Cards)
			if len(cards) == 0 {
				continue
			}
			title := t.Name
			if t.Rank > 0 {
				title += " — " + l.tallyText(t.Votes)
			}
			add(block{kind: bHeading2, runs: plain(title)})
			out = append(out, docCards(l, cards, false)...)
		}

		add(block{kind: bHeading1, runs: plain(l.appendix)})
		for _, pr := range b.Prompts {
			add(block{kind: bHeading2, runs: plain(pr.Question)})
			if pr.Hint != "" {
				add(block{kind: bPara, runs: []run{{text: l.hint + ": " + pr.Hint, italic: true}}})
			}
			var cards []session.CardOut
			for _, c := range visibleCards(b.Cards) {
				if c.Prompt == pr.ID {
					cards = append(cards, c)
				}
			}
			if len(cards) == 0 {
				add(block{kind: bPara, runs: plain(l.noCards)})
				continue
			}
			out = append(out, docCards(l, cards, true)...)
		}
		if n := hiddenCount(b.Cards); n > 0 {
			add(block{kind: bNote, runs: plain(fmt.Sprintf(l.hiddenNote, n))})
		}
	}
	return out
}

func docCards(l *boardLabels, cards []session.CardOut, votes bool) []block {
	var out []block
	for _, c := range cards {
		runs := plain(c.Text)
		if by := cardBy(c); by != "" {
			runs = append(runs, run{text: " — " + by, italic: true})
		}
		if votes && c.Votes.Total > 0 {
			runs = append(runs, run{text: fmt.Sprintf(" (%d %s)", c.Votes.Total, l.dots(c.Votes.Total))})
		}
		if c.Returned {
			runs = append(runs, run{text: " [" + l.returned + "]", italic: true})
		}
		out = append(out, block{kind: bBullet, runs: runs})
		for _, m := range c.Merged {
			out = append(out, block{kind: bBullet2, runs: []run{{text: l.merged + ": ", italic: true}, {text: m}}})
		}
	}
	return out
}
