package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// The cards of a full hackathon: 8 teams × 7 prompts × 3 cards. Every
// (verb, object) pair is used once, so the cards differ as real ones do
// and some come out alike, as real ones do; four are planted duplicates.
var (
	scaleVerbs   = []string{"Назначить", "Закрепить в договоре", "Обсуждать", "Согласовать", "Публиковать", "Проводить", "Вести", "Сообщать партнёру про", "Планировать", "Проверять", "Оценивать", "Делить"}
	scaleObjects = []string{"ответственного с каждой стороны", "общий план работ на полгода", "итоги каждого этапа", "отчёт о расходах", "роли и обязанности сторон", "сроки и контрольные точки", "риски проекта и запасной план", "показатели учреждения", "интересы подопечных", "ресурсы и волонтёров", "итоги квартала вместе с НКО", "правила связи и каналы", "порядок замены координатора", "бюджет и источники денег"}
	scaleTails   = []string{"", "заранее, до начала работы", "письменно, с подписями руководителей", "на общей встрече раз в месяц", "в общей таблице, доступной обеим сторонам", "с участием подопечных и их семей", "открыто, на сайте учреждения и НКО"}
	scalePrompts = []string{"agreements", "roles", "setbacks", "trust", "interests", "planning", "contact"}
	planted      = map[[3]int]string{ // team, prompt, card → text
		{2, 6, 0}: "Ежемесячная встреча партнёров",
		{5, 6, 1}: "Ежемесячная встреча партнеров",
		{3, 6, 0}: "Общий чат проекта",
		{7, 6, 2}: "Чат проекта, общий для всех",
	}
)

func scaleText(team, prompt, k int) string {
	if s, ok := planted[[3]int{team, prompt, k}]; ok {
		return s
	}
	i := ((team-1)*7+prompt)*3 + k
	return scaleVerbs[i%12] + " " + scaleObjects[(i/12)%14] + " " + scaleTails[(i*5+team)%7]
}

// TestBrowserBoardAtScale runs a real hackathon's board through the pages:
// 8 teams × 3 phones write 168 cards (over WebSockets, one phone in
// Chromium), the facilitator groups them on the host page at laptop size by
// dragging and by keyboard, merges suggested duplicates and dismisses one,
// everyone votes, the teams draft recommendations on their phones while the
// facilitator watches them arrive, takes one over and finalises it, and the
// document is downloaded: its names are checked and the DOCX is converted
// by LibreOffice. In every phase every page of the projector is checked at
// 1920×1080 and at 1280×720: nothing clipped, nothing off the screen, no
// text under 24px at 1080p.
func TestBrowserBoardAtScale(t *testing.T) {
	execPath := chromiumPath(t)
	lo := needTool(t, "libreoffice")
	pdfinfo := needTool(t, "pdfinfo")
	pdftotext := needTool(t, "pdftotext")
	base := startTestServer(t)
	b := newBrowserFor(t, execPath, 9*time.Minute)
	testid := func(id string) chromedp.CSS { return chromedp.CSS(fmt.Sprintf("[data-testid=%q]", id)) }
	c := createRoom(t, base, map[string]any{"scenario": "partnership-board", "team_count": 8})
	host := dial(t, base, c.Room, c.HostToken)

	big := b.tab(1920, 1080, false)
	small := b.tab(1280, 720, false)
	for _, p := range []context.Context{big, small} {
		b.do(p, "open a projector", chromedp.Navigate(base+"/screen/"+c.Room+"#h="+c.HostToken), chromedp.WaitVisible(testid("stage")))
	}
	remote := b.tab(1366, 768, false)
	b.do(remote, "open the host page", chromedp.Navigate(base+"/host/"+c.Room+"#h="+c.HostToken), chromedp.WaitVisible(testid("host-status")))

	phone := b.tab(360, 740, true)
	b.do(phone, "join from a phone",
		chromedp.Navigate(base+"/j/"+c.Code),
		chromedp.WaitVisible(testid("name-input")),
		chromedp.SendKeys(testid("name-input"), "Анна"),
		chromedp.WaitVisible(testid("sector-picker")),
		chromedp.Click(chromedp.CSS(`[data-testid="sector-choice"] input[value="ngo"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="team-choice"] input[value="t1"]`)),
		chromedp.Click(testid("join-button")),
		chromedp.WaitVisible(testid("you-are-in")),
	)
	// The other 23 phones, three a team with the one above.
	phones := map[int][]*client{}
	for team := 1; team <= 8; team++ {
		for k := range 3 {
			if team == 1 && k == 2 {
				continue
			}
			var j joined
			body := map[string]string{"code": c.Code, "name": fmt.Sprintf("Участник %d-%d", team, k), "team": fmt.Sprintf("t%d", team), "sector": sectors[(team+k)%3]}
			if code := postJSON(t, base+"/api/join", body, &j); code != 201 {
				t.Fatalf("join: %d %+v", code, j)
			}
			phones[team] = append(phones[team], dial(t, base, c.Room, j.Token))
		}
	}
	b.do(remote, "start", chromedp.Click(testid("host-start")))
	next := func(what string) {
		t.Helper()
		b.do(remote, what, chromedp.WaitEnabled(testid("host-next")), chromedp.Click(testid("host-next")))
	}
	hostView := func() boardViewFull {
		v, _ := boardNow[boardViewFull](host, "view")
		return v
	}
	waitHost := func(what string, cond func(v boardViewFull) bool) boardViewFull {
		t.Helper()
		var out boardViewFull
		host.waitWithin(30*time.Second, what, func(cl *client) bool {
			v, ok := boardOf[boardViewFull](cl, "view")
			out = v
			return ok && cond(v)
		})
		return out
	}

	// Write: the phone in Chromium types one card, the WebSockets the rest.
	b.do(phone, "write a card",
		chromedp.WaitVisible(testid("board-phone-write")),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="card-input"]`), "Подписывать соглашение о сотрудничестве с понятными обязательствами сторон"),
		chromedp.Click(chromedp.CSS(`[data-testid="card-add"]`)),
	)
	assertTargets(phone, t, "#v-room", 44, "the phone while writing")
	b.screenshot(phone, "scale-phone-write-360x740.png")
	var wg sync.WaitGroup
	for team := 1; team <= 8; team++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range 7 {
				for k := range 3 {
					if team == 1 && k == 2 && p == 0 {
						continue // the phone in Chromium wrote it
					}
					cl := phones[team][min(k, len(phones[team])-1)]
					cl.do("board.card", map[string]any{"prompt": scalePrompts[p], "text": scaleText(team, p, k)})
				}
			}
		}()
	}
	wg.Wait()
	waitHost("168 cards", func(v boardViewFull) bool { return len(v.Cards) == 168 })
	b.waitFor(big, "the counts on the projector", `[...document.querySelectorAll('.bd-count')].map(e => parseInt(e.textContent)).reduce((a, n) => a + n, 0) === 168`)
	shown := 0 // the prompts revealed: the projectors must have caught up with it
	pages := func(phase string, shots bool) {
		t.Helper()
		sel := fmt.Sprintf(`document.querySelector('[data-testid="board-%s"]')`, phase)
		for _, p := range []context.Context{big, small} {
			b.waitFor(p, phase+" on a projector", fmt.Sprintf(`!!%s && %s.dataset.shown === '%d'`, sel, sel, shown))
		}
		n, _ := strconv.Atoi(b.evalString(big, sel+`.dataset.pages`))
		if m := b.evalString(small, sel+`.dataset.pages`); m != strconv.Itoa(n) {
			t.Errorf("%s: %d pages at 1920×1080, %s at 1280×720", phase, n, m)
		}
		// The remote counts the same pages from its own view.
		b.waitFor(remote, fmt.Sprintf("%d pages on the remote", n), fmt.Sprintf(`/ %d$/.test(document.querySelector('[data-testid="host-pager"] span').textContent)`, n))
		remoteOn := func(i int) { // the remote shows page i of n, so its "next" turns to i+1
			b.waitFor(remote, fmt.Sprintf("the remote on page %d", i+1), fmt.Sprintf(`/ %d \S+ %d$/.test(document.querySelector('[data-testid="host-pager"] span').textContent)`, i+1, n))
		}
		for i := range n {
			if i > 0 {
				remoteOn(i - 1)
				b.do(remote, "turn the projector's page", chromedp.Click(testid("page-next")))
			}
			for _, p := range []context.Context{big, small} {
				b.waitFor(p, fmt.Sprintf("%s page %d", phase, i+1), fmt.Sprintf(`(%s || {dataset: {}}).dataset.page === '%d'`, sel, i))
			}
			assertFits(big, t, fmt.Sprintf("%s page %d/%d at 1920×1080", phase, i+1, n))
			assertFits(small, t, fmt.Sprintf("%s page %d/%d at 1280×720", phase, i+1, n))
			assertTextAtLeast(big, t, "#stage", 24, fmt.Sprintf("%s page %d/%d at 1920×1080", phase, i+1, n))
			if shots && i == 0 {
				b.screenshot(big, "scale-projector-"+phase+"-1920x1080.png")
				b.screenshot(small, "scale-projector-"+phase+"-1280x720.png")
			}
		}
		if n > 1 { // back to the first page for what follows
			remoteOn(n - 1)
			b.do(remote, "wrap the projector's pages", chromedp.Click(testid("page-next")))
			remoteOn(0)
		}
	}
	pages("write", true)

	// Reveal, prompt by prompt.
	for p := range 7 {
		next("reveal the next prompt")
		waitHost("prompt shown", func(v boardViewFull) bool { return v.Phase == "reveal" && v.Shown == p+1 })
		shown = p + 1
		pages("reveal", p == 0)
	}
	next("on to themes")
	v := waitHost("grouping", func(v boardViewFull) bool { return v.Phase == "group" })
	byText := map[string]string{}
	for _, card := range v.Cards {
		byText[card.Text] = card.ID
	}

	// Duplicates: the planted pair is suggested and merged with one tap.
	meet1, meet2 := byText["Ежемесячная встреча партнёров"], byText["Ежемесячная встреча партнеров"]
	chat1, chat2 := byText["Общий чат проекта"], byText["Чат проекта, общий для всех"]
	b.screenshot(remote, "scale-host-group-1366x768.png")
	assertSuggested := func(a, c string) string {
		t.Helper()
		for _, s := range v.Suggestions {
			if slices.Contains(s.Cards, a) && slices.Contains(s.Cards, c) {
				return strings.Join(s.Cards, " ")
			}
		}
		t.Fatalf("%s and %s are not suggested together: %+v", a, c, v.Suggestions)
		return ""
	}
	meetCards := assertSuggested(meet1, meet2)
	chatCards := assertSuggested(chat1, chat2)
	// A button is found and pressed in one step: the page redraws as views
	// come, and a click aimed at a button found a moment earlier could land
	// on its neighbour.
	press := func(what, sel string) {
		t.Helper()
		b.waitFor(remote, what, fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (!el || el.disabled) return false; el.click(); return true; })()`, sel))
	}
	press("merge the suggested duplicates", fmt.Sprintf(`[data-testid="ws-suggestion"][data-cards=%q] [data-testid="sugg-merge"]`, meetCards))
	// The earlier card of the two stays; the other goes under it.
	merged := func(v boardViewFull, a, c string) bool {
		return cardOf(v, c).MergedInto == a || cardOf(v, a).MergedInto == c
	}
	waitHost("duplicates merged", func(v boardViewFull) bool { return merged(v, meet1, meet2) })
	b.waitFor(remote, "the suggestion gone", fmt.Sprintf(`!document.querySelector('[data-testid="ws-suggestion"][data-cards=%q]')`, meetCards))
	press("merge the chat cards", fmt.Sprintf(`[data-testid="ws-suggestion"][data-cards=%q] [data-testid="sugg-merge"]`, chatCards))
	v = waitHost("duplicates merged", func(v boardViewFull) bool { return merged(v, chat1, chat2) })
	b.waitFor(remote, "the suggestion gone", fmt.Sprintf(`!document.querySelector('[data-testid="ws-suggestion"][data-cards=%q]')`, chatCards))
	if len(v.Suggestions) > 0 {
		other := strings.Join(v.Suggestions[0].Cards, " ")
		press("not duplicates", fmt.Sprintf(`[data-testid="ws-suggestion"][data-cards=%q] [data-testid="sugg-dismiss"]`, other))
		waitHost("the suggestion dismissed", func(v boardViewFull) bool {
			for _, s := range v.Suggestions {
				if strings.Join(s.Cards, " ") == other {
					return false
				}
			}
			return true
		})
	}

	// Drag: a card of the first prompt onto another makes a theme.
	loose := func(v boardViewFull, prompt string) []string {
		var out []string
		for _, c := range v.Cards {
			if c.Prompt == prompt && c.Theme == "" && !c.Hidden && c.MergedInto == "" && c.Reformulate == "" {
				out = append(out, c.ID)
			}
		}
		return out
	}
	card := func(id string) chromedp.CSS { return chromedp.CSS(fmt.Sprintf(`.ws-col [data-card=%q]`, id)) }
	first := loose(v, "agreements")
	b.do(remote, "drag a card onto another", chromedp.DragAndDrop(card(first[1]), card(first[0])))
	v = waitHost("a theme made by dragging", func(v boardViewFull) bool {
		return cardOf(v, first[0]).Theme != "" && cardOf(v, first[0]).Theme == cardOf(v, first[1]).Theme
	})
	theme1 := cardOf(v, first[0]).Theme
	// A third card dragged onto the theme joins it.
	b.do(remote, "drag a card onto the theme", chromedp.DragAndDrop(card(first[2]), chromedp.CSS(fmt.Sprintf(`[data-testid="ws-theme"][data-theme=%q] header`, theme1))))
	waitHost("the card in the theme", func(v boardViewFull) bool { return cardOf(v, first[2]).Theme == theme1 })

	// Keyboard: Enter on a card picks it up, Enter on a place puts it there.
	// The page redraws on every update, so a node found may be gone a moment
	// later: each key goes to a freshly found node, tried again if it went.
	enter := func(what string, sel chromedp.CSS) {
		t.Helper()
		var err error
		for range 5 {
			ctx, cancel := context.WithTimeout(remote, stepTimeout)
			err = chromedp.Do(ctx, chromedp.Focus(sel), chromedp.KeyEvent("\r"))
			cancel()
			if err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("%s: %v", what, err)
	}
	armed := `document.querySelector('[data-testid="ws-hint"]').classList.contains('armed')`
	pickUp := func(what string, sel chromedp.CSS) {
		t.Helper()
		enter(what, sel)
		b.waitFor(remote, what+": picked", armed)
	}
	putOn := func(what string, sel chromedp.CSS) {
		t.Helper()
		enter(what, sel)
		b.waitFor(remote, what+": put", "!"+armed)
	}
	second := loose(hostView(), "roles")
	pickUp("pick a card by keyboard", card(second[0]))
	putOn("drop it on another by keyboard", card(second[1]))
	v = waitHost("a theme made by keyboard", func(v boardViewFull) bool {
		return cardOf(v, second[0]).Theme != "" && cardOf(v, second[0]).Theme == cardOf(v, second[1]).Theme
	})
	theme2 := cardOf(v, second[0]).Theme
	// A card into a theme, by keyboard: Enter on the card, Enter on the theme's handle.
	handle := func(id string) chromedp.CSS {
		return chromedp.CSS(fmt.Sprintf(`[data-testid="ws-theme"][data-theme=%q] [data-testid="ws-theme-handle"]`, id))
	}
	pickUp("pick a card", card(second[2]))
	putOn("put it into a theme", handle(theme2))
	waitHost("the card in the theme", func(v boardViewFull) bool { return cardOf(v, second[2]).Theme == theme2 })
	// Merge the two themes by keyboard, then undo it.
	pickUp("pick a theme", handle(theme2))
	putOn("merge it into another", handle(theme1))
	waitHost("themes merged", func(v boardViewFull) bool { return themeOf(v, theme2) == nil && cardOf(v, second[0]).Theme == theme1 })
	press("undo", `[data-testid="ws-undo"]`)
	waitHost("the merge undone", func(v boardViewFull) bool { return themeOf(v, theme2) != nil && cardOf(v, second[0]).Theme == theme2 })
	// Split: a card of a theme put on "New theme" makes a theme of its own.
	pickUp("pick a card of a theme", chromedp.CSS(fmt.Sprintf(`[data-theme=%q] [data-card=%q]`, theme2, second[2])))
	putOn("split it off", testid("ws-new-theme"))
	v = waitHost("split off", func(v boardViewFull) bool { c := cardOf(v, second[2]); return c.Theme != "" && c.Theme != theme2 })
	// Rename inline.
	name := chromedp.CSS(fmt.Sprintf(`[data-theme=%q] [data-testid="ws-theme-name"]`, theme1))
	b.do(remote, "focus a theme's name", chromedp.Focus(name))
	b.evalBool(remote, `(() => { document.activeElement.select(); return true; })()`)
	b.do(remote, "rename a theme inline", chromedp.SendKeys(name, "Договор и роли"), chromedp.KeyEvent("\r"))
	waitHost("renamed", func(v boardViewFull) bool {
		th := themeOf(v, theme1)
		return th != nil && th.Name == "Договор и роли"
	})
	b.screenshot(remote, "scale-host-group-worked-1366x768.png")

	// The rest of the grouping as a facilitator would leave it: most cards in
	// a few themes per prompt, some loose (they become themes of their own).
	// The host may send 600 commands a minute in bursts of 60: wait out a
	// refusal as the remote's user would.
	paced := func(typ string, data any) {
		t.Helper()
		for range 50 {
			f := host.reply(host.send(typ, data))
			if f.Type == "ack" {
				return
			}
			if f.Code != "rate_limited" {
				t.Fatalf("%s: %s %s", typ, f.Code, f.Message)
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Fatalf("%s: still rate limited", typ)
	}
	v = hostView()
	for pi, prompt := range scalePrompts {
		ids := loose(v, prompt)
		for g := 0; g+4 <= len(ids) && g < 16; g += 4 {
			paced("board.theme", map[string]any{"name": fmt.Sprintf("Тема %d.%d: %s", pi+1, g/4+1, scaleObjects[(pi*3+g)%14]), "card": ids[g]})
			th := waitHost("a theme", func(v boardViewFull) bool { return cardOf(v, ids[g]).Theme != "" })
			tid := cardOf(th, ids[g]).Theme
			for _, id := range ids[g+1 : g+4] {
				paced("board.place", map[string]any{"card": id, "theme": tid})
			}
		}
	}
	phoneRemote := b.tab(390, 844, true)
	b.do(phoneRemote, "the remote on a phone", chromedp.Navigate(base+"/host/"+c.Room+"#h="+c.HostToken), chromedp.WaitVisible(testid("ws-themes")))
	assertTargets(phoneRemote, t, "#h-board", 44, "the remote on a phone")
	b.screenshot(phoneRemote, "scale-host-group-390x844.png")
	pages("group", true)

	// Vote: everyone gives their five dots; the phone in Chromium taps one.
	next("start the vote")
	v = waitHost("vote", func(v boardViewFull) bool { return v.Phase == "vote" })
	teamOf := map[string]int{}
	for _, c := range v.Cards {
		teamOf[c.ID] = 1 // the phone's card in Chromium
		for team := 1; team <= 8; team++ {
			for p := range 7 {
				for k := range 3 {
					if scaleText(team, p, k) == c.Text {
						teamOf[c.ID] = team
					}
				}
			}
		}
	}
	var live []string
	for _, c := range v.Cards {
		if c.Theme != "" && !c.Hidden && c.MergedInto == "" && c.Reformulate == "" {
			live = append(live, c.ID)
		}
	}
	n := 0
	for team := 1; team <= 8; team++ {
		for _, cl := range phones[team] {
			given := 0
			for given < 5 {
				id := live[(n*37+given*11)%len(live)]
				n++
				if teamOf[id] == team {
					continue
				}
				dots := min(2, 5-given)
				if f := cl.reply(cl.send("board.dots", map[string]any{"card": id, "dots": dots})); f.Type != "ack" {
					continue // this phone gave the card dots already
				}
				given += dots
			}
		}
	}
	b.do(phone, "tap a dot", chromedp.WaitVisible(testid("board-phone-vote")), chromedp.Click(chromedp.CSS(`[data-testid="dot-plus"]:not([disabled])`)))
	waitHost("every phone voted", func(v boardViewFull) bool { return v.Voters == 24 })
	assertTargets(phone, t, "#v-room", 44, "the phone's ballot")
	b.screenshot(phone, "scale-phone-vote-360x740.png")
	pages("vote", true)

	next("close the vote")
	pages("results", true)

	// Recommend: the phone drafts, the host sees it arrive, takes it over,
	// edits and finalises it; the other teams fill theirs over WebSockets.
	next("on to recommendations")
	v = waitHost("recommendations", func(v boardViewFull) bool { return v.Phase == "recommend" && len(v.Recs) > 0 })
	draft := "Подписать соглашение о партнёрстве с перечнем обязанностей каждой стороны, графиком встреч и порядком замены координаторов"
	b.do(phone, "draft on the phone",
		chromedp.WaitVisible(testid("rec-form")),
		chromedp.SendKeys(testid("rec-action"), draft),
		chromedp.Click(chromedp.CSS(`[data-testid="rec-form"] input[value="both"]`)),
		chromedp.SendKeys(testid("rec-deadline"), "До 1 марта 2027"),
	)
	b.waitFor(remote, "the draft arrives on the host page", fmt.Sprintf(`[...document.querySelectorAll('[data-testid="host-draft"]')].some(e => e.textContent.includes(%q))`, draft[:40]))
	assertTargets(phone, t, "#v-room", 44, "the phone's recommendation")
	b.screenshot(phone, "scale-phone-recommend-360x740.png")
	for team := 2; team <= 8; team++ {
		cl := phones[team][0]
		cl.waitFor("a recommendation", func(cl *client) bool { m, ok := boardOf[boardMeT](cl, "me"); return ok && len(m.Recs) > 0 })
		m, _ := boardNow[boardMeT](cl, "me")
		cl.do("board.fill", map[string]any{"theme": m.Recs[0],
			"action":      fmt.Sprintf("Команда %d предлагает: %s, а итоги публиковать на сайтах учреждения и НКО раз в квартал, чтобы подопечные и их семьи видели, что изменилось.", team, scaleText(team, 1, 0)),
			"responsible": []string{"state", "ngo", "both"}[team%3], "deadline": "Первое полугодие 2027 года",
			"risk": "Смена руководства учреждения; нехватка волонтёров летом; договорённости остаются на бумаге, если их не проверять на встречах."})
	}
	mine := ""
	waitHost("the phone's draft", func(v boardViewFull) bool {
		for _, r := range v.Recs {
			for _, d := range r.Drafts {
				if d.Team == "t1" {
					mine = r.Theme
					return true
				}
			}
		}
		return false
	})
	recSel := fmt.Sprintf(`[data-testid="host-rec"][data-theme=%q]`, mine)
	final := "Подписать соглашение о партнёрстве учреждения и НКО: обязанности сторон, встречи раз в месяц, замена координаторов"
	// Two teams may share a recommendation: take over the phone's team's draft.
	if !b.evalBool(remote, fmt.Sprintf(`(() => {
		const d = [...document.querySelectorAll(%q)].find((e) => e.textContent.includes(%q));
		if (!d) return false;
		d.querySelector('[data-testid="host-adopt"]').click();
		return true;
	})()`, recSel+` [data-testid="host-draft"]`, draft[:40])) {
		t.Fatal("the phone's draft is not on the host page")
	}
	waitHost("adopted", func(v boardViewFull) bool { return recOf(v, mine).Action == draft })
	action := chromedp.CSS(recSel + ` [data-testid="rec-action"]`)
	// Found and focused in one step: the remote may redraw the card between
	// a lookup and a focus, and while a field has focus it does not redraw.
	b.waitFor(remote, "focus the action", fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		if (!el || el.value !== %q) return false;
		el.focus();
		return document.activeElement === el;
	})()`, recSel+` [data-testid="rec-action"]`, draft))
	b.evalBool(remote, `(() => { const el = document.activeElement; el.value = ''; el.dispatchEvent(new Event('input')); return true; })()`)
	b.do(remote, "edit and save",
		chromedp.SendKeys(action, final),
		chromedp.Click(chromedp.CSS(recSel+` [data-testid="host-rec-save"]`)))
	waitHost("the host's text", func(v boardViewFull) bool { return recOf(v, mine).Action == final })
	b.do(remote, "finalise", chromedp.Click(chromedp.CSS(recSel+` [data-testid="host-finalise"]`)))
	waitHost("final", func(v boardViewFull) bool { return recOf(v, mine).Final })
	b.waitFor(phone, "the phone sees it final", `document.querySelector('[data-testid="board-phone-recommend"]').textContent.includes('утвердил')`)
	b.screenshot(remote, "scale-host-recommend-1366x768.png")
	pages("recommend", true)

	next("finalise every recommendation")
	pages("final", true)
	// The same in English.
	for _, p := range []context.Context{big, small} {
		b.do(p, "English", chromedp.Click(testid("lang-en")))
		b.waitFor(p, "English on the projector", `document.querySelector('.bd-phase').textContent === 'Done'`)
	}
	pages("final", false)
	b.screenshot(big, "scale-projector-final-en-1920x1080.png")

	// The document: named after the room, and a DOCX that LibreOffice opens.
	dir := t.TempDir()
	var mu sync.Mutex
	names := map[string]string{} // guid → suggested name
	chromedp.Listen(remote, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *cdpbrowser.EventDownloadWillBegin:
			names[e.GUID] = e.SuggestedFilename
		}
	})
	b.do(remote, "allow downloads", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: ptrTo(true)})
		return err
	}))
	// One download at a time: a page that starts several at once may be
	// held back by the browser's guard against automatic downloads.
	for i, f := range []string{"docx", "md", "csv", "json"} {
		b.do(remote, "download "+f, chromedp.Click(testid("board-export-"+f)))
		for began := time.Now(); ; time.Sleep(50 * time.Millisecond) {
			mu.Lock()
			n := len(names)
			mu.Unlock()
			if n > i || time.Since(began) > 15*time.Second {
				break
			}
		}
	}
	day := time.Now().UTC().Format("2006-01-02")
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		var got []string
		for _, name := range names {
			got = append(got, name)
		}
		mu.Unlock()
		if len(got) == 4 {
			slices.Sort(got)
			want := []string{}
			for _, e := range []string{"csv", "docx", "json", "md"} {
				want = append(want, "Эффективное партнёрство - рекомендации "+day+"."+e)
			}
			if !slices.Equal(got, want) {
				t.Errorf("downloads are named %q, want %q", got, want)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the browser began %d downloads of 4: %v", len(got), got)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The same DOCX, fetched as the browser did, converted as a person
	// opening it in LibreOffice would.
	resp, err := http.Get(base + "/api/rooms/" + c.Room + "/board.docx?token=" + c.HostToken)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET board.docx: %d %v", resp.StatusCode, err)
	}
	in := filepath.Join(dir, "board.docx")
	if err := os.WriteFile(in, body, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(lo, "--headless", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--convert-to", "pdf", "--outdir", dir, in)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("libreoffice: %v\n%s", err, out)
	}
	pdf := filepath.Join(dir, "board.pdf")
	info, err := exec.Command(pdfinfo, pdf).Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	m := regexp.MustCompile(`Pages:\s+(\d+)`).FindSubmatch(info)
	if m == nil {
		t.Fatalf("pdfinfo: no page count in %s", info)
	}
	pagesN, _ := strconv.Atoi(string(m[1]))
	text, err := exec.Command(pdftotext, "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	t.Logf("the DOCX converts to a PDF of %d pages", pagesN)
	if pagesN < 4 || pagesN > 40 {
		t.Errorf("the document of 168 cards has %d pages", pagesN)
	}
	flat := strings.Join(strings.Fields(string(text)), " ")
	for _, want := range []string{"Эффективное партнёрство: рекомендации", "Участники", "Рекомендации", "Темы", "Приложение. Все карточки", "Договор и роли", final} {
		if !strings.Contains(flat, want) {
			t.Errorf("the converted document lacks %q", want)
		}
	}
	// A merged duplicate appears only under the card it was merged into.
	dup := "Ежемесячная встреча партнеров"
	if cardOf(hostView(), meet1).MergedInto != "" {
		dup = "Ежемесячная встреча партнёров"
	}
	if n, under := strings.Count(flat, dup), strings.Count(flat, "похожие: "+dup); n == 0 || n != under {
		t.Errorf("the merged duplicate %q is in the document %d times, %d of them under the card it duplicates", dup, n, under)
	}
	if os.Getenv("HUDDLE_DOCX_DIR") != "" {
		_ = exec.Command("cp", pdf, os.Getenv("HUDDLE_DOCX_DIR")).Run()
	}
}

// boardViewFull is what the scale test reads of the host's board view.
type boardViewFull struct {
	Phase string `json:"phase"`
	Shown int    `json:"shown"`
	Page  int    `json:"page"`
	Cards []struct {
		boardCardView
		MergedInto string `json:"merged_into"`
	} `json:"cards"`
	Themes []struct {
		ID    string   `json:"id"`
		Name  string   `json:"name"`
		Cards []string `json:"cards"`
	} `json:"themes"`
	Suggestions []struct {
		Cards []string `json:"cards"`
		Exact bool     `json:"exact"`
	} `json:"suggestions"`
	Undo int `json:"undo"`
	Recs []struct {
		Theme  string `json:"theme"`
		Action string `json:"action"`
		Final  bool   `json:"final"`
		Drafts []struct {
			Team   string `json:"team"`
			Action string `json:"action"`
		} `json:"drafts"`
	} `json:"recommendations"`
	Voters int `json:"voters"`
}

type fullCard = struct {
	boardCardView
	MergedInto string `json:"merged_into"`
}

func cardOf(v boardViewFull, id string) fullCard {
	for _, c := range v.Cards {
		if c.ID == id {
			return c
		}
	}
	return fullCard{}
}

func themeOf(v boardViewFull, id string) *struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	Cards []string `json:"cards"`
} {
	for i := range v.Themes {
		if v.Themes[i].ID == id {
			return &v.Themes[i]
		}
	}
	return nil
}

func recOf(v boardViewFull, theme string) (out struct {
	Action string
	Final  bool
}) {
	for _, r := range v.Recs {
		if r.Theme == theme {
			out.Action, out.Final = r.Action, r.Final
		}
	}
	return out
}

func ptrTo[T any](v T) *T { return &v }

func needTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is needed: %v", name, err)
		}
		t.Skipf("%s not found; skipping", name)
	}
	return path
}
