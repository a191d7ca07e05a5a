package export

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/huddle-live/huddle/internal/session"
)

// BoardDOCX writes the partnership document as a Word file. No maintained
// Go library writes DOCX, and the document needs only headings, paragraphs,
// list items and tables, so the WordprocessingML is written here: the few
// parts Word and LibreOffice require, with the document's language set so
// that spelling and hyphenation work.
func BoardDOCX(w io.Writer, r *session.BoardResults, lang string) error {
	if r == nil {
		return errNoResults
	}
	l := boardLabelsFor(lang)
	locale := "ru-RU"
	if l.lang == "en" {
		locale = "en-GB"
	}
	// Every part carries the room's creation time, so the same room gives
	// the same bytes.
	modified := r.Room.Created
	if modified.IsZero() {
		modified = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", docxContentTypes},
		{"_rels/.rels", docxRels},
		{"docProps/core.xml", docxCore(r.Room.Title, locale, r.Room.Created)},
		{"word/_rels/document.xml.rels", docxDocRels},
		{"word/styles.xml", fmt.Sprintf(docxStyles, locale)},
		{"word/document.xml", docxDocument(doc(r, l))},
	}
	zw := zip.NewWriter(w)
	for _, p := range parts {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: modified})
		if err != nil {
			return fmt.Errorf("export docx: %w", err)
		}
		if _, err := io.WriteString(f, p.body); err != nil {
			return fmt.Errorf("export docx: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("export docx: %w", err)
	}
	return nil
}

const docxContentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>`

const docxRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>`

const docxDocRels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`

func docxCore(title, locale string, created time.Time) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>` +
		xmlText(title) + `</dc:title><dc:creator>huddle</dc:creator><dc:language>` + locale +
		`</dc:language><dcterms:created xsi:type="dcterms:W3CDTF">` + created.UTC().Format(time.RFC3339) + `</dcterms:created></cp:coreProperties>`
}

// docxStyles defines the styles the document uses; %s is the language.
const docxStyles = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Arial" w:hAnsi="Arial" w:eastAsia="Arial" w:cs="Arial"/><w:sz w:val="22"/><w:szCs w:val="22"/><w:lang w:val="%s"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:after="240"/></w:pPr><w:rPr><w:b/><w:color w:val="1F3864"/><w:sz w:val="40"/><w:szCs w:val="40"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="360" w:after="120"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/><w:color w:val="1F3864"/><w:sz w:val="30"/><w:szCs w:val="30"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="240" w:after="80"/><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:b/><w:sz w:val="25"/><w:szCs w:val="25"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="ListBullet"><w:name w:val="List Bullet"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:after="60"/><w:ind w:left="360" w:hanging="240"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="ListBullet2"><w:name w:val="List Bullet 2"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:after="60"/><w:ind w:left="840" w:hanging="240"/></w:pPr><w:rPr><w:color w:val="444444"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Note"><w:name w:val="Note"/><w:basedOn w:val="Normal"/><w:pPr><w:pBdr><w:left w:val="single" w:sz="18" w:space="8" w:color="C55A11"/></w:pBdr><w:ind w:left="240"/></w:pPr><w:rPr><w:i/></w:rPr></w:style>
<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:tblPr><w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="999999"/><w:left w:val="single" w:sz="4" w:space="0" w:color="999999"/><w:bottom w:val="single" w:sz="4" w:space="0" w:color="999999"/><w:right w:val="single" w:sz="4" w:space="0" w:color="999999"/><w:insideH w:val="single" w:sz="4" w:space="0" w:color="999999"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="999999"/></w:tblBorders><w:tblCellMar><w:left w:w="100" w:type="dxa"/><w:right w:w="100" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>
</w:styles>`

var docxStyleOf = map[blockKind]string{
	bTitle: "Title", bHeading1: "Heading1", bHeading2: "Heading2", bBullet: "ListBullet", bBullet2: "ListBullet2", bNote: "Note",
}

// docxDocument renders blocks as word/document.xml. List items carry their
// bullet as text, so no numbering part is needed.
func docxDocument(blocks []block) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + "\n")
	for _, bl := range blocks {
		if bl.kind == bTable {
			docxTable(&b, bl)
			continue
		}
		b.WriteString("<w:p>")
		if st := docxStyleOf[bl.kind]; st != "" {
			b.WriteString(`<w:pPr><w:pStyle w:val="` + st + `"/></w:pPr>`)
		}
		runs := bl.runs
		switch bl.kind {
		case bBullet:
			runs = append([]run{{text: "•\t"}}, runs...)
		case bBullet2:
			runs = append([]run{{text: "–\t"}}, runs...)
		}
		for _, r := range runs {
			docxRun(&b, r)
		}
		b.WriteString("</w:p>\n")
	}
	// A4 with 2 cm margins.
	b.WriteString(`<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1134" w:right="1134" w:bottom="1134" w:left="1134" w:header="708" w:footer="708" w:gutter="0"/></w:sectPr>` +
		"</w:body></w:document>\n")
	return b.String()
}

func docxRun(b *strings.Builder, r run) {
	b.WriteString("<w:r>")
	if r.bold || r.italic {
		b.WriteString("<w:rPr>")
		if r.bold {
			b.WriteString("<w:b/>")
		}
		if r.italic {
			b.WriteString("<w:i/>")
		}
		b.WriteString("</w:rPr>")
	}
	for i, part := range strings.Split(r.text, "\t") {
		if i > 0 {
			b.WriteString("<w:tab/>")
		}
		if part != "" {
			b.WriteString(`<w:t xml:space="preserve">` + xmlText(part) + "</w:t>")
		}
	}
	b.WriteString("</w:r>")
}

func docxTable(b *strings.Builder, bl block) {
	const width = 9638 // the text width of A4 with 2 cm margins, in twentieths of a point
	first := width / 2
	if len(bl.header) > 2 {
		first = width * 2 / 5
	}
	cols := make([]int, len(bl.header))
	for i := range cols {
		if i == 0 {
			cols[i] = first
		} else {
			cols[i] = (width - first) / (len(cols) - 1)
		}
	}
	b.WriteString(`<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="` + fmt.Sprint(width) + `" w:type="dxa"/><w:tblLook w:val="04A0" w:firstRow="1"/></w:tblPr><w:tblGrid>`)
	for _, c := range cols {
		fmt.Fprintf(b, `<w:gridCol w:w="%d"/>`, c)
	}
	b.WriteString("</w:tblGrid>")
	row := func(cells []string, head bool) {
		b.WriteString("<w:tr>")
		if head {
			b.WriteString(`<w:trPr><w:tblHeader/></w:trPr>`)
		}
		for i, c := range cells {
			fmt.Fprintf(b, `<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/>`, cols[i])
			if head {
				b.WriteString(`<w:shd w:val="clear" w:color="auto" w:fill="DEEAF6"/>`)
			}
			b.WriteString(`</w:tcPr><w:p><w:pPr><w:spacing w:after="0"/>`)
			if i < len(bl.num) && bl.num[i] && !head {
				b.WriteString(`<w:jc w:val="right"/>`)
			}
			b.WriteString("</w:pPr>")
			docxRun(b, run{text: c, bold: head})
			b.WriteString("</w:p></w:tc>")
		}
		b.WriteString("</w:tr>")
	}
	row(bl.header, true)
	for _, r := range bl.rows {
		row(r, false)
	}
	// A table must be followed by a paragraph before another table.
	b.WriteString("</w:tbl>\n<w:p/>\n")
}

// xmlText escapes s for XML and drops characters XML 1.0 cannot hold.
func xmlText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF {
			return r
		}
		return -1
	}, s)
	var buf bytes.Buffer
	_ = xml.EscapeText(&buf, []byte(s))
	return buf.String()
}
