package store

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
)

// A scan of many events hands the checksums and raw searches of a batch of them to
// every core while the walk (one bbolt cursor) stays on one goroutine; the batch is
// then taken in order, so pages, Page.Next and errors are what a one-by-one walk
// gives: a damaged event past where the page ends is never reported.

// scanItem is one candidate: its record and (if the filter reads it) body, in place,
// and what its raw terms decided.
type scanItem struct {
	seq          uint64
	record, body []byte
	reject       bool   // a raw term fails: not a match
	decided      uint64 // raw terms that hold (rawFilter.eval)
	err          error  // reported only when the walk reaches the item
}

// Batches grow from the first to the last size, so a page found among the newest
// events costs little more than a one-by-one walk.
const (
	firstScanBatch = 64
	maxScanBatch   = 2048
	minPerWorker   = 128 // below this a batch is checked on the walk's goroutine
)

// scanner yields the candidates of a walk that its raw terms do not reject.
type scanner struct {
	walk           candidates
	events, bodies *seqCursor
	raw            *rawFilter // nil: every candidate is yielded
	needBody       bool
	cursor         uint64
	started, done  bool
	items          []scanItem
	i              int
}

// next returns the next candidate not rejected, nil at the end of the walk.
func (s *scanner) next() (*scanItem, error) {
	for {
		for s.i < len(s.items) {
			it := &s.items[s.i]
			s.i++
			if it.err != nil {
				return nil, it.err
			}
			if !it.reject {
				return it, nil
			}
		}
		if s.done {
			return nil, nil
		}
		s.fill()
	}
}

// fill walks the next batch and decides its raw terms.
func (s *scanner) fill() {
	size := 1
	if s.raw != nil {
		size = min(max(2*len(s.items), firstScanBatch), maxScanBatch)
	}
	s.items, s.i = s.items[:0], 0
	for len(s.items) < size {
		var seq uint64
		var record []byte
		var err error
		if s.started {
			seq, record, err = s.walk.next()
		} else {
			seq, record, err = s.walk.first(s.cursor)
			s.started = true
		}
		if err != nil || seq == 0 {
			if err != nil {
				s.items = append(s.items, scanItem{err: err})
			}
			s.done = true
			break
		}
		if record == nil {
			if record = s.events.get(seq); record == nil {
				s.items = append(s.items, scanItem{err: fmt.Errorf("%w: an index names seq %d, which is missing", ErrCorrupt, seq)})
				s.done = true
				break
			}
		}
		it := scanItem{seq: seq, record: record}
		if s.needBody {
			it.body = s.bodies.get(seq) // read in place; cloned if kept
		}
		s.items = append(s.items, it)
	}
	if s.raw != nil {
		s.raw.evalBatch(s.items, s.needBody)
	}
}

// evalBatch decides the raw terms of items, on every core for a large batch.
func (rf *rawFilter) evalBatch(items []scanItem, needBody bool) {
	workers := min(runtime.GOMAXPROCS(0), len(items)/minPerWorker)
	if workers <= 1 {
		for i := range items {
			rf.evalItem(&items[i], needBody)
		}
		return
	}
	per := (len(items) + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < len(items); lo += per {
		part := items[lo:min(lo+per, len(items))]
		wg.Go(func() {
			// Records are read from the mapped file here too: a fault on a damaged page
			// must be an error naming the event, as on the walk's goroutine.
			debug.SetPanicOnFault(true)
			for i := range part {
				rf.evalItemSafe(&part[i], needBody)
			}
		})
	}
	wg.Wait()
}

// evalItemSafe is evalItem with a panic (a fault on a damaged page) made the item's
// ErrCorrupt error.
func (rf *rawFilter) evalItemSafe(it *scanItem, needBody bool) {
	defer recoverCorrupt(&it.err)
	rf.evalItem(it, needBody)
}

// evalItem checks an item's record and body, kept or not (a damaged record or body
// must be an error, not a match silently missed), then decides its raw terms.
func (rf *rawFilter) evalItem(it *scanItem, needBody bool) {
	if it.err != nil || it.record == nil {
		return
	}
	if it.err = checkRecord(it.seq, it.record); it.err != nil {
		return
	}
	if needBody {
		if it.err = checkBody(it.seq, it.record, it.body); it.err != nil {
			return
		}
	}
	if path, ok := rawPath(it.record); ok {
		it.reject, it.decided = rf.eval(path, it.body)
	}
}
