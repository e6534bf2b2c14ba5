package store

import (
	"bytes"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
)

// A read-only store cannot apply its log, and must not: the events the log holds
// beyond the history (acknowledged before a crash) are read into memory at Open and
// served with the history's, as if applied, so a read after a crash misses nothing and
// writes nothing. They are few: the log is started again whenever the history holds
// all of it, and holds at most walRewindSize of lag.

// tailEvents decodes the log's events the history lacks (readLog checked them).
func tailEvents(entries []*loggedEvent) ([]*payloads.Event, error) {
	out := make([]*payloads.Event, 0, len(entries))
	for _, e := range entries {
		ev, err := decodeMeta(e.seq, e.record)
		if err != nil {
			return nil, err
		}
		ev.Body = bytes.Clone(e.body)
		for _, a := range e.attempts {
			at, err := decodeAttempt(a, true)
			if err != nil {
				return nil, fmt.Errorf("event seq %d: %w", e.seq, err)
			}
			ev.Attempts = append(ev.Attempts, at)
		}
		out = append(out, ev)
	}
	return out, nil
}

// tailCopy is ev as a read returns it: a copy, with bodies only if withBody.
func tailCopy(ev *payloads.Event, withBody bool) *payloads.Event {
	c := *ev
	c.Attempts = slices.Clone(ev.Attempts)
	if !withBody {
		c.Body = nil
		for i := range c.Attempts {
			c.Attempts[i].ResponseBody = nil
		}
	}
	return &c
}

func (s *Store) tailGet(id string) *payloads.Event {
	for _, ev := range s.tail {
		if ev.ID == id {
			return tailCopy(ev, true)
		}
	}
	return nil
}

// tailStats adds the tail to st.
func (s *Store) tailStats(st *Stats) {
	for _, ev := range s.tail {
		st.Total++
		if indexValueSig(ev) == string(sig.Fail) {
			st.Failing++
		}
		st.LastSeq = ev.Seq
	}
}

// tailDedup adds the tail's carriers of key to info.
func (s *Store) tailDedup(key string, info *DedupInfo) {
	for _, ev := range s.tail {
		if ev.DedupKey != key {
			continue
		}
		if info.Count == 0 {
			info.FirstID = ev.ID
			if ev.DuplicateOf != "" {
				info.FirstID = ev.DuplicateOf
			}
		}
		info.Count++
	}
}

// listWithTail is List over the history and the tail, the tail's events being the
// newest (their seqs follow the history's).
func (s *Store) listWithTail(tx *bolt.Tx, f *Filter, o ListOptions) (Page, error) {
	var page Page
	full := func() bool { return o.Limit > 0 && len(page.Events) == o.Limit }
	if !o.OldestFirst {
		for i := len(s.tail) - 1; i >= 0; i-- {
			ev := s.tail[i]
			if (o.Cursor != 0 && ev.Seq >= o.Cursor) || !f.Match(ev) {
				continue
			}
			if full() {
				page.Next = cursorAt(true, ev.Seq)
				return page, nil
			}
			page.Events = append(page.Events, tailCopy(ev, o.WithBody))
		}
		rest := o
		if len(s.tail) > 0 && (o.Cursor == 0 || o.Cursor > s.tail[0].Seq) {
			rest.Cursor = 0 // from the history's newest
		}
		if o.Limit > 0 {
			rest.Limit = max(o.Limit-len(page.Events), 1) // 1 when full: is there another?
		}
		p, err := listTx(tx, f, rest)
		if err != nil {
			return Page{}, err
		}
		if full() {
			if len(p.Events) > 0 {
				page.Next = cursorAt(true, p.Events[0].Seq)
			}
			return page, nil
		}
		page.Events, page.Next = append(page.Events, p.Events...), p.Next
		return page, nil
	}
	p, err := listTx(tx, f, o)
	if err != nil || p.Next != 0 {
		return p, err
	}
	page.Events = p.Events
	for _, ev := range s.tail {
		if ev.Seq <= o.Cursor || !f.Match(ev) {
			continue
		}
		if full() {
			page.Next = cursorAt(false, ev.Seq)
			return page, nil
		}
		page.Events = append(page.Events, tailCopy(ev, o.WithBody))
	}
	return page, nil
}
