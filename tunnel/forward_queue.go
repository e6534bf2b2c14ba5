package tunnel

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/dexra/dexra-tui/payloads"
)

// HealthState is how a forward target is doing.
type HealthState string

const (
	HealthIdle    HealthState = "idle"    // nothing delivered yet
	HealthOK      HealthState = "ok"      // the last delivery got a 2xx
	HealthFailing HealthState = "failing" // the last delivery got no answer, or not a 2xx
)

// TargetHealth is one target's state, for the console header.
type TargetHealth struct {
	Target     ForwardTarget
	State      HealthState
	LastStatus int    // 0 when the last delivery got no answer
	LastError  string // why it got no answer
	LastAt     time.Time
	Queued     int // waiting for a worker
	InFlight   int
	Delivered  int // 2xx answers
	Failed     int // everything else
	// Unread counts queued events the history could no longer give back (pruned by
	// retention, or unreadable) when their turn came: never sent, nothing recorded.
	Unread int
}

// Summary is the state in a few words: "ok", "failing: connection refused",
// "failing: 500", "idle", followed by " · 12 queued" when events wait.
func (h TargetHealth) Summary() string {
	s := string(h.State)
	if h.State == HealthFailing {
		if h.LastError != "" {
			s += ": " + h.LastError
		} else {
			s += fmt.Sprintf(": %d", h.LastStatus)
		}
	}
	if h.Queued > 0 {
		s += fmt.Sprintf(" · %d queued", h.Queued)
	}
	if h.Unread > 0 {
		s += fmt.Sprintf(" · %d gone from the history before their turn", h.Unread)
	}
	return s
}

// Health reports every target's state, in the order the targets were configured.
func (f *Forwarder) Health() []TargetHealth {
	out := make([]TargetHealth, len(f.queues))
	for i, q := range f.queues {
		out[i] = q.health()
	}
	return out
}

// targetQueue is one target's queue of events, in arrival order, with the target's
// health. Behind a slow app it holds at most maxQueuedBytes of events (eventQueue).
type targetQueue struct {
	target ForwardTarget
	wake   chan struct{} // capacity 1: the queue or finished changed

	mu       sync.Mutex
	queue    eventQueue
	finished bool // no more pushes
	h        TargetHealth
}

func newTargetQueue(t ForwardTarget) *targetQueue {
	return &targetQueue{target: t, wake: make(chan struct{}, 1), h: TargetHealth{Target: t, State: HealthIdle}}
}

func (q *targetQueue) push(ev *payloads.Event) {
	q.mu.Lock()
	q.queue.push(ev)
	q.mu.Unlock()
	q.signal()
}

func (q *targetQueue) finish() {
	q.mu.Lock()
	q.finished = true
	q.mu.Unlock()
	q.signal()
}

func (q *targetQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default: // a wake-up is pending already
	}
}

// next takes the oldest event, waiting for one; false once the queue is finished and
// empty, or ctx ends (the events left are then drained by the caller).
func (q *targetQueue) next(ctx context.Context) (*payloads.Event, bool) {
	for {
		if ctx.Err() != nil {
			q.signal() // let the other workers see it too
			return nil, false
		}
		q.mu.Lock()
		if ev, seq, ok := q.queue.take(); ok {
			more := len(q.queue.items) > 0 || q.finished
			q.h.InFlight++
			q.mu.Unlock()
			if more {
				q.signal() // another worker may take the next one
			}
			if ev == nil {
				if ev = q.readBack(seq); ev == nil {
					q.mu.Lock()
					q.h.InFlight--
					q.h.Unread++
					q.mu.Unlock()
					continue
				}
			}
			return ev, true
		}
		if q.finished {
			q.mu.Unlock()
			q.signal()
			return nil, false
		}
		q.mu.Unlock()
		select {
		case <-q.wake:
		case <-ctx.Done():
		}
	}
}

// readBack reads the event stored under seq, nil if the history no longer has it.
func (q *targetQueue) readBack(seq uint64) *payloads.Event {
	var ev *payloads.Event
	readRange(q.queue.history, seq, seq, func(e *payloads.Event) bool { ev = e; return false }, func(uint64, error) {})
	return ev
}

// done records the outcome of a delivery in the health: of an event next handed out
// (taken), or of one drained at shutdown. It says whether the target was failing before.
func (q *targetQueue) done(a payloads.Attempt, taken bool) (wasFailing bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	wasFailing = q.h.State == HealthFailing
	if taken {
		q.h.InFlight--
	}
	q.h.LastAt, q.h.LastStatus, q.h.LastError = a.At, a.Status, a.Error
	if AttemptOK(a) {
		q.h.State = HealthOK
		q.h.Delivered++
	} else {
		q.h.State = HealthFailing
		q.h.Failed++
	}
	return wasFailing
}

// drain empties the queue, handing each event to each (read back a page at a time
// where need be).
func (q *targetQueue) drain(each func(*payloads.Event)) {
	q.mu.Lock()
	items := q.queue.takeAll()
	q.queue.bytes = 0
	q.mu.Unlock()
	for _, it := range items {
		if it.ev != nil {
			each(it.ev)
			continue
		}
		readRange(q.queue.history, it.from, it.to, func(ev *payloads.Event) bool { each(ev); return true },
			func(n uint64, _ error) {
				q.mu.Lock()
				q.h.Unread += int(n)
				q.mu.Unlock()
			})
	}
}

func (q *targetQueue) health() TargetHealth {
	q.mu.Lock()
	defer q.mu.Unlock()
	h := q.h
	h.Queued = q.queue.count()
	return h
}
