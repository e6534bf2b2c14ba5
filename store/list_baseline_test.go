package store

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// listTxBaseline is listTx as it was before raw scanning (main 2fa7674): the oracle
// the scanning tests compare List with and the baseline its benchmarks measure.
func listTxBaseline(tx *bolt.Tx, f *Filter, o ListOptions) (Page, error) {
	desc := !o.OldestFirst
	walk, none, err := plan(tx, f, desc)
	if none || err != nil {
		return Page{}, err
	}
	events, bodies := tx.Bucket(bucketEvents), tx.Bucket(bucketBodies)
	attempts := tx.Bucket(bucketAttempts).Cursor()
	needBody := f.NeedsBody()
	var page Page
	seq, record, err := walk.first(o.Cursor)
	for ; seq != 0 && err == nil; seq, record, err = walk.next() {
		full := o.Limit > 0 && len(page.Events) == o.Limit
		if full && f.Empty() {
			page.Next = cursorAt(desc, seq)
			break
		}
		if record == nil {
			if record = events.Get(seqKey(seq)); record == nil {
				return Page{}, fmt.Errorf("%w: an index names seq %d, which is missing", ErrCorrupt, seq)
			}
		}
		ev, rest, err := decodeHead(seq, record)
		if err != nil {
			return Page{}, err
		}
		if needBody {
			ev.Body = bodies.Get(seqKey(seq)) // read in place; cloned below if kept
			if err := checkBody(seq, record, ev.Body); err != nil {
				return Page{}, err
			}
		}
		completed := f.NeedsRest()
		if completed { // the filter reads a field past the record's head (dir:)
			if err := completeMeta(ev, rest); err != nil {
				return Page{}, err
			}
		}
		if !f.Match(ev) {
			continue
		}
		if full {
			// Another match exists: the next page starts right at it.
			page.Next = cursorAt(desc, seq)
			break
		}
		if o.WithBody {
			body := bodies.Get(seqKey(seq))
			if !needBody {
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
		if ev.Attempts, err = loadAttempts(attempts, seq, o.WithBody); err != nil {
			return Page{}, err
		}
		page.Events = append(page.Events, ev)
	}
	if err != nil {
		return Page{}, err
	}
	return page, nil
}

// ListBaseline is List through listTxBaseline, for the tests outside the package.
func (s *Store) ListBaseline(o ListOptions) (Page, error) {
	f, err := ParseFilter(o.Query)
	if err != nil {
		return Page{}, err
	}
	var page Page
	err = s.view(func(tx *bolt.Tx) error {
		page, err = listTxBaseline(tx, f, o)
		return err
	})
	return page, err
}
