package scenario

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a scenario file. Line and Col are 1-based;
// Line is zero when the problem concerns the whole file (its size, a read
// error), Col is zero when only the line is known (YAML syntax errors).
type Problem struct {
	File string
	Line int
	Col  int
	Msg  string
}

// String formats the problem as "file:line:col: msg", leaving out the parts
// that are not known.
func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
	}
	if p.Line > 0 {
		if b.Len() > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%d", p.Line)
		if p.Col > 0 {
			fmt.Fprintf(&b, ":%d", p.Col)
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Problems is the error returned when scenario files are invalid. It holds
// every problem found, not just the first, so that an author can fix a file
// in one pass.
type Problems struct {
	List []Problem
}

// Error lists the problems one per line, each as "file:line:col: msg".
func (ps *Problems) Error() string {
	lines := make([]string, len(ps.List))
	for i, p := range ps.List {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// sortByPosition orders problems of one file by line and column, keeping
// the discovery order for problems at the same place.
func sortByPosition(list []Problem) {
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].Line != list[j].Line {
			return list[i].Line < list[j].Line
		}
		return list[i].Col < list[j].Col
	})
}
