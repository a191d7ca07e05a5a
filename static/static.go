// Package static holds the pages and assets, embedded into the binary so
// that it runs with no build step and no files beside it.
package static

import "embed"

// FS is the pages (index, screen, host, play) and their scripts and styles.
//
//go:embed *.html *.js *.css *.svg
var FS embed.FS
