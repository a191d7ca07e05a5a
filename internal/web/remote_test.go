package web

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"
	"github.com/xuri/excelize/v2"

	"github.com/huddle-live/huddle/internal/store"
)

// TestRemoteQR: the QR code of a room's remote is the remote's address
// without any token, for the room's own facilitators only, never cached,
// never to another site.
func TestRemoteQR(t *testing.T) {
	e := startEnvWith(t, store.NewMemory(), shippedScenarios(t), manyRooms)
	_, ownerS := addFacilitator(t, e, "owner")
	_, otherS := addFacilitator(t, e, "other")
	c := createAs(t, e.url, ownerS, map[string]any{"scenario": "partnership-quiz", "team_count": 2})
	path := e.url + "/api/account/rooms/" + c.Room + "/remote.png"

	code, body, resp := call(t, "GET", path, ownerS, nil, "Sec-Fetch-Site", "same-origin")
	if code != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("owner: %d %s, cache %q", code, resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"))
	}
	want, err := qrcode.Encode(e.url+"/host/"+c.Room, qrcode.Medium, 512)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, want) {
		t.Error("the QR code is not the one of the remote's address")
	}
	if bytes.Contains(body, []byte(c.HostToken)) {
		t.Error("the QR code's bytes carry the host token")
	}
	for _, tc := range []struct {
		what, session string
		headers       []string
		want          int
	}{
		{"another facilitator", otherS, nil, http.StatusNotFound},
		{"signed out", "", nil, http.StatusUnauthorized},
		{"the host token alone", "", []string{"Authorization", "Bearer " + c.HostToken}, http.StatusUnauthorized},
		{"the owner from another site", ownerS, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
	} {
		if code, body, _ := call(t, "GET", path, tc.session, nil, tc.headers...); code != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.what, code, body, tc.want)
		}
	}
	if code, _, _ := call(t, "DELETE", e.url+"/api/account/rooms/"+c.Room, ownerS, map[string]any{}); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	if code, _, _ := call(t, "GET", path, ownerS, nil); code != http.StatusNotFound {
		t.Errorf("a deleted room's remote: %d", code)
	}
}

// TestExportLanguage: results come in the room's language whatever the
// browser prefers, unless ?lang= asks for the other.
func TestExportLanguage(t *testing.T) {
	base := startTestServer(t)
	for _, tc := range []struct {
		room, accept, query, want string
	}{
		{"en", "ru-RU,ru;q=0.9", "", "en"},
		{"ru", "en-US,en;q=0.9", "", "ru"},
		{"en", "ru", "?lang=ru", "ru"},
		{"ru", "ru", "?lang=en", "en"},
	} {
		c := createRoom(t, base, map[string]any{"scenario": "partnership-quiz", "team_count": 2, "lang": tc.room})
		code, body, _ := call(t, "GET", base+"/api/rooms/"+c.Room+"/export.csv"+tc.query, "", nil,
			"Authorization", "Bearer "+c.HostToken, "Accept-Language", tc.accept)
		if code != http.StatusOK {
			t.Fatalf("csv: %d", code)
		}
		header := strings.SplitN(strings.TrimPrefix(string(body), "\uFEFF"), "\n", 2)[0]
		if got := map[bool]string{true: "en", false: "ru"}[strings.Contains(header, "Question")]; got != tc.want {
			t.Errorf("room %s, Accept-Language %s, %q: CSV header %s, want %s", tc.room, tc.accept, tc.query, header, tc.want)
		}
		code, body, _ = call(t, "GET", base+"/api/rooms/"+c.Room+"/export.xlsx"+tc.query, "", nil,
			"Authorization", "Bearer "+c.HostToken, "Accept-Language", tc.accept)
		if code != http.StatusOK {
			t.Fatalf("xlsx: %d", code)
		}
		f, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		sheets := strings.Join(f.GetSheetList(), ",")
		f.Close()
		if got := map[bool]string{true: "en", false: "ru"}[strings.Contains(sheets, "Teams")]; got != tc.want {
			t.Errorf("room %s, Accept-Language %s, %q: sheets %s, want %s", tc.room, tc.accept, tc.query, sheets, tc.want)
		}
	}
}
