package store

import (
	"errors"
	"fmt"
	"os"

	bolt "go.etcd.io/bbolt"
)

// readLog returns the events the log holds beyond the history (acknowledged before a
// crash, not yet applied). A log that does not continue the history is refused.
func (s *Store) readLog() ([]*loggedEvent, error) {
	path := walPath(s.path)
	entries, err := readWAL(path)
	if err != nil || len(entries) == 0 {
		return nil, err
	}
	var last uint64
	err = s.db.View(func(tx *bolt.Tx) (err error) {
		defer recoverCorrupt(&err)
		if b := tx.Bucket(bucketEvents); b != nil {
			last = b.Sequence()
		}
		return nil
	})
	if err != nil {
		return nil, corruptError(s.path, err)
	}
	for len(entries) > 0 && entries[0].seq <= last {
		entries = entries[1:] // already in the history
	}
	if len(entries) == 0 {
		return nil, nil
	}
	if entries[0].seq != last+1 {
		return nil, &openError{
			msg: fmt.Sprintf("history log %s does not continue history %s (it starts at event %d, the history ends at %d); both were left untouched: move the log aside to open the history without it",
				path, s.path, entries[0].seq, last),
			kind: ErrCorrupt,
		}
	}
	for _, e := range entries {
		if err := completeLogged(e); err != nil {
			return nil, fmt.Errorf("open history %s: read its log %s: %w", s.path, path, err)
		}
	}
	return entries, nil
}

// replayLog applies entries (readLog) and returns the stored event count.
func (s *Store) replayLog(entries []*loggedEvent, total uint64) (uint64, error) {
	for len(entries) > 0 {
		n := min(len(entries), maxLogBatch)
		chunk := entries[:n]
		err := s.db.Update(func(tx *bolt.Tx) (err error) {
			defer recoverCorrupt(&err)
			w := newTxWriter(tx)
			for _, e := range chunk {
				if err := applyLogged(w, e); err != nil {
					return err
				}
			}
			total = w.currentTotal()
			return w.flush()
		})
		if err != nil {
			return 0, fmt.Errorf("open history %s: apply its log %s: %w", s.path, walPath(s.path), err)
		}
		entries = entries[n:]
	}
	return total, nil
}

// closeLog removes the log once the history holds all of it, as at every clean close.
// Otherwise (the history failed to take some) it keeps the log for the next Open and
// says so; a failure that stopped appends is returned too.
func (s *Store) closeLog() error {
	l := s.log
	err := l.wal.close()
	l.mu.Lock()
	failed := l.failed
	l.mu.Unlock()
	if applied, logged := l.applied.Load(), l.logged.Load(); applied != logged {
		return errors.Join(err, fmt.Errorf("the history holds events up to %d of %d acknowledged; the rest are kept in %s and applied when it is next opened: %w",
			applied, logged, l.wal.path, failed))
	}
	if rmErr := os.Remove(l.wal.path); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
		err = errors.Join(err, fmt.Errorf("remove history log: %w", rmErr))
	}
	return errors.Join(err, failed)
}
