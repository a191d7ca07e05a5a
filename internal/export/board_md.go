package export

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/huddle-live/huddle/internal/session"
)

// BoardMarkdown writes the board stages of a room as a Markdown document
// that reads as a draft partnership model: title, date, participants by
// sector, ranked recommendations with their fields and votes, themes with
// their cards, and an appendix of all cards. Words are Russian unless lang
// is "en".
func BoardMarkdown(w io.Writer, r *session.BoardResults, lang string) error {
	if r == nil {
		return errNoResults
	}
	l := boardLabelsFor(lang)
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }

	p("# %s\n\n", mdEscape(r.Room.Title))
	p("%s. %s, %s.\n\n", l.subtitle, l.draft, l.date(r.Room.Created))

	p("## %s\n\n", l.participants)
	p("| %s | %s |\n|---|---:|\n", l.sector, l.people)
	p("| %s | %d |\n| %s | %d |\n", l.sectorState, r.Sectors.State, l.sectorNGO, r.Sectors.NGO)
	if r.Sectors.Other > 0 {
		p("| %s | %d |\n", l.sectorOther, r.Sectors.Other)
	}
	p("| **%s** | **%d** |\n\n", l.total, r.Sectors.State+r.Sectors.NGO+r.Sectors.Other)
	if len(r.Teams) > 0 {
		p("| %s | %s | %s | %s |\n|---|---:|---:|---:|\n", l.team, l.shortState, l.sectorNGO, l.sectorOther)
		for _, t := range r.Teams {
			p("| %s | %d | %d | %d |\n", mdEscape(t.Name), t.State, t.NGO, t.Other)
		}
		p("\n")
	}

	for _, b := range r.Boards {
		if len(r.Boards) > 1 && b.Title != "" {
			p("## %s\n\n", mdEscape(b.Title))
		}
		p("## %s\n\n", l.recommendations)
		if !b.Final && len(b.Recommendations) > 0 {
			p("> %s\n\n", l.notFinal)
		}
		if len(b.Recommendations) == 0 {
			p("%s\n\n", l.noRecs)
		} else {
			p(l.recIntro+"\n\n", b.Dots, l.dots(b.Dots), b.PerCard)
		}
		for _, rec := range b.Recommendations {
			p("### %d. %s\n\n", rec.Rank, mdEscape(rec.Title))
			p("- **%s:** %s\n", l.action, mdEscape(l.orBlank(rec.Action)))
			p("- **%s:** %s\n", l.responsible, mdEscape(l.orBlank(l.responsibleText(rec.Responsible))))
			p("- **%s:** %s\n", l.deadline, mdEscape(l.orBlank(rec.Deadline)))
			p("- **%s:** %s\n", l.risk, mdEscape(l.orBlank(rec.Risk)))
			p("- **%s:** %s\n", l.votes, l.tallyText(rec.Votes))
			if len(rec.Teams) > 0 {
				p("- **%s:** %s\n", l.preparedBy, mdEscape(strings.Join(rec.Teams, ", ")))
			}
			p("\n%s:\n\n", l.behind)
			mdCards(p, l, b, visibleCards(rec.Cards), false)
		}

		p("## %s\n\n", l.themes)
		for _, t := range b.Themes {
			if len(visibleCards(t.Cards)) == 0 {
				continue
			}
			if t.Rank > 0 {
				p("### %s — %s\n\n", mdEscape(t.Name), l.tallyText(t.Votes))
			} else {
				p("### %s\n\n", mdEscape(t.Name))
			}
			mdCards(p, l, b, visibleCards(t.Cards), false)
		}

		p("## %s\n\n", l.appendix)
		for _, pr := range b.Prompts {
			p("### %s\n\n", mdEscape(pr.Question))
			if pr.Hint != "" {
				p("*%s: %s*\n\n", l.hint, mdEscape(pr.Hint))
			}
			var cards []session.CardOut
			for _, c := range visibleCards(b.Cards) {
				if c.Prompt == pr.ID {
					cards = append(cards, c)
				}
			}
			if len(cards) == 0 {
				p("%s\n\n", l.noCards)
				continue
			}
			mdCards(p, l, b, cards, true)
		}
		if n := hiddenCount(b.Cards); n > 0 {
			p(l.hiddenNote+"\n\n", n)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("export markdown: %w", err)
	}
	return nil
}

// mdCards lists cards, each with its team or author where shown, its votes
// and the duplicates merged into it.
func mdCards(p func(string, ...any), l *boardLabels, b session.BoardOutcome, cards []session.CardOut, votes bool) {
	for _, c := range cards {
		line := "- " + mdEscape(c.Text)
		if by := cardBy(c); by != "" {
			line += " — *" + mdEscape(by) + "*"
		}
		if votes && c.Votes.Total > 0 {
			line += fmt.Sprintf(" (%d %s)", c.Votes.Total, l.dots(c.Votes.Total))
		}
		if c.Returned {
			line += " [" + l.returned + "]"
		}
		p("%s\n", line)
		for _, m := range c.Merged {
			p("  - %s: %s\n", l.merged, mdEscape(m))
		}
	}
	p("\n")
}

// mdEscape keeps what people typed from turning into Markdown or HTML:
// characters that mark up text inside a line get a backslash. Texts never
// start a line of the document, so block marks ("#", "-", "1.") are left
// alone and the file stays easy to read as plain text.
func mdEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune("\\`*_[]<>|~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
