package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/tunnel"
)

func answerModel(t *testing.T, w, h int) (*Model, *tunnel.Responder) {
	t.Helper()
	m := fixtureModel(t, w, h)
	rs := tunnel.NewResponder(tunnel.Respond{Status: 200, Rate: 1})
	m.opts.Responder = rs
	return m, rs
}

func TestAnswerKeyOpensAMenuOfAnswers(t *testing.T) {
	m, rs := answerModel(t, 120, 35)
	drive(m, press("a"))
	if !m.menu.IsOpen() {
		t.Fatal("a did not open the answer menu")
	}
	screen := screenText(m)
	for _, want := range []string{"LISTENER ANSWERS", "1 • 200 OK", "2   500", "3   429", "4   503", "5   200 after 5s", "6   500 for 30%", "7   timeout", "8   custom…"} {
		if !strings.Contains(screen, want) {
			t.Fatalf("menu lacks %q:\n%s", want, screen)
		}
	}
	if !strings.Contains(screen, "EVENTS") {
		t.Fatalf("the menu is drawn over the list, which stays in view:\n%s", screen)
	}
	drive(m, press("down"), press("down"), press("enter")) // 429
	if m.menu.IsOpen() || rs.Mode().String() != "429" {
		t.Fatalf("after choosing 429: open=%v mode=%s", m.menu.IsOpen(), rs.Mode())
	}
	if got := screenText(m); !strings.Contains(strings.Split(got, "\n")[0], "answers 429") || !strings.Contains(got, "listener now answers 429") {
		t.Fatalf("header badge or toast missing:\n%s", got)
	}
	// The menu marks the answer in force and a digit chooses directly.
	drive(m, press("a"))
	if !strings.Contains(screenText(m), "3 • 429") {
		t.Fatalf("the answer in force is not marked:\n%s", screenText(m))
	}
	drive(m, press("6"))
	if got := rs.Mode().String(); got != "500,rate=0.3" {
		t.Fatalf("6 chose %q, want 500,rate=0.3", got)
	}
	drive(m, press("a"), press("1"))
	if !rs.Mode().Normal() || strings.Contains(strings.Split(screenText(m), "\n")[0], "answers") {
		t.Fatalf("back to 200, the header must not show a badge:\n%s", screenText(m))
	}
	drive(m, press("a"), press("esc"))
	if m.menu.IsOpen() || !rs.Mode().Normal() {
		t.Fatal("esc closes the menu and changes nothing")
	}
}

func TestAnswerMenuTakesACustomSpecAndShowsItsError(t *testing.T) {
	m, rs := answerModel(t, 120, 35)
	drive(m, press("a"), press("8"))
	if !m.menu.Editing() {
		t.Fatal("custom did not open the input")
	}
	typeText(m, "7x")
	drive(m, press("enter"))
	screen := screenText(m)
	if !m.menu.IsOpen() || !strings.Contains(screen, "want a status 200-599") || !rs.Mode().Normal() {
		t.Fatalf("a bad spec is refused inline, the menu stays and nothing changes:\n%s", screen)
	}
	for range 2 {
		drive(m, press("backspace"))
	}
	drive(m, tea.PasteMsg{Content: `201,header=X-A:b,body={"ok":true}`}, press("enter"))
	if m.menu.IsOpen() {
		t.Fatalf("a good spec closes the menu:\n%s", screenText(m))
	}
	r := rs.Mode()
	if r.Status != 201 || r.Headers.Get("X-A") != "b" || string(r.Body) != `{"ok":true}` {
		t.Fatalf("answer %+v, want 201 with X-A: b and the body", r)
	}
	// Opened again, the custom answer in force is in the input.
	drive(m, press("a"))
	if !strings.Contains(screenText(m), `201,header=X-A:b,body={"ok":true}`) {
		t.Fatalf("the custom answer in force is not shown:\n%s", screenText(m))
	}
}

func TestAnswerMenuFitsSmallScreens(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {60, 15}} {
		m, _ := answerModel(t, size[0], size[1])
		drive(m, press("a"))
		lines := strings.Split(screenText(m), "\n")
		if len(lines) != size[1] {
			t.Fatalf("%dx%d: %d lines", size[0], size[1], len(lines))
		}
		screen := strings.Join(lines, "\n")
		for _, want := range []string{"LISTENER ANSWERS", "7   timeout", "8   custom…"} {
			if !strings.Contains(screen, want) {
				t.Fatalf("%dx%d: menu lacks %q:\n%s", size[0], size[1], want, screen)
			}
		}
	}
}

func TestAnswerKeyWithoutAListenerSaysSo(t *testing.T) {
	m := fixtureModel(t, 120, 35)
	drive(m, press("a"))
	if m.menu.IsOpen() || !strings.Contains(screenText(m), "only change in the console's own listener") {
		t.Fatalf("no explanation:\n%s", screenText(m))
	}
}

func TestAnswerChoicesParse(t *testing.T) {
	for _, c := range answerChoices {
		r, err := tunnel.ParseRespond(c.Value)
		if err != nil || r.String() != c.Value {
			t.Errorf("choice %q: %v %q", c.Value, err, r.String())
		}
	}
}
