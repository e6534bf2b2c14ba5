package ui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/tunnel"
)

// gatedRecorder holds every attempt until open is closed, as a slow commit would.
type gatedRecorder struct {
	st   *store.Store
	open chan struct{}
}

func (g *gatedRecorder) AddAttempt(id string, a payloads.Attempt) error {
	<-g.open
	return g.st.AddAttempt(id, a)
}

// TestRowsShowAForwardOnceItIsRecorded: the forwarder's health counts a failed forward
// before the history holds it; the row's mark follows when the attempt is recorded.
func TestRowsShowAForwardOnceItIsRecorded(t *testing.T) {
	st := openStore(t)
	targets := mustTargets(t, "http://"+downAddr(t))
	gate := &gatedRecorder{st: st, open: make(chan struct{})}
	recorded := NewRecordedAttempts()
	fwd, err := tunnel.NewForwarder(tunnel.ForwardConfig{Targets: targets, Recorder: gate, Timeout: 5 * time.Second, Retry: tunnel.RetryPolicy{For: -1}, OnAttempt: recorded.Notify})
	if err != nil {
		t.Fatal(err)
	}
	f := &forwarding{st: st, hub: tunnel.NewHub(), fwd: fwd, targets: targets}
	fwd.Start(f.hub)
	t.Cleanup(func() {
		f.hub.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		fwd.Stop(ctx)
	})
	m := forwardModel(t, f, "")
	m.opts.Recorded = recorded
	start(m, 120, 35)

	f.receive(t, dexatelEvent("01JNGQ0000000000000000000A", clock, "delivered"))
	waitFor(t, "the forward counted as failed", func() bool { return len(fwd.Failed()) == 1 })
	drive(m, eventsArrivedMsg{count: 1}, m.refreshHealth()()) // rows read before the attempt is in the history
	if got := screenText(m); !strings.Contains(got, "1 undelivered") || strings.Contains(got, "↛") {
		t.Fatalf("before the attempt is recorded: want the count and no mark yet:\n%s", got)
	}

	close(gate.open)
	select {
	case <-recorded.news():
	case <-time.After(10 * time.Second):
		t.Fatal("no news of the recorded attempt")
	}
	drive(m, attemptsRecordedMsg{}, m.refreshHealth()())
	if got := screenText(m); !strings.Contains(got, "↛  188B") {
		t.Fatalf("the recorded failed forward is not marked on its row:\n%s", got)
	}
}

// TestBridgeRelaysRecordedAttemptsCoalesced: news of recorded attempts reaches the
// program at once after a quiet spell, and a burst of it as few messages.
func TestBridgeRelaysRecordedAttemptsCoalesced(t *testing.T) {
	recorded := NewRecordedAttempts()
	var mu sync.Mutex
	n := 0
	got := make(chan struct{}, 1)
	send := func(msg tea.Msg) {
		if _, ok := msg.(attemptsRecordedMsg); ok {
			mu.Lock()
			n++
			mu.Unlock()
			select {
			case got <- struct{}{}:
			default:
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); bridge(ctx, nil, recorded.news(), nil, nil, send) }()
	recorded.Notify(tunnel.ForwardResult{EventID: "a"})
	select {
	case <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("the first recorded attempt was not relayed")
	}
	begin := time.Now()
	for range 1000 {
		recorded.Notify(tunnel.ForwardResult{EventID: "b"}) // never blocks
	}
	<-got // the burst's news arrives after the cooldown
	elapsed := time.Since(begin)
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if limit := 2 + int(elapsed/bridgeCooldown) + 1; n < 2 || n > limit {
		t.Fatalf("%d messages for 1001 attempts in %v, want 2..%d", n, elapsed, limit)
	}
}
