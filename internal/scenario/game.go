package scenario

import "go.yaml.in/yaml/v3"

// Game is a business game stage: meters and branching team cases.
type Game struct{}

// game reads the keys of a game stage. kind is the stage's kind value, for
// messages about the stage as a whole. It returns nil when nothing of the
// stage can be played.
func (d *decoder) game(m *mapping, kind *yaml.Node, lang string) *Game {
	d.addf(kind, "stage kind %q is not supported yet", KindGame)
	return nil
}
