package ui

import (
	"net/http"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/tunnel"
)

// Golden files of the whole screen; regenerate with `go test ./ui -run Golden -update`.
func TestGoldenScreens(t *testing.T) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"120x35", 120, 35}, {"80x24", 80, 24}, {"60x15", 60, 15}} {
		t.Run(size.name, func(t *testing.T) {
			st := openStore(t)
			fill(t, st, fixtureEvents())
			m := testModel(st, false)
			start(m, size.w, size.h)
			golden.RequireEqual(t, []byte(m.View().Content))
		})
		t.Run(size.name+"-forwards-tab", func(t *testing.T) {
			m := forwardingFixture(t)
			start(m, size.w, size.h)
			drive(m, forwardingHealth(m))
			drive(m, press("g"), press("6")) // the oldest event: a failed forward, then a replay
			golden.RequireEqual(t, []byte(m.View().Content))
		})
		t.Run(size.name+"-answer-menu", func(t *testing.T) {
			st := openStore(t)
			fill(t, st, fixtureEvents())
			m := testModel(st, false)
			m.opts.Responder = tunnel.NewResponder(tunnel.Respond{Status: 429, Rate: 1, RetryAfter: "5"})
			start(m, size.w, size.h)
			drive(m, press("a"))
			golden.RequireEqual(t, []byte(m.View().Content))
		})
		t.Run(size.name+"-help", func(t *testing.T) {
			st := openStore(t)
			fill(t, st, fixtureEvents())
			m := testModel(st, false)
			start(m, size.w, size.h)
			drive(m, press("?"))
			golden.RequireEqual(t, []byte(m.View().Content))
		})
		t.Run(size.name+"-headers-tab", func(t *testing.T) {
			st := openStore(t)
			fill(t, st, fixtureEvents())
			m := testModel(st, false)
			start(m, size.w, size.h)
			drive(m, press("k"), press("k"), press("k"), press("2")) // the redelivery
			golden.RequireEqual(t, []byte(m.View().Content))
		})
		t.Run(size.name+"-signature-tab", func(t *testing.T) {
			st := openStore(t)
			fill(t, st, fixtureEvents())
			m := testModel(st, false)
			start(m, size.w, size.h)
			drive(m, press("k"), press("k"), press("k"), press("k"), press("k"), press("3")) // the failing event
			golden.RequireEqual(t, []byte(m.View().Content))
		})
	}
}

// forwardingFixture is the fixture history forwarded to an app: the first event's
// forward failed and a replay got the app's JSON answer; the second was delivered.
func forwardingFixture(t *testing.T) *Model {
	t.Helper()
	st := openStore(t)
	evs := fixtureEvents()
	fill(t, st, evs)
	url := "http://localhost:3000/dexatel"
	for _, a := range []struct {
		id string
		a  payloads.Attempt
	}{
		{evs[0].ID, payloads.Attempt{Target: url, Mode: tunnel.ModeForward, At: clock.Add(time.Second), Latency: 400 * time.Microsecond, Error: "connection refused"}},
		{evs[0].ID, payloads.Attempt{Target: url, Mode: string(tunnel.ReplayCaptured), At: clock.Add(9 * time.Second), Status: 200, Latency: 3 * time.Millisecond,
			ResponseHeaders: http.Header{"Content-Type": {"application/json"}}, ResponseBody: []byte(`{"ok":true,"seen":1}`)}},
		{evs[1].ID, payloads.Attempt{Target: url, Mode: tunnel.ModeForward, At: clock.Add(2 * time.Second), Status: 204, Latency: 2 * time.Millisecond}},
		{evs[2].ID, payloads.Attempt{Target: url, Mode: tunnel.ModeForward, At: clock.Add(3 * time.Second), Status: 500, Latency: 2 * time.Millisecond}},
	} {
		if err := st.AddAttempt(a.id, a.a); err != nil {
			t.Fatal(err)
		}
	}
	m := testModel(st, false)
	m.opts.Replay = tunnel.ReplayConfig{History: st, Targets: mustTargets(t, "localhost:3000")}
	m.list.SetForwarding(true)
	return m
}

// forwardingHealth is the forwarder's account of a target whose last delivery failed
// with two events waiting.
func forwardingHealth(m *Model) healthMsg {
	targets := m.opts.Replay.Targets
	return healthMsg{failed: 1, targets: []tunnel.TargetHealth{{
		Target: targets[0], State: tunnel.HealthFailing, LastStatus: 500, Queued: 2, Delivered: 2, Failed: 2,
		NextRetry: m.opts.Now().Add(4 * time.Second), Retrying: 1,
	}}}
}
