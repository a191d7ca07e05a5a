package web

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserGame plays the shipped business game through the real pages:
// the projector (1280×720) with the host's controls, one phone (390×844)
// that reads its role brief and votes by tapping, while the other phones
// are WebSocket clients. Screenshots of the projector's progress and
// debrief and of the phone deciding are left for a person to look at.
func TestBrowserGame(t *testing.T) {
	execPath := chromiumPath(t)
	base := startTestServer(t)
	sc := shippedGame(t, "ngo-day")
	def := sc.Stages[0].Game
	c := &def.Cases[0]

	rm := createRoom(t, base, map[string]any{"scenario": "ngo-day", "team_count": 3, "lang": "ru"})
	type member struct {
		j  joined
		cl *client
	}
	var teams [3][2]member
	names := [3][2]string{{"Анна", "Борис"}, {"Вера", "Глеб"}, {"Дина", "Егор"}}
	for i := range teams {
		for k := range teams[i] {
			teams[i][k].j = joinRoom(t, base, rm.Code, names[i][k], fmt.Sprintf("t%d", i+1))
		}
	}

	b := newBrowser(t, execPath)
	testid := func(id string) chromedp.CSS { return chromedp.CSS(fmt.Sprintf("[data-testid=%q]", id)) }

	projector := b.tab(1280, 720, false)
	b.do(projector, "open the projector as host",
		chromedp.Navigate(base+"/screen/"+rm.Room+"#h="+rm.HostToken),
		chromedp.WaitVisible(testid("control-start")),
	)

	// Anna's phone: her record is in localStorage as after a join.
	anna := teams[0][0].j
	rec, _ := json.Marshal(map[string]string{"room": anna.Room, "token": anna.Token, "player": anna.Player,
		"team": anna.Team, "code": rm.Code, "name": "Анна", "title": sc.Title})
	seed := fmt.Sprintf(`localStorage.setItem('huddle.player.last', %q); localStorage.setItem('huddle.player.' + %q, %q);`,
		`"`+anna.Room+`"`, anna.Room, string(rec))
	phone := b.tab(390, 844, true, seed)
	b.do(phone, "open Anna's phone", chromedp.Navigate(base+"/play"), chromedp.WaitVisible(testid("you-are-in")))

	for i := range teams {
		for k := range teams[i] {
			if i == 0 && k == 0 {
				continue
			}
			teams[i][k].cl = dial(t, base, rm.Room, teams[i][k].j.Token)
		}
	}

	b.do(projector, "start", chromedp.Click(testid("control-start")), chromedp.WaitVisible(testid("game-screen")))

	// Anna, first to join, holds the first and third roles: her brief is
	// on her phone, and the brief of the second role is not.
	b.do(phone, "the situation and Anna's role", chromedp.WaitVisible(testid("game-situation")), chromedp.WaitVisible(testid("game-role")))
	first, second := def.Roles[0].ID, def.Roles[1].ID
	if !b.evalBool(phone, fmt.Sprintf(`!!document.querySelector('[data-role=%q]') && !document.querySelector('[data-role=%q]')`, first, second)) {
		t.Errorf("Anna's phone does not show exactly her roles")
	}
	brief := c.Nodes[0].Briefs[first]
	if !b.evalBool(phone, fmt.Sprintf(`document.querySelector('[data-role=%q]').textContent.includes(%q)`, first, string([]rune(brief)[:30]))) {
		t.Errorf("Anna's phone lacks the %s brief", first)
	}

	// Team 2 and 3 move on; team 1 deliberates: Anna votes by tapping.
	for i := 1; i < 3; i++ {
		for k := range teams[i] {
			teams[i][k].cl.do("game.pick", map[string]any{"node": "post", "choice": "call", "why": "сначала выслушать"})
		}
	}
	b.do(phone, "Anna types a reason and votes",
		chromedp.SendKeys(testid("game-why"), "Семье важнее всего, чтобы её услышали"),
		chromedp.Click(chromedp.CSS(`[data-testid="game-choice"][data-choice="call"]`)),
	)
	b.waitFor(phone, "Anna's vote on the proposal", `(() => {
		const b = document.querySelector('[data-choice="call"]');
		return b && b.classList.contains('mine') && document.querySelector('[data-testid="game-proposal"]').textContent.includes('1')
	})()`)
	b.screenshot(projector, "game-projector-progress-1280x720.png")
	// The host remote sees every team's node, proposal and meters, and the
	// notes of the nodes teams are at.
	remote := b.tab(390, 844, true)
	b.do(remote, "open the host remote",
		chromedp.Navigate(base+"/host/"+rm.Room+"#h="+rm.HostToken),
		chromedp.WaitVisible(testid("host-game")),
		chromedp.WaitVisible(chromedp.CSS(`.g-notes[data-node="cause"]`)))
	if !b.evalBool(remote, `document.querySelector('[data-testid="host-game"]').textContent.includes('Семье важнее всего')`) {
		t.Error("the host does not see team 1's proposal and reason")
	}
	b.evalBool(remote, `(document.querySelector('[data-testid="host-game"]').scrollIntoView(), true)`)
	b.screenshot(remote, "game-host-390x844.png")
	b.evalBool(phone, `(window.scrollTo(0, 0), true)`)
	b.screenshot(phone, "game-phone-deciding-390x844.png")

	// Boris votes the same: the team decides, and the phone shows what
	// happened and the next situation.
	teams[0][1].cl.do("game.pick", map[string]any{"node": "post", "choice": "call"})
	b.do(phone, "the outcome", chromedp.WaitVisible(testid("game-outcome")))
	b.screenshot(phone, "game-phone-outcome-390x844.png")

	// Everyone finishes the case, each team its own way; then the host
	// moves on to the debrief.
	ways := [3][][2]string{
		{{"cause", "rent"}, {"public", "open"}},
		{{"cause", "wait"}, {"public", "silent"}},
		{{"cause", "partner"}, {"public", "update"}},
	}
	for i := range teams {
		for _, step := range ways[i] {
			for k := range teams[i] {
				if i == 0 && k == 0 {
					b.do(phone, "Anna votes on "+step[0],
						chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`[data-testid="game-choice"][data-choice=%q]`, step[1]))),
						chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-testid="game-choice"][data-choice=%q]`, step[1]))))
					b.waitFor(phone, "Anna's vote counted", fmt.Sprintf(`!!document.querySelector('[data-choice=%q].mine') || !document.querySelector('[data-choice=%q]')`, step[1], step[1]))
					continue
				}
				teams[i][k].cl.do("game.pick", map[string]any{"node": step[0], "choice": step[1], "why": fmt.Sprintf("команда %d", i+1)})
			}
		}
	}
	b.do(phone, "the case's ending", chromedp.WaitVisible(testid("game-ending")))
	host := dial(t, base, rm.Room, rm.HostToken)
	host.do("game.inject", map[string]any{"event": "journalist"}) // lands in case 1 for everyone
	for range def.Cases {
		host.do("next", nil)
	}
	b.do(projector, "the debrief", chromedp.WaitVisible(testid("game-debrief")), chromedp.WaitVisible(testid("game-ranking")))
	if n := b.evalString(projector, `String(document.querySelectorAll('.g-rank-row').length)`); n != "3" {
		t.Errorf("ranking rows = %s, want 3", n)
	}
	if n := b.evalString(projector, `String(document.querySelectorAll('.g-chart-line').length)`); n != fmt.Sprint(3*len(def.Meters)) {
		t.Errorf("chart lines = %s, want %d", n, 3*len(def.Meters))
	}
	b.screenshot(projector, "game-projector-debrief-1280x720.png")
	b.do(projector, "the first case's paths",
		chromedp.Click(chromedp.CSS(`[data-testid="debrief-tab"][data-tab="complaint"]`)),
		chromedp.WaitVisible(testid("game-paths")))
	if !b.evalBool(projector, `document.querySelector('[data-testid="game-paths"]').textContent.includes('Семье важнее всего')`) {
		t.Error("the paths do not show Anna's reason")
	}
	b.screenshot(projector, "game-projector-paths-1280x720.png")
	b.do(phone, "the phone's rank", chromedp.WaitVisible(testid("game-rank")))
	b.screenshot(phone, "game-phone-debrief-390x844.png")
}
