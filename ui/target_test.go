package ui

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/payloads"
)

// TestReplayWithoutATargetAsksForOne: r asks for the app's URL, refuses an invalid one
// inline, replays to a valid one at once, and hands it to SaveForwardTarget.
func TestReplayWithoutATargetAsksForOne(t *testing.T) {
	a := startApp(t, "127.0.0.1:0")
	st := openStore(t)
	ev := dexatelEvent("01JNGQ0000000000000000000A", clock, "delivered")
	fill(t, st, []*payloads.Event{ev})
	var saved []string
	f := &forwarding{st: st}
	m := quietModel(Options{Reader: st, Location: time.UTC, Replay: f.replayConfig(), Now: func() time.Time { return clock },
		SaveForwardTarget: func(url string) error { saved = append(saved, url); return nil }})
	start(m, 120, 35)

	drive(m, press("r"))
	if !m.menu.IsOpen() || !m.menu.Editing() || !strings.Contains(screenText(m), "FORWARD TO") {
		t.Fatalf("r without a target does not ask for one:\n%s", screenText(m))
	}
	if !strings.Contains(screenText(m), "forwarded there from the next start") {
		t.Fatalf("the question does not say a saved target forwards every event from the next start:\n%s", screenText(m))
	}
	typeText(m, "not a url")
	drive(m, press("enter"))
	if !m.menu.IsOpen() || len(a.requests()) != 0 || len(saved) != 0 {
		t.Fatalf("an invalid URL is taken:\n%s", screenText(m))
	}
	if !strings.Contains(screenText(m), "not a url") {
		t.Fatalf("the typed text is kept:\n%s", screenText(m))
	}
	for range len("not a url") {
		drive(m, press("backspace"))
	}
	drive(m, tea.PasteMsg{Content: a.url() + "/hooks"}, press("enter"))
	if got := a.requests(); len(got) != 1 || !strings.HasPrefix(got[0].path, "/hooks") {
		t.Fatalf("the app got %+v, want the event at /hooks", got)
	}
	if len(saved) != 1 || saved[0] != a.url()+"/hooks" {
		t.Fatalf("SaveForwardTarget got %v", saved)
	}
	drive(m, press("r")) // now it has one: no question
	if m.menu.IsOpen() || len(a.requests()) != 2 {
		t.Fatalf("r with a target asked again or sent nothing (%d requests)", len(a.requests()))
	}
}

func TestEditAndReplayFailedAskForATargetToo(t *testing.T) {
	st := openStore(t)
	fill(t, st, fixtureEvents())
	f := &forwarding{st: st}
	for _, k := range []string{"e", "R"} {
		m := quietModel(Options{Reader: st, Location: time.UTC, Replay: f.replayConfig(),
			SaveForwardTarget: func(string) error { return errors.New("config is read-only") }})
		start(m, 80, 24)
		drive(m, press("g"), press(k)) // the oldest: a JSON delivery
		if !m.menu.IsOpen() {
			t.Fatalf("%s without a target does not ask for one", k)
		}
		drive(m, tea.PasteMsg{Content: "http://" + downAddr(t)}, press("enter"))
		if len(m.opts.Replay.Targets) != 1 {
			t.Fatalf("%s: the target is not used for this run", k)
		}
		if k == "e" && !m.editor.IsOpen() {
			t.Fatalf("e went on to the editor? %s", screenText(m))
		}
		if k == "R" && !strings.Contains(screenText(m), "not saved: config is read-only") {
			t.Fatalf("a failed save is said:\n%s", screenText(m))
		}
	}
}
