package ui

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/payloads"
)

// recorder collects what the bridge sends.
type recorder struct {
	mu   sync.Mutex
	msgs []eventsArrivedMsg
	got  chan struct{}
}

func (r *recorder) send(msg tea.Msg) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch msg := msg.(type) {
	case eventsArrivedMsg:
		r.msgs = append(r.msgs, msg)
	}
	select {
	case r.got <- struct{}{}:
	default:
	}
}

func (r *recorder) total() (batches, events int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.msgs {
		events += m.count
	}
	return len(r.msgs), events
}

func TestBridgeSendsTheFirstEventAtOnceAndCoalescesABurst(t *testing.T) {
	events := make(chan *payloads.Event)
	rec := &recorder{got: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); bridge(ctx, events, nil, nil, nil, rec.send) }()

	events <- &payloads.Event{Seq: 1, Received: clock}
	<-rec.got // the first event needs no company
	if b, n := rec.total(); b != 1 || n != 1 {
		t.Fatalf("after one event: %d batches of %d events, want 1 of 1", b, n)
	}

	const burst = 5000
	start := time.Now()
	for i := range burst {
		events <- &payloads.Event{Seq: uint64(i + 2), Received: clock}
	}
	elapsed := time.Since(start)
	// Wait for the last batch: the count reaches everything sent.
	for {
		if _, n := rec.total(); n == burst+1 {
			break
		}
		<-rec.got
	}
	batches, _ := rec.total()
	// At most one batch per cooldown (plus the leading one) while the burst lasted.
	if limit := 2 + int(elapsed/bridgeCooldown) + 1; batches > limit {
		t.Fatalf("%d batches for %d events in %v, want at most %d (coalesced)", batches, burst, elapsed, limit)
	}
	cancel()
	<-done
}

func TestBridgeSurvivesAClosedChannelAndEndsWithTheContext(t *testing.T) {
	events := make(chan *payloads.Event, 1)
	rec := &recorder{got: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); bridge(ctx, events, nil, nil, nil, rec.send) }()
	events <- &payloads.Event{Seq: 1}
	close(events)
	<-rec.got
	select {
	case <-done:
		t.Fatal("the bridge ended when the listener's channel closed; it should wait for ctx")
	default:
	}
	cancel()
	<-done
}

func TestRateCountsTheLastMinute(t *testing.T) {
	var a arrivals
	a.add([]arrival{{seq: 5, received: clock}}) // before the seed: held back
	a.seed(rateSeedMsg{upTo: 4, arrivals: []arrival{
		{seq: 4, received: clock.Add(-30 * time.Second)},
		{seq: 3, received: clock.Add(-90 * time.Second)}, // older than a minute
	}})
	a.add([]arrival{{seq: 4, received: clock}, {seq: 6, received: clock.Add(time.Second)}}) // 4 was seeded
	if got := a.perMinute(clock.Add(time.Second)); got != 3 {
		t.Fatalf("per minute = %d, want 3 (seqs 4, 5, 6)", got)
	}
	if got := a.perMinute(clock.Add(2 * time.Minute)); got != 0 {
		t.Fatalf("two minutes later per minute = %d, want 0", got)
	}
}

func TestLayout(t *testing.T) {
	cases := []struct {
		w, h       int
		small, sbs bool
	}{
		{59, 40, true, false}, {200, 14, true, false}, {60, 15, false, false},
		{99, 30, false, false}, {100, 30, false, true}, {240, 70, false, true},
	}
	for _, c := range cases {
		s := layout(c.w, c.h)
		if s.TooSmall != c.small || s.SideBySide != c.sbs {
			t.Errorf("%dx%d: small=%v sideBySide=%v, want %v %v", c.w, c.h, s.TooSmall, s.SideBySide, c.small, c.sbs)
			continue
		}
		if s.TooSmall {
			continue
		}
		// Every row of the screen belongs to exactly one region.
		rows := s.Header.H + s.Status.H + s.Help.H + s.Body.H
		if rows != c.h {
			t.Errorf("%dx%d: regions cover %d rows", c.w, c.h, rows)
		}
		if s.SideBySide && s.List.W+s.Sep.W+s.Detail.W != c.w {
			t.Errorf("%dx%d: panes cover %d columns", c.w, c.h, s.List.W+s.Sep.W+s.Detail.W)
		}
		if !s.SideBySide && s.List.H+s.Sep.H+s.Detail.H != s.Body.H {
			t.Errorf("%dx%d: stacked panes cover %d rows of %d", c.w, c.h, s.List.H+s.Sep.H+s.Detail.H, s.Body.H)
		}
		if s.Detail.H < 3 || s.List.H < 3 {
			t.Errorf("%dx%d: a pane is too short: list %d detail %d", c.w, c.h, s.List.H, s.Detail.H)
		}
	}
}

// TestBridgeReportsTheListenerStopping: the error that stopped the listener becomes
// one message, after the events that came before it.
func TestBridgeReportsTheListenerStopping(t *testing.T) {
	events, stopped := make(chan *payloads.Event, 1), make(chan error, 1)
	var mu sync.Mutex
	var got []tea.Msg
	sent := make(chan struct{}, 2)
	send := func(msg tea.Msg) {
		mu.Lock()
		got = append(got, msg)
		mu.Unlock()
		sent <- struct{}{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); bridge(ctx, events, nil, stopped, nil, send) }()
	events <- &payloads.Event{Seq: 1, Received: clock}
	<-sent
	stopped <- errors.New("accept: too many open files")
	<-sent
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 {
		t.Fatalf("messages %#v", got)
	}
	if m, ok := got[1].(listenerStoppedMsg); !ok || m.err == nil || m.err.Error() != "accept: too many open files" {
		t.Fatalf("second message %#v, want the listener's error", got[1])
	}
}
