// Package tunnel is how events move: the inbound listener, publishing to subscribers,
// the local control socket, forwarding, replay and the outbound clients.
package tunnel

import (
	"sync"

	"github.com/dexra/dexra-tui/payloads"
)

// Hub fans committed events out to subscribers without ever blocking the publisher.
// Each subscriber has its own queue, so a slow one loses nothing and slows no one
// else. With ReadBehind, a queue holds at most maxQueuedBytes of events; past that it
// holds ranges of seqs, read back from the history as they are delivered, so a stuck
// subscriber (a paused `listen --json | less`) costs no more memory as it lags.
type Hub struct {
	mu      sync.Mutex
	subs    map[*Subscription]struct{}
	closed  bool
	history HistoryRange
}

// HistoryRange reads up to limit stored events with seqs from..to, oldest first,
// with their bodies.
type HistoryRange func(from, to uint64, limit int) ([]*payloads.Event, error)

// maxQueuedBytes bounds the events a subscription holds in memory (see Hub).
const maxQueuedBytes = 16 << 20

// readBehindPage is how many events a subscription reads back at a time.
const readBehindPage = 256

// ReadBehind lets subscriptions made from now on hold seqs in place of events past
// maxQueuedBytes, and read them back with r.
func (h *Hub) ReadBehind(r HistoryRange) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.history = r
}

// NewHub returns a hub with no subscribers.
func NewHub() *Hub { return &Hub{subs: map[*Subscription]struct{}{}} }

// Publish queues a private copy of ev for every current subscriber and returns at once.
// After Close it does nothing.
func (h *Hub) Publish(ev *payloads.Event) {
	if ev == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	for s := range h.subs {
		// One clone per subscriber: a subscriber that edits its copy cannot race another.
		s.push(ev.Clone())
	}
}

// Subscribe returns a subscription that receives every event published from now on.
// Subscribing to a closed hub gives a subscription whose channel is already closed.
func (h *Hub) Subscribe() *Subscription {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := newSubscription(h, h.history)
	if h.closed {
		s.finish()
		return s
	}
	h.subs[s] = struct{}{}
	return s
}

// Close ends publishing: every subscription still delivers what was queued before
// Close, then its channel is closed. Use it after the listener has shut down so a
// `--json` printer can drain and exit.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	for s := range h.subs {
		s.finish()
	}
	h.subs = nil
}

func (h *Hub) drop(s *Subscription) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs, s)
}

// Subscribers says how many subscriptions are open (for tests and the status line).
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// Subscription delivers every event published after Subscribe, in order.
type Subscription struct {
	hub     *Hub
	out     chan *payloads.Event
	history HistoryRange // nil: every event is held in memory

	mu       sync.Mutex
	queue    []queued
	bytes    int           // the size of the events held in queue
	finished bool          // no more pushes; deliver the queue, then close out
	wake     chan struct{} // capacity 1: "the queue or finished changed"
	stop     chan struct{} // closed by Close: abandon the queue
	stopOnce sync.Once
}

// queued is an event, or (ev nil) the events with seqs from..to, to read back.
type queued struct {
	ev       *payloads.Event
	size     int // eventBytes(ev), as it was pushed
	from, to uint64
}

// eventBytes is about what ev holds in memory.
func eventBytes(ev *payloads.Event) int {
	n := 512 + len(ev.Body)
	for k, vs := range ev.Headers {
		n += len(k)
		for _, v := range vs {
			n += len(v)
		}
	}
	return n
}

func newSubscription(h *Hub, history HistoryRange) *Subscription {
	s := &Subscription{
		hub:     h,
		history: history,
		out:     make(chan *payloads.Event),
		wake:    make(chan struct{}, 1),
		stop:    make(chan struct{}),
	}
	go s.pump()
	return s
}

// C is the channel events arrive on. It is closed after Close, or after Hub.Close once
// everything queued before it has been received.
func (s *Subscription) C() <-chan *payloads.Event { return s.out }

// Close drops the subscription: no more events are queued and undelivered ones are
// discarded. Safe to call more than once and concurrently with Publish.
func (s *Subscription) Close() {
	s.stopOnce.Do(func() { close(s.stop) })
	s.hub.drop(s)
}

// Pending says how many events are queued but not yet received (a measure of lag).
func (s *Subscription) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, q := range s.queue {
		if q.ev != nil {
			n++
		} else {
			n += int(q.to - q.from + 1)
		}
	}
	return n
}

func (s *Subscription) push(ev *payloads.Event) {
	size := eventBytes(ev)
	s.mu.Lock()
	switch last := len(s.queue) - 1; {
	case s.history == nil || ev.Seq == 0 || s.bytes+size <= maxQueuedBytes:
		s.queue = append(s.queue, queued{ev: ev, size: size})
		s.bytes += size
	case last >= 0 && s.queue[last].ev == nil && s.queue[last].to+1 == ev.Seq:
		s.queue[last].to = ev.Seq
	default:
		s.queue = append(s.queue, queued{from: ev.Seq, to: ev.Seq})
	}
	s.mu.Unlock()
	s.signal()
}

func (s *Subscription) finish() {
	s.mu.Lock()
	s.finished = true
	s.mu.Unlock()
	s.signal()
}

func (s *Subscription) signal() {
	select {
	case s.wake <- struct{}{}:
	default: // a wake-up is already pending; the pump will see the new state
	}
}

// pump moves queued events to out, one at a time, until stopped or finished and drained.
func (s *Subscription) pump() {
	defer close(s.out)
	for {
		s.mu.Lock()
		batch := s.queue
		s.queue = nil
		finished := s.finished
		s.mu.Unlock()

		for i, q := range batch {
			if q.ev == nil {
				if !s.readBack(q.from, q.to) {
					return
				}
				continue
			}
			select {
			case s.out <- q.ev:
				batch[i] = queued{} // let the receiver own it alone
				s.mu.Lock()
				s.bytes -= q.size
				s.mu.Unlock()
			case <-s.stop:
				return
			}
		}
		if len(batch) > 0 {
			continue // more may have arrived while we were sending
		}
		if finished {
			return
		}
		select {
		case <-s.wake:
		case <-s.stop:
			return
		}
	}
}

// readBack delivers the stored events with seqs from..to, a page at a time; false
// means the subscription was closed. Events the history no longer has (pruned, or
// the history closed) are skipped.
func (s *Subscription) readBack(from, to uint64) bool {
	for from <= to {
		evs, err := s.history(from, to, readBehindPage)
		if err != nil || len(evs) == 0 {
			return true
		}
		for _, ev := range evs {
			select {
			case s.out <- ev:
			case <-s.stop:
				return false
			}
		}
		from = evs[len(evs)-1].Seq + 1
	}
	return true
}
