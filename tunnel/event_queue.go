package tunnel

import "github.com/dexra/dexra-tui/payloads"

// HistoryRange reads up to limit stored events with seqs from..to, oldest first,
// with their bodies.
type HistoryRange func(from, to uint64, limit int) ([]*payloads.Event, error)

// maxQueuedBytes bounds the events one queue (a subscription's, a forward target's)
// holds in memory.
const maxQueuedBytes = 16 << 20

// A queue reads events back from the history a page at a time: at most
// readBehindPage events and about readBehindBytes (the first page is one event, which
// gives the size to expect).
const (
	readBehindPage  = 256
	readBehindBytes = 4 << 20
)

// eventQueue is events in arrival order. With a history to read them back from, it
// holds at most maxQueuedBytes of them; past that it holds ranges of seqs, so a
// consumer that stalls costs no more memory as it falls behind. Its owner locks it.
type eventQueue struct {
	history HistoryRange // nil: every event is held
	items   []queued
	bytes   int // the size of the events held, until their owner releases them
}

// queued is an event, or (ev nil) the events with seqs from..to, to read back.
type queued struct {
	ev       *payloads.Event
	size     int // eventBytes(ev) when it was pushed
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

func (q *eventQueue) push(ev *payloads.Event) {
	size := eventBytes(ev)
	switch last := len(q.items) - 1; {
	case q.history == nil || ev.Seq == 0 || q.bytes+size <= maxQueuedBytes:
		q.items = append(q.items, queued{ev: ev, size: size})
		q.bytes += size
	case last >= 0 && q.items[last].ev == nil && q.items[last].to+1 == ev.Seq:
		q.items[last].to = ev.Seq
	default:
		q.items = append(q.items, queued{from: ev.Seq, to: ev.Seq})
	}
}

// count is how many events wait, held or to read back.
func (q *eventQueue) count() int {
	n := 0
	for _, it := range q.items {
		if it.ev != nil {
			n++
		} else {
			n += int(it.to - it.from + 1)
		}
	}
	return n
}

// takeAll removes every item; the events' bytes count until released.
func (q *eventQueue) takeAll() []queued {
	items := q.items
	q.items = nil
	return items
}

// take removes the oldest entry: an event, or (ev nil) the seq of one to read back.
func (q *eventQueue) take() (ev *payloads.Event, seq uint64, ok bool) {
	if len(q.items) == 0 {
		return nil, 0, false
	}
	it := &q.items[0]
	if it.ev == nil {
		seq = it.from
		if it.from++; it.from <= it.to {
			return nil, seq, true
		}
	}
	ev = it.ev
	q.bytes -= it.size
	q.items[0] = queued{}
	q.items = q.items[1:]
	if len(q.items) == 0 {
		q.items = nil // let the backing array go
	}
	return ev, seq, true
}

// release says an event taken with takeAll was handed on.
func (q *eventQueue) release(size int) { q.bytes -= size }

// readRange calls deliver with each stored event of from..to, a page at a time, until
// it returns false (and then says false). Events the history no longer has (pruned)
// are skipped; a failed read ends the range and goes to lost with what it covered.
func readRange(history HistoryRange, from, to uint64, deliver func(*payloads.Event) bool, lost func(n uint64, err error)) bool {
	limit := 1
	for from <= to {
		evs, err := history(from, to, limit)
		if err != nil {
			lost(to-from+1, err)
			return true
		}
		if len(evs) == 0 {
			return true
		}
		size := 0
		for _, ev := range evs {
			size += eventBytes(ev)
			if !deliver(ev) {
				return false
			}
		}
		from = evs[len(evs)-1].Seq + 1
		limit = max(1, min(readBehindPage, readBehindBytes*len(evs)/size))
	}
	return true
}
