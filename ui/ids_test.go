package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
)

// TestDetailShowsAUniquePrefixOfTheID: ULIDs made in the same millisecond share their
// first 10 characters, so the title shows as many as tell the event apart.
func TestDetailShowsAUniquePrefixOfTheID(t *testing.T) {
	st := openStore(t)
	fill(t, st, nil)
	for _, id := range []string{"01JNGQ7Z8K4ABCDEF0000000AA", "01JNGQ7Z8K4ABCDXYZ000000BB", "01JNGQ7Z8K9QQQQQQQQQQQQQQQ"} {
		fill(t, st, []*payloads.Event{dexatelEvent(id, clock, "delivered")})
	}
	m := testModel(st, false)
	start(m, 120, 35)
	if got := screenText(m); !strings.Contains(got, "· 01JNGQ7Z8K9… ·") {
		t.Fatalf("the newest event's title should show 11 characters:\n%s", got)
	}
	drive(m, press("k"))
	if got := screenText(m); !strings.Contains(got, "· 01JNGQ7Z8K4ABCDX… ·") {
		t.Fatalf("an event sharing 15 characters should show 16:\n%s", got)
	}
}

func TestCopyIDSendsTheFullID(t *testing.T) {
	m := fixtureModel(t, 120, 35)
	msgs := execute(m.handleKey(press("i")))
	if len(msgs) != 1 {
		t.Fatalf("i produced %d messages", len(msgs))
	}
	cm := msgs[0].(copyMsg)
	if cm.text != "01JNGQ0000000000000000000F" {
		t.Fatalf("i copies %q, want the selected event's full ID", cm.text)
	}
	_, cmd := m.Update(cm)
	var clip string
	for _, msg := range execute(cmd) {
		if fmt.Sprintf("%T", msg) == "tea.setClipboardMsg" { // OSC 52, written by the program
			clip = fmt.Sprint(msg)
		}
	}
	if clip != cm.text {
		t.Fatalf("the clipboard got %q", clip)
	}
	if got := screenText(m); !strings.Contains(got, "sent the event ID 01JNGQ") || !strings.Contains(got, "(OSC 52)") || strings.Contains(got, "copied") {
		t.Fatalf("the toast says what was sent, and not that it was copied:\n%s", got)
	}
}

func TestCopyInsideTmuxSaysHowToLetItThrough(t *testing.T) {
	st := openStore(t)
	fill(t, st, fixtureEvents())
	m := quietModel(Options{Reader: st, Location: time.UTC, Tmux: true, ListenURL: "http://127.0.0.1:4242"})
	start(m, 120, 35)
	drive(m, press("y"))
	if got := screenText(m); !strings.Contains(got, "tmux set -s set-clipboard on") {
		t.Fatalf("inside tmux the toast says how to let OSC 52 through:\n%s", got)
	}
}
