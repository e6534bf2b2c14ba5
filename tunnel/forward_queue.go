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
	// NextRetry is when the event that failed last is tried again (zero: none waits).
	NextRetry time.Time
	// Retrying counts events waiting to be tried again.
	Retrying int
}

// Backlog is every event not yet settled: waiting, in flight, or waiting to retry.
func (h TargetHealth) Backlog() int { return h.Queued + h.InFlight }

// StateWord is the state as one word: "sending" for an idle target with a delivery
// in flight (the first one, to an app that is slow to answer), not "idle".
func (h TargetHealth) StateWord() string {
	if h.State == HealthIdle && h.InFlight > 0 {
		return "sending"
	}
	return string(h.State)
}

// Summary is the state in a few words: "ok", "failing: connection refused",
// "failing: 500", "idle", followed by " · 12 queued" when events wait.
func (h TargetHealth) Summary() string {
	s := h.StateWord()
	if h.State == HealthFailing {
		if h.LastError != "" {
			s += ": " + h.LastError
		} else {
			s += fmt.Sprintf(": %d", h.LastStatus)
		}
	}
	if !h.NextRetry.IsZero() {
		s += " · retry in " + HumanWait(time.Until(h.NextRetry))
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
	index  int           // the target's position in the forwarder's targets
	wake   chan struct{} // capacity 1: the queue or finished changed

	mu       sync.Mutex
	queue    eventQueue
	finished bool // no more pushes
	h        TargetHealth
	// The cursor (store/forward_cursor.go): every event up to it is settled. pending
	// are the seqs handed out and not settled; taken is the highest handed out.
	pending map[uint64]struct{}
	taken   uint64
	retries map[uint64]time.Time // seq → next retry, of the events waiting to retry
	kick    chan struct{}        // closed (and replaced) to retry now (RetryNow)
}

func newTargetQueue(t ForwardTarget, index int) *targetQueue {
	return &targetQueue{target: t, index: index, wake: make(chan struct{}, 1), kick: make(chan struct{}),
		h: TargetHealth{Target: t, State: HealthIdle}, pending: map[uint64]struct{}{}, retries: map[uint64]time.Time{}}
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
			if ev != nil {
				seq = ev.Seq
			}
			if seq != 0 {
				q.pending[seq] = struct{}{}
				q.taken = max(q.taken, seq)
			}
			q.mu.Unlock()
			if more {
				q.signal() // another worker may take the next one
			}
			if ev == nil {
				var err error
				if ev, err = q.readBack(seq); err != nil {
					// Not gone, unreadable for now (commits failing): it stays pending, so
					// the cursor waits before it, and goes first again, tried anew.
					q.mu.Lock()
					q.h.InFlight--
					q.queue.items = append([]queued{{from: seq, to: seq}}, q.queue.items...)
					q.mu.Unlock()
					select {
					case <-time.After(readBackRetry):
					case <-ctx.Done():
					}
					continue
				}
				if ev == nil {
					q.mu.Lock()
					q.h.InFlight--
					q.h.Unread++
					delete(q.pending, seq)
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

// readBackRetry is how long a worker waits to read again an event the history failed
// to give back.
const readBackRetry = 250 * time.Millisecond

// readBack reads the event stored under seq, nil if the history no longer has it; an
// error if the read failed.
func (q *targetQueue) readBack(seq uint64) (*payloads.Event, error) {
	var ev *payloads.Event
	var failed error
	readRange(q.queue.history, seq, seq, func(e *payloads.Event) bool { ev = e; return false }, func(_ uint64, err error) { failed = err })
	return ev, failed
}

// done records the outcome of an attempt in the health: of an event handed out
// (taken), or of one drained at shutdown. A non-zero next says the event waits to be
// tried again then, still in flight. It reports whether the target was failing.
func (q *targetQueue) done(a payloads.Attempt, seq uint64, taken bool, next time.Time) (wasFailing bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	wasFailing = q.h.State == HealthFailing
	if taken && next.IsZero() {
		q.h.InFlight--
	}
	if next.IsZero() {
		delete(q.retries, seq)
	} else {
		q.retries[seq] = next
	}
	q.h.NextRetry = time.Time{}
	for _, t := range q.retries {
		if q.h.NextRetry.IsZero() || t.Before(q.h.NextRetry) {
			q.h.NextRetry = t
		}
	}
	q.h.Retrying = len(q.retries)
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

// holds says the event under seq is queued or in flight here (retries included).
func (q *targetQueue) holds(seq uint64) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, ok := q.pending[seq]; ok {
		return true
	}
	for _, it := range q.queue.items {
		if (it.ev != nil && it.ev.Seq == seq) || (it.ev == nil && it.from <= seq && seq <= it.to) {
			return true
		}
	}
	return false
}

// stopWaiting takes an event out of its retry wait without an outcome (stopping).
func (q *targetQueue) stopWaiting(seq uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.h.InFlight--
	delete(q.retries, seq)
	q.h.Retrying = len(q.retries)
	if len(q.retries) == 0 {
		q.h.NextRetry = time.Time{}
	}
}

// doneUnsent hands back an event taken but not for this target (or sent already).
func (q *targetQueue) doneUnsent(seq uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.h.InFlight--
	delete(q.pending, seq)
}

// settle says the event under seq needs no more attempts to this target (delivered,
// refused for good, given up on, or not this target's): the cursor may pass it.
func (q *targetQueue) settle(seq uint64) {
	q.mu.Lock()
	delete(q.pending, seq)
	q.mu.Unlock()
}

// startAt sets where the cursor starts: every event up to seq is settled.
func (q *targetQueue) startAt(seq uint64) {
	q.mu.Lock()
	q.taken = max(q.taken, seq)
	q.mu.Unlock()
}

// cursor is the highest seq up to which every event is settled.
func (q *targetQueue) cursor() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	c := q.taken
	for seq := range q.pending {
		c = min(c, seq-1)
	}
	return c
}

// waitRetry waits until next, a kick (retry now), or stop; false when stopped.
func (q *targetQueue) waitRetry(next time.Time, stop <-chan struct{}, abort <-chan struct{}) bool {
	q.mu.Lock()
	kick := q.kick
	q.mu.Unlock()
	t := time.NewTimer(time.Until(next))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-kick:
		return true
	case <-stop:
		return false
	case <-abort:
		return false
	}
}

// kickRetry wakes a worker waiting to retry; false if none was waiting.
func (q *targetQueue) kickRetry() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.retries) == 0 {
		return false
	}
	close(q.kick) // every worker waiting to retry goes now
	q.kick = make(chan struct{})
	return true
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
