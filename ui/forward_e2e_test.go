package ui

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/tunnel"
)

// startForwardingConsole runs the console program over a real listener whose events a
// real forwarder delivers to target, wired as cmd_console wires them.
func startForwardingConsole(t *testing.T, target string, w, h int) *liveConsole {
	t.Helper()
	targets := mustTargets(t, target)
	var fwd *tunnel.Forwarder
	recorded := NewRecordedAttempts()
	return startLive(t, w, h,
		func(st *store.Store, hub *tunnel.Hub) func(context.Context) error {
			var err error
			fwd, err = tunnel.NewForwarder(tunnel.ForwardConfig{Targets: targets, Recorder: st, Timeout: 5 * time.Second, Retry: tunnel.RetryPolicy{For: -1}, OnAttempt: recorded.Notify})
			if err != nil {
				t.Fatal(err)
			}
			fwd.Start(hub) // before serving: no event is missed
			return fwd.Stop
		},
		func(st *store.Store, hub *tunnel.Hub, url string) Options {
			return Options{
				Reader: st, ListenURL: url, Secret: testSecret, Location: time.UTC,
				Forwarder: fwd, Recorded: recorded,
				Replay: tunnel.ReplayConfig{History: st, Targets: targets, Appender: st, Hub: hub, Forward: fwd,
					Secrets: func(string) []string { return []string{testSecret} }},
			}
		})
}

func TestConsoleReplaysFailedForwardsInOrderOnceTheAppIsBack(t *testing.T) {
	first := startApp(t, "127.0.0.1:0")
	addr := first.addr
	c := startForwardingConsole(t, first.url(), 120, 35)

	body := func(n int) []byte {
		return delivery(fmt.Sprintf("4ca07d94-7b4d-4434-97aa-e2e00000000%d", n), "delivered")
	}
	c.post(t, "/dexatel", signed(testSecret, body(0)), body(0))
	c.waitScreen(t, "the first event forwarded", func(s string) bool {
		return strings.Contains(s, "→ "+addr+" ok") && strings.Contains(s, "↦  188B")
	})

	first.srv.Close() // the app stops: connection refused
	for n := 1; n <= 3; n++ {
		c.post(t, "/dexatel", signed(testSecret, body(n)), body(n))
	}
	c.waitScreen(t, "three forwards failing", func(s string) bool {
		return strings.Contains(s, "→ "+addr+" ✗ connection refused") && strings.Contains(s, "3 undelivered · R replays") &&
			strings.Count(s, "↛  188B") == 3
	})

	back := startApp(t, addr) // the app is back, on the same address
	c.keys("R")
	c.waitScreen(t, "R delivered them", func(s string) bool {
		return strings.Contains(s, "replayed 3 events: 3 ok, 0 failed") && !strings.Contains(s, "undelivered") &&
			strings.Count(s, "↦  188B") == 4
	})
	got := back.requests()
	if len(got) != 3 {
		t.Fatalf("the app got %d requests after R, want 3", len(got))
	}
	for i, r := range got {
		if !bytes.Equal(r.body, body(i+1)) || !verifies(r) {
			t.Fatalf("request %d: %s (signature ok=%v), want event %d's body as signed: out of order or altered", i, r.body, verifies(r), i+1)
		}
	}

	// The newest event's Forwards tab: the failed forward, then the app's answer to R.
	c.keys("6")
	c.waitScreen(t, "the Forwards tab", func(s string) bool {
		return strings.Contains(s, "2 attempts · newest first · 1 ok · 1 failed") &&
			strings.Contains(s, "captured → 200 OK") && strings.Contains(s, `"seen": 3`) &&
			strings.Contains(s, "forward → ✗ no answer") && strings.Contains(s, "Error     connection refused")
	})

	c.keys("q")
	c.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

// An event the running forwarder has not sent yet is not told to start forwarding.
func TestForwardsTabOfAnEventNotSentYetSaysForwardingIsOn(t *testing.T) {
	st := openStore(t)
	f := startForwarding(t, st, "http://"+downAddr(t)+"/hook")
	if err := st.Append(dexatelEvent("01JNGQ0000000000000000000A", clock, "delivered")); err != nil {
		t.Fatal(err) // stored but not published: the forwarder has not reached it
	}
	m := forwardModel(t, f, "")
	start(m, 120, 35)
	drive(m, press("6"))
	got := screenText(m)
	if !strings.Contains(got, "Not forwarded or replayed yet.") || !strings.Contains(got, "Forwarding is on") || strings.Contains(got, "--forward-to") {
		t.Fatalf("the Forwards tab while forwarding is on:\n%s", got)
	}
}
