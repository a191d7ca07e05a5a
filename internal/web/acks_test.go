package web

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/huddle-live/huddle/internal/store"
)

// answerPatch checks that the ack of an answer carries the phone's own view
// only as the keys the answer changed (data.me_patch) and returns them.
func answerPatch(t *testing.T, who string, f frame) map[string]json.RawMessage {
	t.Helper()
	var data map[string]json.RawMessage
	if err := json.Unmarshal(f.Data, &data); err != nil {
		t.Fatalf("%s: ack data %s: %v", who, f.Data, err)
	}
	if _, whole := data["me"]; whole || len(data) != 1 {
		t.Fatalf("%s: the ack of an answer carries %s, want only me_patch", who, f.Data)
	}
	var patch map[string]json.RawMessage
	if err := json.Unmarshal(data["me_patch"], &patch); err != nil {
		t.Fatalf("%s: me_patch %s: %v", who, data["me_patch"], err)
	}
	keys := slices.Sorted(maps.Keys(patch))
	if want := []string{"answer", "result", "team_answer"}; !slices.Equal(keys, want) {
		t.Fatalf("%s: me_patch has %v, want %v", who, keys, want)
	}
	return patch
}

// sameAsFresh checks that the own view a phone made of its frames (the
// client merges me_patch as play.js does) equals the whole view a new
// socket of the same player is sent.
func sameAsFresh(t *testing.T, base string, p *phone) {
	t.Helper()
	fresh := dial(t, base, p.joined.Room, p.joined.Token)
	defer fresh.close()
	fresh.waitFor("the whole own view", func(cl *client) bool { _, ok := cl.latest["me"]; return ok })
	var kept, whole any
	p.cl.data("me", &kept)
	fresh.data("me", &whole)
	if !reflect.DeepEqual(kept, whole) {
		a, _ := json.Marshal(kept)
		b, _ := json.Marshal(whole)
		t.Errorf("%s: the phone's own view\n%s\nwant, as a new socket gets it,\n%s", p.name, a, b)
	}
}

// TestAnswerAckCarriesOnlyChanges: over real WebSockets, the ack of an
// answer carries only the open question's part of the phone's own view,
// and the phone that merges it holds the same view as a new socket is
// sent whole: on the stage's first question, and on the next one, which
// opens without an own part while the phone still holds the last
// question's answer and result.
func TestAnswerAckCarriesOnlyChanges(t *testing.T) {
	e := startEnv(t, store.NewMemory(), gameScenario(t))
	g := newGame(t, e.url, 4, 2)
	g.host.do("start", nil)
	g.waitPhones("question", "q1")

	for _, p := range g.phones[:3] { // the fourth does not answer: its result says so
		patch := answerPatch(t, p.name, p.cl.do("answer", map[string]any{"question": "q1", "options": []string{"b"}}))
		var answer struct {
			Question string   `json:"question"`
			Options  []string `json:"options"`
		}
		if json.Unmarshal(patch["answer"], &answer) != nil || answer.Question != "q1" || !slices.Equal(answer.Options, []string{"b"}) {
			t.Errorf("%s: me_patch.answer is %s", p.name, patch["answer"])
		}
		if string(patch["team_answer"]) != "null" || string(patch["result"]) != "null" {
			t.Errorf("%s: me_patch %v, want no team answer and no result while open", p.name, patch)
		}
	}
	// A phone answers once per question: a second socket now would make
	// its next ack a whole view, so only the first is compared here.
	sameAsFresh(t, e.url, g.phones[0])

	g.host.do("close", nil)
	g.waitPhones("reveal", "q1")
	g.toLeaderboard("q1")
	g.host.do("next", nil)
	g.waitPhones("question", "q2")
	for _, p := range g.phones[1:] {
		answerPatch(t, p.name, p.cl.do("answer", map[string]any{"question": "q2", "options": []string{"a", "c"}}))
		sameAsFresh(t, e.url, p)
	}
}

// TestTeamAnswerAckCarriesOnlyChanges: in team mode the ack of an answer
// carries the player's answer and the team's, and every phone of the team,
// the answering one by its ack and the others by their own frames, holds
// the view a new socket is sent.
func TestTeamAnswerAckCarriesOnlyChanges(t *testing.T) {
	e := startEnv(t, store.NewMemory(), gameScenario(t))
	g := newGameWith(t, e.url, 4, 2, map[string]any{"team_mode": "team"})
	g.host.do("start", nil)
	g.waitPhones("question", "q1")

	type teamAnswer struct {
		Options []string `json:"options"`
		By      string   `json:"by"`
	}
	byOf := func(who string, patch map[string]json.RawMessage) string {
		var ta *teamAnswer
		if err := json.Unmarshal(patch["team_answer"], &ta); err != nil || ta == nil {
			t.Fatalf("%s: me_patch.team_answer is %s", who, patch["team_answer"])
		}
		return ta.By
	}
	sees := func(p *phone, by string) {
		t.Helper()
		p.cl.waitFor("the team's answer by "+by, func(cl *client) bool {
			m, ok := latestData[struct {
				TeamAnswer *teamAnswer `json:"team_answer"`
			}](cl, "me")
			return ok && m.TeamAnswer != nil && m.TeamAnswer.By == by
		})
	}
	// Team 1 is phones 0 and 2: the first answers a, then the other b.
	p0, p2 := g.phones[0], g.phones[2]
	if by := byOf(p0.name, answerPatch(t, p0.name, p0.cl.do("answer", map[string]any{"question": "q1", "options": []string{"a"}}))); by != p0.name {
		t.Errorf("%s's ack: the team's answer by %q", p0.name, by)
	}
	sees(p2, p0.name)
	if by := byOf(p2.name, answerPatch(t, p2.name, p2.cl.do("answer", map[string]any{"question": "q1", "options": []string{"b"}}))); by != p2.name {
		t.Errorf("%s's ack: the team's answer by %q", p2.name, by)
	}
	sees(p0, p2.name)
	for _, p := range g.phones {
		sameAsFresh(t, e.url, p)
	}
}
