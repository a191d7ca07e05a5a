package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxFileSize is the largest scenario file accepted, in bytes.
const MaxFileSize = 1 << 20

// MaxDepth is the deepest nesting of lists and mappings accepted in a
// scenario file. The format itself needs 8 levels.
const MaxDepth = 16

// Load reads and validates the scenario file at path. When the file is
// invalid the error is a *Problems listing everything wrong with it.
func Load(path string) (*Scenario, error) {
	s, _, err := load(path)
	return s, err
}

func load(path string) (*Scenario, *yaml.Node, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("load scenario %q: %w", path, err)
	}
	defer f.Close()
	// Read one byte past the limit so that Parse can tell a file that is
	// too big without reading all of it.
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("load scenario %q: %w", path, err)
	}
	return parse(path, data)
}

// Parse validates the scenario in data; name is the file name used in
// problems and kept in Scenario.File. When the scenario is invalid the
// error is a *Problems listing everything wrong with it, and the scenario
// is nil. Defaults are resolved: every question carries its own time limit
// and points, options carry IDs and truefalse questions carry their two
// options.
func Parse(name string, data []byte) (*Scenario, error) {
	s, _, err := parse(name, data)
	return s, err
}

// parse is Parse that also returns the node of the scenario's id, for
// LoadDir to point at duplicate ids across files.
func parse(name string, data []byte) (*Scenario, *yaml.Node, error) {
	d := &decoder{file: name}
	if len(data) > MaxFileSize {
		d.addf(nil, "the file is larger than the %d KiB limit", MaxFileSize>>10)
		return nil, nil, d.err()
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.addf(nil, "the file is empty")
		} else {
			d.syntax(err)
		}
		return nil, nil, d.err()
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		d.addf(&extra, "only one YAML document is allowed per file")
	} else if !errors.Is(err, io.EOF) {
		d.syntax(err)
	}
	d.checkTree(&doc, 0)
	if len(doc.Content) != 1 {
		d.addf(&doc, "the file is empty")
		return nil, nil, d.err()
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		d.addf(nil, "the file is empty")
		return nil, nil, d.err()
	}
	s, idNode := d.scenario(root)
	if err := d.err(); err != nil {
		return nil, nil, err
	}
	return s, idNode, nil
}

var syntaxLine = regexp.MustCompile(`^line (\d+): (.*)$`)

// syntax turns a YAML parser error ("yaml: line 3: did not find expected
// key") into a problem at that line.
func (d *decoder) syntax(err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	p := Problem{File: d.file}
	if m := syntaxLine.FindStringSubmatch(msg); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	p.Msg = "YAML syntax error: " + msg
	d.probs = append(d.probs, p)
}

// LoadDir loads every *.yaml and *.yml file in dir, in name order, skipping
// hidden files. It returns the scenarios that loaded cleanly and, when any
// file is invalid or two files share a scenario id, a *Problems listing
// every problem of every file; of two files with the same id only the
// first is returned.
func LoadDir(dir string) ([]*Scenario, error) {
	entries, err := os.ReadDir(dir) // sorted by name
	if err != nil {
		return nil, fmt.Errorf("load scenarios: %w", err)
	}
	var (
		out   []*Scenario
		probs []Problem
		seen  = make(map[string]string) // scenario id → file
	)
	for _, e := range entries {
		name := e.Name()
		ext := filepath.Ext(name)
		if e.IsDir() || strings.HasPrefix(name, ".") || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		path := filepath.Join(dir, name)
		s, idNode, err := load(path)
		if err != nil {
			var ps *Problems
			if errors.As(err, &ps) {
				probs = append(probs, ps.List...)
			} else {
				probs = append(probs, Problem{File: path, Msg: err.Error()})
			}
			continue
		}
		if first, dup := seen[s.ID]; dup {
			probs = append(probs, Problem{
				File: path, Line: idNode.Line, Col: idNode.Column,
				Msg: fmt.Sprintf("duplicate scenario id %q (first in %s)", s.ID, first),
			})
			continue
		}
		seen[s.ID] = path
		out = append(out, s)
	}
	if len(probs) > 0 {
		return out, &Problems{List: probs}
	}
	return out, nil
}
