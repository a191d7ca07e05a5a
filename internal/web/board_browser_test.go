package web

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserBoard plays the shipped hackathon board through the real pages
// in Chromium: a phone joins with its sector and writes a card by typing,
// the projector reveals the cards and shows the vote, and the printable
// document opens with the host token. Screenshots of each are left for a
// person to look at (see screenshot).
func TestBrowserBoard(t *testing.T) {
	execPath := chromiumPath(t)
	base := startTestServer(t)
	b := newBrowser(t, execPath)
	testid := func(id string) chromedp.CSS { return chromedp.CSS(fmt.Sprintf("[data-testid=%q]", id)) }
	c := createRoom(t, base, map[string]any{"scenario": "partnership-board"})
	host := dial(t, base, c.Room, c.HostToken)

	projector := b.tab(1920, 1080, false)
	b.do(projector, "open the projector", chromedp.Navigate(base+"/screen/"+c.Room+"#s="+c.ScreenToken), chromedp.WaitVisible(testid("stage")))

	phone := b.tab(390, 844, true)
	b.do(phone, "join with a sector",
		chromedp.Navigate(base+"/j/"+c.Code),
		chromedp.WaitVisible(testid("name-input")),
		chromedp.SendKeys(testid("name-input"), "Анна"),
		chromedp.WaitVisible(testid("sector-picker")),
		chromedp.Click(chromedp.CSS(`[data-testid="sector-choice"] input[value="ngo"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="team-choice"] input[value="t1"]`)),
		chromedp.Click(testid("join-button")),
		chromedp.WaitVisible(testid("you-are-in")),
	)

	// Phones of three more teams, over WebSockets.
	var others []*client
	for i, team := range []string{"t2", "t3", "t4"} {
		j := joinRoom(t, base, c.Code, fmt.Sprintf("Игрок %d", i), team)
		others = append(others, dial(t, base, c.Room, j.Token))
	}
	host.do("start", nil)

	b.waitFor(projector, "the prompts", `!!document.querySelector('[data-testid="board-write"]')`)
	b.do(phone, "write a card",
		chromedp.WaitVisible(testid("board-phone-write")),
		chromedp.SendKeys(chromedp.CSS(`[data-testid="card-input"]`), "Подписывать соглашение о сотрудничестве с понятными обязательствами сторон"),
		chromedp.Click(chromedp.CSS(`[data-testid="card-add"]`)),
	)
	b.waitFor(phone, "the card in the team's list", `document.querySelectorAll('.bd-own .bd-card').length === 1`)
	b.do(phone, "start a second card", chromedp.SendKeys(chromedp.CSS(`[data-testid="card-input"]`), "Раз в месяц — общая встреча"))
	b.screenshot(phone, "board-phone-write-390x844.png")

	texts := []string{
		"Назначить ответственного с каждой стороны и записать это в договор",
		"Сообщать партнёру о срыве сроков сразу, а не в отчёте",
		"Общий план на полгода с этапами и ресурсами",
		"Ежемесячная встреча и общий чат проекта",
		"Учитывать показатели учреждения и интересы НКО при планировании",
		"Открыто показывать, на что идут деньги",
	}
	for i, text := range texts {
		cl := others[i%3]
		cl.do("board.card", map[string]any{"prompt": "agreements", "text": text})
	}
	// A full second prompt: seven teams, three cards each.
	for i, team := range []string{"t5", "t6", "t7", "t8"} {
		j := joinRoom(t, base, c.Code, fmt.Sprintf("Игрок %d", i+3), team)
		others = append(others, dial(t, base, c.Room, j.Token))
	}
	ideas := []string{
		"Закрепить в соглашении, кто отвечает за набор волонтёров и их инструктаж",
		"Общая таблица задач",
		"Один координатор с каждой стороны, его замена на время отпуска и болезни тоже назначена заранее",
	}
	for _, cl := range others {
		for _, idea := range ideas {
			cl.do("board.card", map[string]any{"prompt": "roles", "text": idea})
		}
	}
	// And enough on a third that the whole board no longer fits on a screen.
	for i, cl := range others {
		for k := range 2 {
			cl.do("board.card", map[string]any{"prompt": "setbacks", "text": fmt.Sprintf("Сообщить партнёру в течение %d дней (вариант %d)", i+1, k+1)})
		}
	}
	// Hostile texts: markup that must stay text, and a word too long for
	// any card.
	others[0].do("board.card", map[string]any{"prompt": "agreements", "text": `<img src=x onerror="window.pwned=1">**жирный**`})
	others[1].do("board.card", map[string]any{"prompt": "agreements", "text": strings.Repeat("Ж", 200)})

	b.waitFor(projector, "the counts", `document.querySelector('[data-testid="board-write"]').textContent.includes('9 карточек')`)
	b.screenshot(projector, "board-projector-write-1920x1080.png")
	host.do("next", nil)
	remote := b.tab(390, 844, true)
	b.do(remote, "the host's remote", chromedp.Navigate(base+"/host/"+c.Room+"#h="+c.HostToken), chromedp.WaitVisible(testid("host-board")))
	b.waitFor(remote, "cards on the remote", `document.querySelectorAll('.ws-card').length >= 9`)
	b.screenshot(remote, "board-host-reveal-390x844.png")
	b.waitFor(projector, "cards revealed", `document.querySelectorAll('[data-testid="board-reveal"] [data-testid="board-card"]').length > 0`)
	// The prompt's nine cards, page by page as the host turns them.
	seen := 0
	pages, _ := strconv.Atoi(b.evalString(projector, `document.querySelector('[data-testid="board-reveal"]').dataset.pages`))
	for i := range pages {
		host.do("board.page", map[string]any{"page": i})
		b.waitFor(projector, "a page", fmt.Sprintf(`document.querySelector('[data-testid="board-reveal"]').dataset.page === '%d'`, i))
		seen += int(evalJS[float64](b, projector, `document.querySelectorAll('[data-testid="board-reveal"] [data-testid="board-card"]').length`))
		if b.evalBool(projector, `!!window.pwned || !!document.querySelector('.bd-card img, .bd-card strong')`) {
			t.Error("a card's text was read as markup")
		}
		assertFits(projector, t, fmt.Sprintf("page %d of the first prompt", i+1))
	}
	if seen != 9 {
		t.Errorf("the projector's pages show %d cards of 9", seen)
	}
	host.do("board.page", map[string]any{"page": 0})
	if b.evalBool(projector, `!!document.querySelector('.bd-author')`) {
		t.Error("the projector shows an author, though the board shows teams only")
	}
	if b.evalBool(projector, `!!window.pwned || !!document.querySelector('.bd-card img, .bd-card strong')`) {
		t.Error("a card's text was read as markup")
	}
	if b.evalBool(projector, `[...document.querySelectorAll('[data-testid="board-card"]')].some(c => c.scrollWidth > c.clientWidth + 1) || document.documentElement.scrollWidth > innerWidth`) {
		t.Error("a card overflows on the projector")
	}
	b.screenshot(projector, "board-projector-reveal-1920x1080.png")

	// The facilitator sends the phone's card back; the phone rewrites it.
	var rv boardViewT
	host.waitFor("the phone's card", func(cl *client) bool {
		var ok bool
		rv, ok = boardOf[boardViewT](cl, "view")
		return ok && len(rv.Cards) == 44
	})
	var mine string
	for _, card := range rv.Cards {
		if card.Team == "Мост" {
			mine = card.ID
		}
	}
	host.do("board.reformulate", map[string]any{"card": mine, "note": "Кто подписывает?"})
	b.do(phone, "the card comes back", chromedp.WaitVisible(testid("rewrite-input")))
	b.screenshot(phone, "board-phone-rewrite-390x844.png")
	b.evalBool(phone, `(() => { const el = document.querySelector('[data-testid="rewrite-input"]'); el.value = ''; el.dispatchEvent(new Event('input')); return true; })()`)
	b.do(phone, "rewrite it",
		chromedp.SendKeys(testid("rewrite-input"), "Руководители учреждения и НКО подписывают соглашение о сотрудничестве"),
		chromedp.Click(testid("rewrite-send")),
	)
	b.waitFor(projector, "the rewritten card on the projector", `document.querySelector('[data-testid="board-reveal"]').textContent.includes('Руководители учреждения')`)

	host.do("next", nil)
	b.waitFor(projector, "a full prompt", `document.querySelector('[data-testid="board-reveal"]').dataset.shown === '2'`)
	assertFits(projector, t, "a full prompt on the projector")
	b.screenshot(projector, "board-projector-reveal-full-1920x1080.png")
	for range 6 {
		host.do("next", nil) // five more prompts, then themes
	}
	var gv boardViewT
	host.waitFor("grouping", func(cl *client) bool {
		var ok bool
		gv, ok = boardOf[boardViewT](cl, "view")
		return ok && gv.Phase == "group"
	})
	host.do("board.theme", map[string]any{"name": "Договор и роли", "card": gv.Cards[0].ID})
	host.do("board.theme", map[string]any{"name": "Связь и доверие", "card": gv.Cards[3].ID})
	b.waitFor(projector, "themes on the projector", `[...document.querySelectorAll('.bd-cluster h3')].some(e => e.textContent === 'Договор и роли')`)
	// Cards in no theme yet stand together as one cluster, with their count.
	if !b.evalBool(projector, `[...document.querySelectorAll('.bd-cluster.loose .bd-count-badge')].some(e => parseInt(e.textContent) > 30)`) {
		t.Error("the projector does not count the cards in no theme")
	}
	assertFits(projector, t, "themes on the projector")
	b.screenshot(projector, "board-projector-group-1920x1080.png")
	b.do(remote, "the remote while grouping", chromedp.WaitVisible(chromedp.CSS(`[data-testid="ws-themes"]`)))
	b.screenshot(remote, "board-host-group-390x844.png")
	host.do("next", nil) // the vote
	b.waitFor(projector, "the vote", `!!document.querySelector('[data-testid="board-vote"]')`)
	var v boardViewT
	host.waitFor("vote view", func(cl *client) bool {
		var ok bool
		v, ok = boardOf[boardViewT](cl, "view")
		return ok && v.Phase == "vote"
	})
	others[0].do("board.dots", map[string]any{"card": v.Cards[len(v.Cards)-1].ID, "dots": 2})
	b.waitFor(projector, "one voter", `document.querySelector('[data-testid="board-voted"]').textContent.includes('1')`)
	if !b.evalBool(projector, `document.querySelectorAll('.bd-chip').length > 20`) {
		t.Error("the projector does not list the ballot of a big board")
	}
	assertFits(projector, t, "the ballot on the projector")
	b.screenshot(projector, "board-projector-vote-1920x1080.png")
	b.do(phone, "the phone's ballot", chromedp.WaitVisible(testid("board-phone-vote")))
	b.screenshot(phone, "board-phone-vote-390x844.png")

	host.do("next", nil)
	b.waitFor(projector, "results", `!!document.querySelector('[data-testid="board-ranking"]')`)
	b.screenshot(projector, "board-projector-results-1920x1080.png")
	host.do("next", nil)
	b.waitFor(projector, "recommendations", `!!document.querySelector('[data-testid="board-rec"]')`)
	b.screenshot(projector, "board-projector-recommend-1920x1080.png")
	b.do(phone, "the phone's recommendation form",
		chromedp.WaitVisible(testid("rec-form")),
		chromedp.SendKeys(testid("rec-action"), "Публиковать ежеквартальный отчёт о расходах на сайте НКО и учреждения"),
		chromedp.Click(chromedp.CSS(`[data-testid="rec-form"] input[value="both"]`)),
		chromedp.SendKeys(testid("rec-deadline"), "Ежеквартально, с I квартала 2027"),
		chromedp.Click(testid("rec-save")),
	)
	b.waitFor(projector, "the action on the projector", `document.querySelector('[data-testid="board-rec"]').textContent.includes('ежеквартальный отчёт')`)
	b.screenshot(phone, "board-phone-recommend-390x844.png")
	b.screenshot(projector, "board-projector-recommend-filled-1920x1080.png")

	doc := b.tab(1240, 1754, false)
	b.do(doc, "the printable document",
		chromedp.Navigate(base+"/print/"+c.Room+"?token="+c.HostToken),
		chromedp.WaitVisible(chromedp.CSS("main.doc h1")),
	)
	if !b.evalBool(doc, `document.querySelector('main.doc').textContent.includes('Руководители учреждения')`) {
		t.Error("the printable document lacks the phone's card")
	}
	// A long unbroken word from a phone stays on the page.
	if b.evalBool(doc, `[...document.querySelectorAll('main.doc *')].some((el) => el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).display !== 'inline')`) {
		t.Error("text runs off the printable document's page")
	}
	b.screenshot(doc, "board-print-1240x1754.png")
}
