package ui

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/ui/present"
)

func TestReplayKeysAskForAForwardTarget(t *testing.T) {
	m := fixtureModel(t, 120, 35)
	for _, k := range []string{"r", "e", "R"} {
		m.toast = ""
		drive(m, press(k))
		if m.replay != nil || m.editor.IsOpen() {
			t.Fatalf("%s started something without a forward target", k)
		}
		if got := screenText(m); !strings.Contains(got, "--forward-to URL") || !m.toastIsError {
			t.Fatalf("%s: no clear message about --forward-to:\n%s", k, got)
		}
	}
}

func TestReplaySendsTheSelectedEventAndShowsTheAnswer(t *testing.T) {
	a := startApp(t, "127.0.0.1:0")
	st := openStore(t)
	ev := dexatelEvent("01JNGQ0000000000000000000A", clock, "delivered")
	fill(t, st, []*payloads.Event{ev})
	// A forward target, but no forwarder: the event was never forwarded.
	f := &forwarding{st: st, targets: mustTargets(t, a.url())}
	m := quietModel(Options{Reader: st, Location: time.UTC, Replay: f.replayConfig(), Now: func() time.Time { return clock }})
	start(m, 120, 35)
	if got := screenText(m); strings.Contains(got, "↦") {
		t.Fatalf("a row never replayed has no forward mark:\n%s", got)
	}

	drive(m, press("r"))
	got := a.requests()
	if len(got) != 1 || !bytes.Equal(got[0].body, ev.Body) || got[0].path != "/" {
		t.Fatalf("the app got %d requests (%+v), want the event's body at the exact target URL", len(got), got)
	}
	if got[0].header.Get("X-Dexatel-Signature") != ev.Headers.Get("X-Dexatel-Signature") {
		t.Fatal("a Dexatel event (no timestamp) is replayed as captured: the signature header must be unchanged")
	}
	if m.replay != nil {
		t.Fatal("the run should be over")
	}
	screen := screenText(m)
	for _, want := range []string{
		"replay → 200 OK in", "(captured)", // the toast
		"6 Forwards", "1 attempt · newest first · 1 ok", "captured → 200 OK", "Target    " + a.url() + "/",
		"Response  200 OK", "X-App: test-app", `"seen": 1`, // the app's answer, pretty-printed
		"↦  188B", // the row's forward mark
	} {
		if !strings.Contains(screen, want) {
			t.Errorf("screen lacks %q:\n%s", want, screen)
		}
	}
	if m.detail.Tab() != present.TabForwards {
		t.Errorf("after a replay the detail shows tab %d, want Forwards", m.detail.Tab())
	}
}

func TestReplayFailedForwardsInOrder(t *testing.T) {
	addr := downAddr(t)
	st := openStore(t)
	f := startForwarding(t, st, "http://"+addr)
	m := forwardModel(t, f, "")
	start(m, 120, 35)
	ids := []string{"01JNGQ0000000000000000000A", "01JNGQ0000000000000000000B", "01JNGQ0000000000000000000C"}
	for i, id := range ids {
		f.receive(t, dexatelEvent(id, clock.Add(time.Duration(i)*time.Second), "delivered"))
	}
	// The rows show what the history holds: wait until the attempts are in it, not
	// only counted by the forwarder (which happens a moment before).
	waitFor(t, "three failed forwards recorded", func() bool { return f.recorded.Load() == 3 })
	drive(m, eventsArrivedMsg{count: 3}, m.refreshHealth()(), attemptsRecordedMsg{})
	screen := screenText(m)
	for _, want := range []string{"→ " + addr + " ✗ connection refused", "EVENTS (following)  3 undelivered · R replays", "↛  188B"} {
		if !strings.Contains(screen, want) {
			t.Fatalf("screen lacks %q:\n%s", want, screen)
		}
	}

	a := startApp(t, addr) // the app is back
	drive(m, press("R"))
	got := a.requests()
	if len(got) != 3 {
		t.Fatalf("the app got %d requests, want 3", len(got))
	}
	for i, r := range got {
		want, _ := st.Get(ids[i])
		if !bytes.Equal(r.body, want.Body) {
			t.Fatalf("request %d carried %s, want event %s's body: out of order", i, r.body, ids[i])
		}
	}
	if n := len(f.fwd.Failed()); n != 0 {
		t.Fatalf("%d failed forwards remain after R delivered them all", n)
	}
	drive(m, m.refreshHealth()())
	screen = screenText(m)
	// The forwarder's health only counts forwards; the header also knows the replays.
	for _, want := range []string{"replayed 3 events: 3 ok, 0 failed", "→ " + addr + " ok ", "↦  188B"} {
		if !strings.Contains(screen, want) {
			t.Fatalf("screen lacks %q:\n%s", want, screen)
		}
	}
	if strings.Contains(screen, "undelivered") || strings.Contains(screen, "↛") {
		t.Fatalf("the header still offers R:\n%s", screen)
	}
	drive(m, press("R"))
	if got := screenText(m); !strings.Contains(got, "nothing to replay: no forward has failed") {
		t.Fatalf("R with nothing failed:\n%s", got)
	}
}

func TestReplayProgressBarAndOneRunAtATime(t *testing.T) {
	st := openStore(t)
	fill(t, st, fixtureEvents())
	f := &forwarding{st: st, targets: mustTargets(t, "http://"+downAddr(t))}
	m := quietModel(Options{Reader: st, Location: time.UTC, Replay: f.replayConfig()})
	start(m, 120, 35)
	m.replayGen++
	m.replay = newReplayRun(m.replayGen, replayFailed, "")

	m.Update(replayProgressMsg{gen: m.replayGen, done: 6, total: 12, ok: 5, failed: 1}) // its command waits on the run
	if !m.attemptsDirty {
		t.Error("progress should mark the rows for a refresh")
	}
	status := strings.Split(screenText(m), "\n")[33]
	if !strings.Contains(status, "replaying failed forwards ████████████░░░░░░░░░░░░ 6/12  5 ok · 1 failed") {
		t.Fatalf("status line at half way: %q", status)
	}
	m.Update(replayProgressMsg{gen: m.replayGen - 1, done: 12, total: 12}) // an older run's news
	if m.replay.seen.done != 6 {
		t.Fatal("a message of another run moved the bar")
	}
	drive(m, press("r"))
	if !strings.Contains(m.toast, "a replay is running") {
		t.Fatalf("r during a run: toast %q", m.toast)
	}
	drive(m, replayDoneMsg{gen: m.replayGen, sum: tunnel.ReplaySummary{Events: 12, OK: 11, Failed: 1}})
	if m.replay != nil || !strings.Contains(m.toast, "replayed 12 events: 11 ok, 1 failed") || !m.toastIsError {
		t.Fatalf("after the run: replay=%v toast %q error=%v", m.replay, m.toast, m.toastIsError)
	}
}

func TestReplayOfADownTargetSaysWhy(t *testing.T) {
	st := openStore(t)
	fill(t, st, []*payloads.Event{dexatelEvent("01JNGQ0000000000000000000A", clock, "delivered")})
	f := &forwarding{st: st, targets: mustTargets(t, "http://"+downAddr(t))}
	m := quietModel(Options{Reader: st, Location: time.UTC, Replay: f.replayConfig()})
	start(m, 120, 35)
	drive(m, press("r"))
	screen := screenText(m)
	for _, want := range []string{"replay → ✗ connection refused", "captured → ✗ no answer", "Error     connection refused"} {
		if !strings.Contains(screen, want) {
			t.Fatalf("screen lacks %q:\n%s", want, screen)
		}
	}
	if !m.toastIsError {
		t.Fatal("a failed replay is reported as an error")
	}
}

func mustTargets(t *testing.T, urls ...string) []tunnel.ForwardTarget {
	t.Helper()
	targets, err := tunnel.ParseForwardTargets(urls)
	if err != nil {
		t.Fatal(err)
	}
	return targets
}

func TestTargetOfAReplayedURL(t *testing.T) {
	targets := mustTargets(t, "http://127.0.0.1:3000", "/dexra=http://127.0.0.1:3000/hooks/dexra", "http://127.0.0.1:30001/x?k=1")
	for url, want := range map[string]int{
		"http://127.0.0.1:3000/dexatel":           0,
		"http://127.0.0.1:3000":                   0,
		"http://127.0.0.1:3000/hooks/dexra/x?a=1": 1,
		"http://127.0.0.1:3000/hooks/dexrax":      0,
		"http://127.0.0.1:30001/x/p?k=1&a=2":      2,
		"http://127.0.0.1:3001/p":                 -1,
		"https://127.0.0.1:3000/p":                -1,
	} {
		if got := targetOf(targets, url); got != want {
			t.Errorf("targetOf(%s) = %d, want %d", url, got, want)
		}
	}
}
