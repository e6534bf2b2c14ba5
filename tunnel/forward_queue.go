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

// targetQueue is one target's unbounded queue of events, in arrival order, with the
// target's health.
type targetQueue struct {
	target ForwardTarget
	wake   chan struct{} // capacity 1: the queue or finished changed

	mu       sync.Mutex
	queue    []*payloads.Event
	finished bool // no more pushes
	h        TargetHealth
}

func newTargetQueue(t ForwardTarget) *targetQueue {
	return &targetQueue{target: t, wake: make(chan struct{}, 1), h: TargetHealth{Target: t, State: HealthIdle}}
}

func (q *targetQueue) push(ev *payloads.Event) {
	q.mu.Lock()
	q.queue = append(q.queue, ev)
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
		if len(q.queue) > 0 {
			ev := q.queue[0]
			q.queue[0] = nil
			q.queue = q.queue[1:]
			if len(q.queue) == 0 {
				q.queue = nil // let the backing array go
			}
			more := len(q.queue) > 0 || q.finished
			q.h.InFlight++
			q.mu.Unlock()
			if more {
				q.signal() // another worker may take the next one
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

// done records the outcome of a delivery in the health: of an event next handed out
// (taken), or of one drained at shutdown.
func (q *targetQueue) done(a payloads.Attempt, taken bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
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
}

// drain empties the queue and returns what was in it.
func (q *targetQueue) drain() []*payloads.Event {
	q.mu.Lock()
	defer q.mu.Unlock()
	evs := q.queue
	q.queue = nil
	return evs
}

func (q *targetQueue) health() TargetHealth {
	q.mu.Lock()
	defer q.mu.Unlock()
	h := q.h
	h.Queued = len(q.queue)
	return h
}
