// Package tunnel is how events move: the inbound listener, publishing to subscribers,
// the local control socket, forwarding, replay and the outbound clients.
package tunnel

import (
	"net/http"
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

// ReadBehind lets subscriptions made from now on (and forwarders started from now on)
// hold seqs in place of events past maxQueuedBytes, and read them back with r.
func (h *Hub) ReadBehind(r HistoryRange) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.history = r
}

// readBehind is what ReadBehind set (nil: nothing).
func (h *Hub) readBehind() HistoryRange {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.history
}

// NewHub returns a hub with no subscribers.
func NewHub() *Hub { return &Hub{subs: map[*Subscription]struct{}{}} }

// Publish queues a private copy of ev for every current subscriber and returns at once.
// After Close it does nothing.
func (h *Hub) Publish(ev *payloads.Event) { h.publish(ev, nil) }

// liveRequest is what the history redacted from an event, as received: it exists in
// memory only, for the forwarder (redaction is for what we keep, not what the app gets).
type liveRequest struct {
	headers http.Header
	query   string
}

// publish is Publish; a live subscription (the forwarder's) gets ev with live's
// headers and query in place of the redacted ones.
func (h *Hub) publish(ev *payloads.Event, live *liveRequest) {
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
		c := ev.Clone()
		if live != nil && s.live {
			c.Headers, c.Query = live.headers.Clone(), live.query
		}
		s.push(c)
	}
}

// Subscribe returns a subscription that receives every event published from now on.
// Subscribing to a closed hub gives a subscription whose channel is already closed.
func (h *Hub) Subscribe() *Subscription { return h.subscribe(false) }

// subscribeLive is Subscribe for the forwarder: events the listener publishes carry
// the headers and query as received, secrets included, while they are held in memory;
// one read back from the history (the queue fell behind) has them redacted.
func (h *Hub) subscribeLive() *Subscription { return h.subscribe(true) }

func (h *Hub) subscribe(live bool) *Subscription {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := newSubscription(h, h.history)
	s.live = live
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
	hub  *Hub
	out  chan *payloads.Event
	live bool // set before it is shared: gets liveRequest parts (subscribeLive)

	mu       sync.Mutex
	queue    eventQueue
	lost     uint64        // events that could not be read back from the history
	lostErr  error         // why, the first time
	finished bool          // no more pushes; deliver the queue, then close out
	wake     chan struct{} // capacity 1: "the queue or finished changed"
	stop     chan struct{} // closed by Close: abandon the queue
	stopOnce sync.Once
	done     chan struct{} // closed when the pump has handed over all it will
}

func newSubscription(h *Hub, history HistoryRange) *Subscription {
	s := &Subscription{
		hub:   h,
		queue: eventQueue{history: history},
		out:   make(chan *payloads.Event),
		wake:  make(chan struct{}, 1),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
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

// Lost says how many events could not be read back from the history to be delivered
// (it was closed, or failed), and why; 0 when every event was delivered.
func (s *Subscription) Lost() (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lost, s.lostErr
}

// Done is closed once the subscription has handed over everything it will: after
// Hub.Close, when the receiver has taken the last event; after Close, at once.
func (s *Subscription) Done() <-chan struct{} { return s.done }

func (s *Subscription) push(ev *payloads.Event) {
	s.mu.Lock()
	s.queue.push(ev)
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
	defer close(s.done)
	defer close(s.out)
	lost := func(n uint64, err error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.lost += n
		if s.lostErr == nil {
			s.lostErr = err
		}
	}
	send := func(ev *payloads.Event) bool {
		select {
		case s.out <- ev:
			return true
		case <-s.stop:
			return false
		}
	}
	for {
		s.mu.Lock()
		batch := s.queue.takeAll()
		finished := s.finished
		s.mu.Unlock()

		for i, it := range batch {
			if it.ev == nil {
				if !readRange(s.queue.history, it.from, it.to, send, lost) {
					return
				}
				continue
			}
			if !send(it.ev) {
				return
			}
			batch[i] = queued{} // let the receiver own it alone
			s.mu.Lock()
			s.queue.release(it.size)
			s.mu.Unlock()
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
