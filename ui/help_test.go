package ui

import (
	"strings"
	"testing"
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
