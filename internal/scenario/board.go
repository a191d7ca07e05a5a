package scenario

import "go.yaml.in/yaml/v3"

// Board is a hackathon board stage: prompts, phases, votes and
// recommendations.
type Board struct{}

// board reads the keys of a board stage. kind is the stage's kind value, for
// messages about the stage as a whole. It returns nil when nothing of the
// stage can be played.
func (d *decoder) board(m *mapping, kind *yaml.Node, lang string) *Board {
	d.addf(kind, "stage kind %q is not supported yet", KindBoard)
	return nil
}
