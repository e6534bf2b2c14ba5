package store

import (
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/dexra/dexra-tui/payloads"
)

// AppendBatch appends evs in this order, durably, as Append does, but queues them all
// at once so they share log writes and commits: an import of many events costs a few
// syncs, not one per event, and keeps the order it was given (seqs follow evs).
// errs[i] is Append's error for evs[i] (ErrDuplicateID for an ID already stored); the
// other events are stored regardless.
func (s *Store) AppendBatch(evs []*payloads.Event) (errs []error) {
	errs = make([]error, len(evs))
	if s.readOnly {
		for i := range errs {
			errs[i] = fmt.Errorf("append event to %s: %w", s.path, errReadOnly)
		}
		return errs
	}
	pending := make([]*pendingAppend, len(evs))
	// Encoding is most of an event's cost before the log: it runs on every core.
	workers := min(runtime.GOMAXPROCS(0), max(1, len(evs)/256))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(evs); i += workers {
				pending[i], errs[i] = s.prepareForBatch(evs[i])
			}
		}()
	}
	wg.Wait()
	queued := make([]*pendingAppend, 0, len(pending))
	for _, pa := range pending {
		if pa != nil {
			queued = append(queued, pa)
		}
	}
	refused := s.log.enqueue(queued...)
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

func (s *Store) prepareForBatch(ev *payloads.Event) (*pendingAppend, error) {
	if ev == nil {
		return nil, fmt.Errorf("append event: nil event")
	}
	if ev.Received.IsZero() {
		ev.Received = time.Now().UTC()
	}
	if ev.ID == "" {
		ev.ID = payloads.NewID(ev.Received)
	}
	p, err := prepareEvent(ev)
	if err != nil {
		return nil, fmt.Errorf("append event %s to %s: %w", ev.ID, s.path, err)
	}
	return &pendingAppend{p: p, done: make(chan struct{})}, nil
}
