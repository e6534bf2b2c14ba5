package ui

import (
	"strings"
	"testing"

	"github.com/dexra/dexra-tui/ui/frame"
)

func TestToastShortensTheSubjectNotTheMessage(t *testing.T) {
	msg := "sent the event ID 01JNGQ7Z8K4ABCDEF0000000AA to the terminal clipboard (OSC 52)"
	got := fitToast(msg, 60)
	if frame.Width(got) > 60 || !strings.HasSuffix(strings.TrimRight(got, " "), "to the terminal clipboard (OSC 52)") || !strings.Contains(got, "01JNGQ") {
		t.Fatalf("fitToast = %q: the ID is shortened, the message kept whole", got)
	}
	// No subject to shorten: whole words are dropped, never cut.
	words := "the listener's answer can only change in the console's own listener"
	got = strings.TrimRight(fitToast(words, 30), " ")
	if !strings.HasSuffix(got, "…") || !strings.HasPrefix(words, strings.TrimSuffix(got, "…")) || strings.Contains(words, strings.TrimSuffix(got, "…")+"x") {
		t.Fatalf("fitToast = %q", got)
	}
	cut := strings.TrimSuffix(got, "…")
	if next := words[len(cut):]; next != "" && next[0] != ' ' {
		t.Fatalf("fitToast cut a word: %q", got)
	}
	if fitToast("short", 30) != "short" {
		t.Fatal("a toast that fits is left alone")
	}
}

func TestToastOnANarrowScreenKeepsItsMessage(t *testing.T) {
	m := fixtureModel(t, 60, 15)
	drive(m, press("i"))
	status := strings.Split(screenText(m), "\n")[13]
	if !strings.Contains(status, "to the terminal clipboard (OSC 52)") {
		t.Fatalf("status line at 60 columns: %q", status)
	}
}
