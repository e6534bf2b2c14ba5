package store

import (
	"bytes"
	"fmt"
	"math"

	bolt "go.etcd.io/bbolt"

	"github.com/dexra/dexra-tui/payloads"
)

// ListOptions select a page of the history.
type ListOptions struct {
	Query       string // filter language
	Cursor      uint64 // exclusive seq to continue after; 0 = start at the newest (or oldest)
	Limit       int    // 0 = all
	OldestFirst bool
	WithBody    bool // fill Event.Body and the attempts' ResponseBody (otherwise nil)
	// Brief leaves Headers and Attempts nil: a listing that shows neither (events)
	// decodes a third of the work (brief.go).
	Brief bool
}

// Page is one page of events, in the order asked for.
type Page struct {
	Events []*payloads.Event
	Next   uint64 // cursor for the next page; 0 = no more
}

// List returns a page of events, newest first unless o.OldestFirst. A Query's
// source:/type:/sig:/dup:/corr: terms are answered from indexes, so the work for a
// page depends on its size and the candidates skipped, not on the history's size.
// Page.Next is exact: it is non-zero only when another matching event exists.
func (s *Store) List(o ListOptions) (Page, error) {
	f, err := ParseFilter(o.Query)
	if err != nil {
		return Page{}, fmt.Errorf("list events: %w", err)
	}
	var page Page
	err = s.view(func(tx *bolt.Tx) error {
		var err error
		if len(s.tail) > 0 {
			page, err = s.listWithTail(tx, f, o)
		} else {
			page, err = listTx(tx, f, o)
		}
		return err
	})
	if err != nil {
		return Page{}, fmt.Errorf("list events: %w", err)
	}
	if o.Brief { // the tail's events are copies with everything
		for _, ev := range page.Events {
			ev.Headers, ev.Attempts = nil, nil
		}
	}
	return page, nil
}

func listTx(tx *bolt.Tx, f *Filter, o ListOptions) (Page, error) {
	desc := !o.OldestFirst
	walk, none, err := plan(tx, f, desc)
	if none || err != nil {
		return Page{}, err
	}
	needBody := f.NeedsBody()
	raw := compileRaw(f)
	src := &scanner{
		walk: walk, cursor: o.Cursor, raw: raw, needBody: needBody,
		events: newSeqCursor(tx.Bucket(bucketEvents), desc),
		bodies: newSeqCursor(tx.Bucket(bucketBodies), desc),
	}
	bodies := newSeqCursor(tx.Bucket(bucketBodies), desc) // for the kept events' bodies
	attempts := tx.Bucket(bucketAttempts).Cursor()
	var page Page
	for {
		it, err := src.next()
		if err != nil {
			return Page{}, err
		}
		if it == nil {
			break
		}
		seq, record, body, decided := it.seq, it.record, it.body, it.decided
		full := o.Limit > 0 && len(page.Events) == o.Limit
		if full && f.Empty() {
			page.Next = cursorAt(desc, seq)
			break
		}
		var ev *payloads.Event
		var rest []byte
		completed := o.Brief
		if o.Brief {
			ev, err = decodeBrief(seq, record)
		} else {
			ev, rest, err = decodeHead(seq, record)
		}
		if err != nil {
			return Page{}, err
		}
		if needBody {
			ev.Body = body
			if raw == nil {
				if err := checkBody(seq, record, body); err != nil {
					return Page{}, err
				}
			}
		}
		if !completed && f.NeedsRest() {
			completed = true // the filter reads a field past the record's head (dir:)
			if err := completeMeta(ev, rest); err != nil {
				return Page{}, err
			}
		}
		if !f.match(ev, decided) {
			continue
		}
		if full {
			// Another match exists: the next page starts right at it.
			page.Next = cursorAt(desc, seq)
			break
		}
		if o.WithBody {
			if !needBody {
				body = bodies.get(seq)
				if err := checkBody(seq, record, body); err != nil {
					return Page{}, err
				}
			}
			ev.Body = bytes.Clone(body)
		} else {
			ev.Body = nil
		}
		if !completed {
			if err := completeMeta(ev, rest); err != nil {
				return Page{}, err
			}
		}
		if !o.Brief {
			if ev.Attempts, err = loadAttempts(attempts, seq, o.WithBody); err != nil {
				return Page{}, err
			}
		}
		page.Events = append(page.Events, ev)
	}
	return page, nil
}

// plan picks where candidates come from: the index among the filter's positive
// indexed terms that names the fewest events, or every event. none says an indexed
// term names no event.
func plan(tx *bolt.Tx, f *Filter, desc bool) (walk candidates, none bool, err error) {
	best := uint64(math.MaxUint64)
	walk = &eventsWalk{c: tx.Bucket(bucketEvents).Cursor(), desc: desc}
	counts, index := tx.Bucket(bucketCounts), tx.Bucket(bucketIndex)
	var corrs []*corrWalk
	for _, t := range f.terms {
		if t.neg {
			continue
		}
		ix, ok := indexFor(t.key)
		if !ok {
			continue
		}
		v := t.indexValue()
		if ix.kind == corrIndex {
			if v == "" {
				return nil, true, nil // events without a correlation are not indexed
			}
			corrs = append(corrs, newCorrWalk(tx, corrHash(v), desc))
			continue
		}
		p := ix.postingPrefix(v)
		if n := u64(counts.Get(p)); n < best {
			best, walk = n, &postingWalk{c: index.Cursor(), prefix: p, desc: desc}
		}
	}
	if len(corrs) == 1 && best == math.MaxUint64 {
		return corrs[0], false, nil // the only index: no need to measure it
	}
	// A correlation is not counted: it is counted here, no further than it takes to
	// know whether it beats the best so far.
	for _, w := range corrs {
		n, err := w.count(min(best, maxPlanScan))
		if err != nil {
			return nil, false, err
		}
		if n < best {
			best, walk = n, w
		}
	}
	return walk, best == 0, nil
}

// maxPlanScan bounds the count of a correlation's events when planning.
const maxPlanScan = 4096

// indexValue is the term's value as the index stores it (see the index functions).
func (t term) indexValue() string {
	if t.key == KeyType || t.key == KeySource {
		return t.lower
	}
	return t.value
}
