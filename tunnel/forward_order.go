package tunnel

import (
	"container/heap"
	"time"

	"github.com/dexra/dexra-tui/payloads"
)

// reorderWait is how long an event waits for a missing predecessor. The listener
// publishes concurrent requests in whatever order their handlers finish, a few
// microseconds after committing them in seq order; the forwarder restores that order.
const reorderWait = 200 * time.Millisecond

// reorderer releases events in seq order: an event goes out as soon as every lower seq
// has gone out, or after reorderWait if one never comes (an event that was stored but
// not published). Events without a seq go out at once.
type reorderer struct {
	next    uint64 // the seq expected next; 0 = not known yet
	pending seqHeap
	now     func() time.Time
}

type heldEvent struct {
	ev      *payloads.Event
	arrived time.Time
}

type seqHeap []heldEvent

func (h seqHeap) Len() int           { return len(h) }
func (h seqHeap) Less(i, j int) bool { return h[i].ev.Seq < h[j].ev.Seq }
func (h seqHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *seqHeap) Push(x any)        { *h = append(*h, x.(heldEvent)) }
func (h *seqHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = heldEvent{}
	*h = old[:len(old)-1]
	return x
}

// add takes an event and returns those now ready, in order.
func (r *reorderer) add(ev *payloads.Event) []*payloads.Event {
	if ev.Seq == 0 || r.next != 0 && ev.Seq < r.next {
		// No seq, or its turn has passed (it came after the wait gave up on it).
		return append([]*payloads.Event{ev}, r.ready()...)
	}
	heap.Push(&r.pending, heldEvent{ev: ev, arrived: r.now()})
	return r.ready()
}

// ready pops every event whose turn has come.
func (r *reorderer) ready() []*payloads.Event {
	var out []*payloads.Event
	for len(r.pending) > 0 {
		top := r.pending[0]
		if (r.next == 0 || top.ev.Seq != r.next) && r.now().Sub(top.arrived) < reorderWait {
			break
		}
		heap.Pop(&r.pending)
		out = append(out, top.ev)
		r.next = top.ev.Seq + 1
	}
	return out
}

// wait is how long until the oldest held event must go out anyway; false if none is held.
func (r *reorderer) wait() (time.Duration, bool) {
	if len(r.pending) == 0 {
		return 0, false
	}
	return max(reorderWait-r.now().Sub(r.pending[0].arrived), 0), true
}

// flush returns everything held, in seq order.
func (r *reorderer) flush() []*payloads.Event {
	out := make([]*payloads.Event, 0, len(r.pending))
	for len(r.pending) > 0 {
		out = append(out, heap.Pop(&r.pending).(heldEvent).ev)
	}
	return out
}
