package export

import (
	"bufio"
	"fmt"
	"html"
	"io"

	"github.com/huddle-live/huddle/internal/session"
)

// BoardHTML writes the partnership document as a page made for printing:
// the browser's "Print → Save as PDF" turns it into the PDF. It loads only
// the site's own stylesheet and one script for its print button, so the
// page keeps the site's Content-Security-Policy.
func BoardHTML(w io.Writer, r *session.BoardResults, lang string) error {
	if r == nil {
		return errNoResults
	}
	l := boardLabelsFor(lang)
	bw := bufio.NewWriter(w)
	button, back := "Печать или PDF", "Сохраните страницу как PDF через печать браузера."
	if l.lang == "en" {
		button, back = "Print or PDF", "Save this page as a PDF from the browser's print dialog."
	}
	fmt.Fprintf(bw, `<!doctype html>
<html lang="%s">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>%s</title>
<link rel="stylesheet" href="/static/style.css">
<script src="/static/print.js" defer></script>
</head>
<body class="doc-page">
<div class="doc-bar"><button type="button" id="print-doc" class="btn">%s</button> <span>%s</span></div>
<main class="doc">
`, l.lang, html.EscapeString(r.Room.Title), button, back)
	list := false
	for _, b := range doc(r, l) {
		isItem := b.kind == bBullet || b.kind == bBullet2
		if isItem && !list {
			bw.WriteString("<ul>\n")
		}
		if !isItem && list {
			bw.WriteString("</ul>\n")
		}
		list = isItem
		switch b.kind {
		case bTitle:
			fmt.Fprintf(bw, "<h1>%s</h1>\n", htmlRuns(b.runs))
		case bHeading1:
			fmt.Fprintf(bw, "<h2>%s</h2>\n", htmlRuns(b.runs))
		case bHeading2:
			fmt.Fprintf(bw, "<h3>%s</h3>\n", htmlRuns(b.runs))
		case bPara:
			fmt.Fprintf(bw, "<p>%s</p>\n", htmlRuns(b.runs))
		case bNote:
			fmt.Fprintf(bw, "<p class=\"doc-note\">%s</p>\n", htmlRuns(b.runs))
		case bBullet:
			fmt.Fprintf(bw, "<li>%s</li>\n", htmlRuns(b.runs))
		case bBullet2:
			fmt.Fprintf(bw, "<li class=\"doc-sub\">%s</li>\n", htmlRuns(b.runs))
		case bTable:
			bw.WriteString("<table>\n<thead><tr>")
			for _, h := range b.header {
				fmt.Fprintf(bw, "<th>%s</th>", html.EscapeString(h))
			}
			bw.WriteString("</tr></thead>\n<tbody>\n")
			for _, row := range b.rows {
				bw.WriteString("<tr>")
				for i, c := range row {
					if i < len(b.num) && b.num[i] {
						fmt.Fprintf(bw, "<td class=\"num\">%s</td>", html.EscapeString(c))
					} else {
						fmt.Fprintf(bw, "<td>%s</td>", html.EscapeString(c))
					}
				}
				bw.WriteString("</tr>\n")
			}
			bw.WriteString("</tbody>\n</table>\n")
		}
	}
	if list {
		bw.WriteString("</ul>\n")
	}
	bw.WriteString("</main>\n</body>\n</html>\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("export html: %w", err)
	}
	return nil
}

func htmlRuns(runs []run) string {
	var out string
	for _, r := range runs {
		s := html.EscapeString(r.text)
		if r.italic {
			s = "<em>" + s + "</em>"
		}
		if r.bold {
			s = "<strong>" + s + "</strong>"
		}
		out += s
	}
	return out
}
