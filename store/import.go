package store

import (
	"fmt"
	"time"

	berrors "go.etcd.io/bbolt/errors"

	"github.com/dexra/dexra-tui/payloads"
)

// AppendBatch appends evs in this order, durably, as Append does, but queues them all
// at once so they share log writes and commits: an import of many events costs a few
// syncs, not one per event, and keeps the order it was given (seqs follow evs).
// errs[i] is Append's error for evs[i] (ErrDuplicateID for an ID already stored); the
// other events are stored regardless.
func (s *Store) AppendBatch(evs []*payloads.Event) (errs []error) {
	errs = make([]error, len(evs))
	pending := make([]*pendingAppend, len(evs))
	for i, ev := range evs {
		if ev == nil {
			errs[i] = fmt.Errorf("append event: nil event")
			continue
		}
		if ev.Received.IsZero() {
			ev.Received = time.Now().UTC()
		}
		if ev.ID == "" {
			ev.ID = payloads.NewID(ev.Received)
		}
		p, err := prepareEvent(ev)
		if err != nil {
			errs[i] = fmt.Errorf("append event %s to %s: %w", ev.ID, s.path, err)
			continue
		}
		pending[i] = &pendingAppend{p: p, done: make(chan struct{})}
	}
	l := s.log
	l.mu.Lock()
	var refused error
	switch {
	case l.closed:
		refused = berrors.ErrDatabaseNotOpen
	case l.failed != nil:
		refused = l.failed
	default:
		for _, pa := range pending {
			if pa != nil {
				l.queue = append(l.queue, pa)
			}
		}
		l.ready.Signal()
	}
	l.mu.Unlock()
	for i, pa := range pending {
		if pa == nil {
			continue
		}
		if refused != nil {
			errs[i] = fmt.Errorf("append event %s to %s: %w", evs[i].ID, s.path, refused)
			continue
		}
		<-pa.done
		if pa.err != nil {
			errs[i] = fmt.Errorf("append event %s to %s: %w", evs[i].ID, s.path, pa.err)
			continue
		}
		evs[i].Seq, evs[i].DuplicateOf = pa.res.seq, pa.res.duplicateOf
	}
	return errs
}
