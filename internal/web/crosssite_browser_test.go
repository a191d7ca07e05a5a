package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/huddle-live/huddle/internal/store"
)

// TestBrowserCrossSiteWrites opens, in Chromium, a page on another site
// that tries every way a page has of writing to huddle without asking: a
// no-cors fetch with a text/plain body, a form posted as text/plain that
// spells JSON, and a JSON fetch (which needs a preflight the server never
// grants). No room is created and no player joins.
func TestBrowserCrossSiteWrites(t *testing.T) {
	execPath := chromiumPath(t)
	st := store.NewMemory()
	e := startEnv(t, st, gameScenario(t))
	c := createRoom(t, e.url, map[string]any{"scenario": "ws-game"})

	page := `<!doctype html><meta charset="utf-8"><body>
<iframe name="sink"></iframe>
<form id="f" method="POST" enctype="text/plain" target="sink" action="TARGET/api/join">
<input name='{"code":"CODE","name":"Форма","x":"' value='"}'></form>
<script>
const T = "TARGET";
const body = JSON.stringify({code: "CODE", name: "Жертва"});
Promise.allSettled([
  fetch(T + "/api/rooms", {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body: '{"scenario":"ws-game"}'}),
  fetch(T + "/api/join", {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body}),
  fetch(T + "/api/join", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({code: "CODE", name: "Предзапрос"})}),
]).then(() => {
  document.querySelector("iframe").onload = () => { document.title = "done"; };
  document.getElementById("f").submit();
});
</script>`
	page = strings.NewReplacer("TARGET", e.url, "CODE", c.Code).Replace(page)
	hostile := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	}))
	defer hostile.Close()
	// localhost against 127.0.0.1: another site, not only another origin.
	hostileURL := strings.Replace(hostile.URL, "127.0.0.1", "localhost", 1)

	b := newBrowser(t, execPath)
	tab := b.tab(1280, 720, false)
	b.do(tab, "open the hostile page", chromedp.Navigate(hostileURL))
	b.waitFor(tab, "the attacks to settle", `document.title === "done"`)

	rooms, err := st.Rooms(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rooms) != 1 {
		t.Errorf("%d rooms after the hostile page, want the 1 made by the test", len(rooms))
	}
	for _, name := range []string{"Жертва", "Форма", "Предзапрос"} {
		joinRoom(t, e.url, c.Code, name, "") // fails with name_taken if the page's join got through
	}
}
