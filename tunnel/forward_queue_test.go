package tunnel

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
)

// TestTargetQueueBehindASlowAppHoldsBoundedMemory: events waiting for a slow app are
// held up to maxQueuedBytes; the rest are read back from the history as workers take
// them, in arrival order with their bodies, and drained ones likewise.
func TestTargetQueueBehindASlowAppHoldsBoundedMemory(t *testing.T) {
	const n = 600 // 38 MiB of bodies
	evs := bigEvents(n)
	reads := 0
	q := newTargetQueue(ForwardTarget{}, 0)
	q.queue.history = sliceHistory(evs, &reads)
	for _, ev := range evs {
		q.push(ev)
	}
	if q.queue.bytes > maxQueuedBytes || q.health().Queued != n {
		t.Fatalf("holding %d bytes for %d queued events; want at most %d bytes and all %d counted", q.queue.bytes, q.health().Queued, maxQueuedBytes, n)
	}
	for i := range n - 100 {
		ev, ok := q.next(context.Background())
		if !ok || ev.Seq != uint64(i+1) || string(ev.Body) != string(evs[i].Body) {
			t.Fatalf("take %d: seq %d ok %v; want seq %d with its body", i, ev.Seq, ok, i+1)
		}
		q.done(payloads.Attempt{Status: 200}, ev.Seq, true, time.Time{})
	}
	var left []*payloads.Event
	q.drain(func(ev *payloads.Event) { left = append(left, ev) })
	if len(left) != 100 || left[0].Seq != n-99 || left[99].Seq != n {
		t.Fatalf("drained %d events; want the last 100", len(left))
	}
	if reads == 0 {
		t.Fatal("nothing was read back from the history")
	}
	if h := q.health(); h.Queued != 0 || h.InFlight != 0 || h.Delivered != n-100 {
		t.Fatalf("health after: %+v", h)
	}
}

// TestTargetQueueCountsEventsGoneFromTheHistory: a queued event the history no longer
// has when its turn comes (pruned) is skipped and counted, not sent.
func TestTargetQueueCountsEventsGoneFromTheHistory(t *testing.T) {
	q := newTargetQueue(ForwardTarget{}, 0)
	q.queue.history = func(uint64, uint64, int) ([]*payloads.Event, error) { return nil, nil } // all pruned
	q.queue.bytes = maxQueuedBytes                                                             // as if full: what follows is held as seqs
	for seq := range uint64(3) {
		q.push(&payloads.Event{ID: fmt.Sprint(seq), Seq: seq + 1})
	}
	q.queue.bytes = 0
	q.finish()
	if ev, ok := q.next(context.Background()); ok {
		t.Fatalf("next handed out %+v; the history has none of them", ev)
	}
	if h := q.health(); h.Unread != 3 || h.InFlight != 0 || h.Queued != 0 || !strings.Contains(h.Summary(), "3 gone from the history") {
		t.Fatalf("health %+v (%q)", h, h.Summary())
	}
}
