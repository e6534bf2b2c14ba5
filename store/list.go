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
		page, err = listTx(tx, f, o)
		return err
	})
	if err != nil {
		return Page{}, fmt.Errorf("list events: %w", err)
	}
	return page, nil
}

func listTx(tx *bolt.Tx, f *Filter, o ListOptions) (Page, error) {
	bucket, prefix, none := plan(tx, f)
	if none {
		return Page{}, nil
	}
	it := newSeqIter(tx.Bucket(bucket), prefix, !o.OldestFirst)
	events, bodies := tx.Bucket(bucketEvents), tx.Bucket(bucketBodies)
	attempts := tx.Bucket(bucketAttempts).Cursor()
	needBody := f.NeedsBody()
	var page Page
	for seq, meta := it.start(o.Cursor); seq != 0; seq, meta = it.next() {
		full := o.Limit > 0 && len(page.Events) == o.Limit
		if full && f.Empty() {
			page.Next = it.cursorAt(seq)
			break
		}
		if meta == nil {
			if meta = events.Get(seqKey(seq)); meta == nil {
				return Page{}, fmt.Errorf("%w: index %s names seq %d, which is missing", ErrCorrupt, bucket, seq)
			}
		}
		ev, rest, err := decodeHead(seq, meta)
		if err != nil {
			return Page{}, err
		}
		if needBody {
			ev.Body = bodies.Get(seqKey(seq)) // read in place; cloned below if kept
		}
		if !f.Match(ev) {
			continue
		}
		if full {
			// Another match exists: the next page starts right at it.
			page.Next = it.cursorAt(seq)
			break
		}
		if o.WithBody {
			ev.Body = bytes.Clone(bodies.Get(seqKey(seq)))
		} else {
			ev.Body = nil
		}
		if err := completeMeta(ev, rest); err != nil {
			return Page{}, err
		}
		if ev.Attempts, err = loadAttempts(attempts, seq, o.WithBody); err != nil {
			return Page{}, err
		}
		page.Events = append(page.Events, ev)
	}
	return page, nil
}

// plan picks where candidates come from: the smallest index among the filter's
// positive indexed terms, or every event. none says an indexed term has no events.
func plan(tx *bolt.Tx, f *Filter) (bucket, prefix []byte, none bool) {
	bucket = bucketEvents
	best := uint64(math.MaxUint64)
	counts := tx.Bucket(bucketCounts)
	var uncounted [][]byte
	for _, t := range f.terms {
		if t.neg {
			continue
		}
		ix, ok := indexFor(t.key)
		if !ok {
			continue
		}
		v := t.indexValue()
		if ix.optional && v == "" {
			return nil, nil, true // events without a value are not indexed, so none match
		}
		p := ix.prefix(v)
		if !ix.counted {
			uncounted = append(uncounted, p)
			continue
		}
		if n := u64(counts.Get(p)); n < best {
			best, bucket, prefix = n, bucketIndex, p
		}
	}
	// An uncounted index is counted here, no further than it takes to know whether
	// it beats the best so far.
	index := tx.Bucket(bucketIndex)
	for _, p := range uncounted {
		if n := countPrefix(index, p, min(best, maxPlanScan)); n < best {
			best, bucket, prefix = n, bucketIndex, p
		}
	}
	return bucket, prefix, best == 0
}

// maxPlanScan bounds the count of an uncounted index's value when planning.
const maxPlanScan = 4096

// countPrefix counts the keys of b under prefix, up to limit.
func countPrefix(b *bolt.Bucket, prefix []byte, limit uint64) uint64 {
	n := uint64(0)
	c := b.Cursor()
	for k, _ := c.Seek(prefix); n < limit && k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		n++
	}
	return n
}

// indexValue is the term's value as the index stores it (see the index functions).
func (t term) indexValue() string {
	if t.key == KeyType || t.key == KeySource {
		return t.lower
	}
	return t.value
}

// seqIter walks the keys prefix+seq(8) of a bucket in seq order, either way.
type seqIter struct {
	c      *bolt.Cursor
	prefix []byte
	desc   bool
	events bool // the bucket is bucketEvents: values are the metadata
}

func newSeqIter(b *bolt.Bucket, prefix []byte, desc bool) *seqIter {
	return &seqIter{c: b.Cursor(), prefix: prefix, desc: desc, events: len(prefix) == 0}
}

// start positions the iterator on the first seq past the exclusive cursor (0: from
// the newest, or the oldest) and returns it; seq 0 means nothing is there.
func (it *seqIter) start(cursor uint64) (uint64, []byte) {
	target := make([]byte, 0, len(it.prefix)+8)
	target = append(target, it.prefix...)
	if !it.desc {
		if cursor == math.MaxUint64 {
			return 0, nil
		}
		k, v := it.c.Seek(bigEndian(target, cursor+1))
		return it.accept(k, v)
	}
	if cursor == 0 {
		cursor = math.MaxUint64
	}
	k, v := it.c.Seek(bigEndian(target, cursor))
	if k == nil {
		k, v = it.c.Last()
	} else {
		k, v = it.c.Prev()
	}
	return it.accept(k, v)
}

func (it *seqIter) next() (uint64, []byte) {
	if it.desc {
		return it.accept(it.c.Prev())
	}
	return it.accept(it.c.Next())
}

func (it *seqIter) accept(k, v []byte) (uint64, []byte) {
	if len(k) != len(it.prefix)+8 || !bytes.HasPrefix(k, it.prefix) {
		return 0, nil
	}
	if !it.events {
		v = nil
	}
	return seqOf(k), v
}

// cursorAt is the exclusive cursor whose page starts at seq.
func (it *seqIter) cursorAt(seq uint64) uint64 {
	if it.desc {
		return seq + 1
	}
	return seq - 1
}

func bigEndian(b []byte, v uint64) []byte {
	return append(b, byte(v>>56), byte(v>>48), byte(v>>40), byte(v>>32), byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}
