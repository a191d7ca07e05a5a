package session

import (
	"encoding/json"
	"fmt"
)

// The projector's pages. A quiz or game screen that does not fit at the
// type floor is split into pages (static/fit.js), which the projector turns
// by itself until the host turns them. Only the projector knows how many
// pages a screen has at its size, so the room keeps no count: the host's
// screen.page moves a page number forward or back, and the projector shows
// that number wrapped around its own page count. The number belongs to the
// screen it was turned on: a new screen (the next phase, question, case,
// stage or podium step) starts again with the projector turning its pages
// by itself.

// MaxScreenPage bounds the page number either way.
const MaxScreenPage = 1000

// screenPage is the page the host turned the projector to, and on which
// screen (screenKey). It is also the data of the screen.page event.
type screenPage struct {
	Screen string `json:"screen"`
	Page   int    `json:"page"`
}

type screenPageCmd struct {
	Step int `json:"step"`
}

// screenKey names the screen the projector shows now: it changes whenever
// the projector draws another screen.
func (s *State) screenKey() string {
	q := -1
	if qs := s.quizNow(); qs != nil {
		q = qs.q.Index
	}
	return fmt.Sprintf("%d/%t/%t/%d/%s/%d/%d", s.Stage, s.Between, s.Finished, s.Podium, s.Phase(), s.step(), q)
}

// screenPageNow is the page the host turned the current screen to; nil
// while the projector turns its pages by itself.
func (s *State) screenPageNow() *int {
	if s.ScreenPage == nil || s.ScreenPage.Screen != s.screenKey() {
		return nil
	}
	p := s.ScreenPage.Page
	return &p
}

// turnScreen handles the host's screen.page: {"step":1} the next page,
// {"step":-1} the one before.
func (s *State) turnScreen(tx *Tx, data json.RawMessage) error {
	var c screenPageCmd
	if err := json.Unmarshal(data, &c); err != nil || (c.Step != 1 && c.Step != -1) {
		return ErrBadRequest
	}
	page := 0
	if p := s.screenPageNow(); p != nil {
		page = *p
	}
	page += c.Step
	if page < -MaxScreenPage || page > MaxScreenPage {
		return ErrBadRequest
	}
	if err := tx.record(s, evScreenPage, &screenPage{Screen: s.screenKey(), Page: page}); err != nil {
		return err
	}
	tx.Marks.View = true // the projector and the remote; phones do not show it
	return nil
}
