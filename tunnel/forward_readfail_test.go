package tunnel

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
)

// TestTargetQueueReadFailureDoesNotPassTheCursor: an event to read back that the
// history fails to give (commits failing, say) is not skipped as pruned: it is handed
// out once the read works again, and the cursor never passes it meanwhile.
func TestTargetQueueReadFailureDoesNotPassTheCursor(t *testing.T) {
	evs := []*payloads.Event{{Seq: 5, ID: "e5", Body: []byte("5")}, {Seq: 6, ID: "e6", Body: []byte("6")}}
	failing := 2
	q := newTargetQueue(ForwardTarget{}, 0)
	q.queue.history = func(from, to uint64, limit int) ([]*payloads.Event, error) {
		if failing > 0 {
			failing--
			return nil, errors.New("commits failing")
		}
		var out []*payloads.Event
		for _, ev := range evs {
			if ev.Seq >= from && ev.Seq <= to && len(out) < limit {
				out = append(out, ev)
			}
		}
		return out, nil
	}
	q.startAt(4)
	q.queue.items = []queued{{from: 5, to: 6}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ev, ok := q.next(ctx)
	if !ok || ev.Seq != 5 {
		t.Fatalf("first taken: %v %v; want seq 5 once the read works", ev, ok)
	}
	if c := q.cursor(); c != 4 {
		t.Fatalf("cursor %d while seq 5 is in flight; want 4", c)
	}
	if h := q.health(); h.Unread != 0 {
		t.Fatalf("a failed read counted as %d unread (gone from the history)", h.Unread)
	}
}

// TestTargetQueueReadFailureAtStopKeepsTheCursor: when the forwarder gives up while
// the read still fails, the event stays unsettled: the cursor stays before it, so the
// next start resumes it.
func TestTargetQueueReadFailureAtStopKeepsTheCursor(t *testing.T) {
	q := newTargetQueue(ForwardTarget{}, 0)
	q.queue.history = func(from, to uint64, limit int) ([]*payloads.Event, error) {
		return nil, errors.New("commits failing")
	}
	q.startAt(4)
	q.queue.items = []queued{{from: 5, to: 5}}
	q.finish()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if ev, ok := q.next(ctx); ok {
		t.Fatalf("handed out %v though the history could not give it", ev)
	}
	q.drain(func(*payloads.Event) {})
	if c := q.cursor(); c != 4 {
		t.Fatalf("cursor %d after an unreadable event 5; want 4 (resumed at the next start)", c)
	}
}
