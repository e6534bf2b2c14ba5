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

// A message next to an applied filter gets the room it needs: the filter summary
// yields (or, with too little left to read, gives up the line), within the width.
func TestToastBesideAFilterKeepsItsWholeMessage(t *testing.T) {
	long := "cannot edit 01M8VQXHBH…: the body has 144006 lines, more than the in-app editor holds: set $EDITOR to edit it"
	m := fixtureModel(t, 120, 35)
	drive(m, press("/"))
	typeText(m, "sig:fail")
	drive(m, press("enter"))
	for _, c := range []struct{ msg, left string }{
		{long, ""},
		{"cannot edit 01M8VQXHBH…: the body holds U+0000: set $EDITOR to edit it", "filter sig:fail"},
	} {
		drive(m, toastMsg{text: c.msg, isError: true})
		status := strings.Split(screenText(m), "\n")[33]
		if !strings.HasSuffix(strings.TrimRight(status, " "), c.msg) || !strings.HasPrefix(status, c.left) || frame.Width(status) != 120 {
			t.Fatalf("status line beside an applied filter: %q", status)
		}
	}

	// While the filter is typed, its input stays in view beside the message, which
	// shortens its subject (the ID) rather than its ending.
	drive(m, press("/"), toastMsg{text: long, isError: true})
	status := strings.Split(screenText(m), "\n")[33]
	if !strings.HasPrefix(status, "/ sig:fail ") || !strings.HasSuffix(strings.TrimRight(status, " "), ": set $EDITOR to edit it") || frame.Width(status) != 120 {
		t.Fatalf("status line beside the filter being typed: %q", status)
	}

	// A short query being typed stays in view too, though it is narrower than the
	// fewest cells a left part is otherwise given.
	for range len("sig:fail") - 1 {
		drive(m, press("backspace"))
	}
	drive(m, toastMsg{text: long, isError: true})
	status = strings.Split(screenText(m), "\n")[33]
	if !strings.HasPrefix(status, "/ s") || !strings.HasSuffix(strings.TrimRight(status, " "), ": set $EDITOR to edit it") || frame.Width(status) != 120 {
		t.Fatalf("status line beside a one-letter filter being typed: %q", status)
	}
}

// Progress (here a running check) keeps half the status line beside a long message.
func TestToastBesideProgressKeepsThemBoth(t *testing.T) {
	long := "cannot edit 01M8VQXHBH…: the body has 144006 lines, more than the in-app editor holds: set $EDITOR to edit it"
	m := fixtureModel(t, 120, 35)
	m.check.running, m.check.target, m.check.started = true, "http://localhost:3000/hooks", m.opts.Now()
	drive(m, toastMsg{text: long, isError: true})
	status := strings.Split(screenText(m), "\n")[33]
	if !strings.Contains(status, "checking http://localhost:3000/hooks") || !strings.Contains(status, "cannot edit") || frame.Width(status) != 120 {
		t.Fatalf("status line beside a running check: %q", status)
	}
}
