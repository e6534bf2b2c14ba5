package ui

import (
	"context"
	"strings"
	"testing"

	"github.com/dexra/dexra-tui/payloads/catalog"
	"github.com/dexra/dexra-tui/tunnel"
)

// TestHelpScrollsToEveryKeyOnASmallScreen: at 60×15 the help does not fit; scrolling
// shows every binding of the key map and the filter language.
func TestHelpScrollsToEveryKeyOnASmallScreen(t *testing.T) {
	m := fixtureModel(t, 60, 15)
	drive(m, press("?"))
	seen := screenText(m)
	if !strings.Contains(seen, "scroll") {
		t.Fatalf("the help does not say it scrolls:\n%s", seen)
	}
	for range 40 {
		drive(m, press("down"))
		seen += "\n" + screenText(m)
	}
	for _, group := range m.keys.FullHelp() {
		for _, b := range group {
			if h := b.Help(); !strings.Contains(seen, h.Key) || !strings.Contains(seen, h.Desc) {
				t.Errorf("never shown: %s %s", h.Key, h.Desc)
			}
		}
	}
	if !strings.Contains(seen, "-term") {
		t.Error("the filter language's last line was never shown")
	}
	for _, l := range strings.Split(screenText(m), "\n") {
		if w := len([]rune(l)); w > 60 {
			t.Fatalf("a line is wider than the screen: %q", l)
		}
	}
	drive(m, press("up"))
	bottom := screenText(m)
	drive(m, press("g"))
	if screenText(m) == bottom || !strings.Contains(screenText(m), "0%") {
		t.Fatalf("g goes back to the top:\n%s", screenText(m))
	}
	drive(m, press("esc"))
	if m.showHelp {
		t.Fatal("esc closes the help")
	}
}

// The one-line help of the trigger picker and of a menu names their own keys: enter
// sends or chooses there, it does not open the detail.
func TestPickerAndMenusShowTheirOwnKeysInTheHelpLine(t *testing.T) {
	for _, c := range []struct{ key, want string }{
		{"t", "↑/k up • ↓/j down • enter send • esc cancel"},
		{"a", "↑/k up • ↓/j down • enter choose • esc close"},
		{"x", "↑/k up • ↓/j down • enter choose • esc close"},
	} {
		st := openStore(t)
		fill(t, st, fixtureEvents())
		m := testModel(st, false)
		m.opts.Trigger = func(context.Context, catalog.EventType) (tunnel.TriggerResult, error) {
			return tunnel.TriggerResult{Status: 200}, nil
		}
		m.opts.Responder = tunnel.NewResponder(tunnel.Respond{Status: 200})
		start(m, 120, 35)
		drive(m, press(c.key))
		lines := strings.Split(screenText(m), "\n")
		if got := strings.TrimRight(lines[len(lines)-1], " "); got != c.want {
			t.Errorf("%s: help line %q, want %q", c.key, got, c.want)
		}
	}
}
