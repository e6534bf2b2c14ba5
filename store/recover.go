package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	bolt "go.etcd.io/bbolt"
)

// readLog returns the events the log holds beyond the history (acknowledged before a
// crash, not yet applied), reading only. A log that is damaged, belongs to another
// history or does not continue this one is refused; a write cut short by a crash is
// dropped and said (Options.Warn).
func (s *Store) readLog(st schemaState) ([]*loggedEvent, error) {
	path := walPath(s.path)
	c, err := readWAL(path, st.last, st.version == 2)
	if errors.Is(err, errLogDamaged) {
		return nil, s.logRefused(fmt.Sprintf("it is damaged: %v", err))
	}
	if err != nil {
		return nil, fmt.Errorf("open history %s: %w", s.path, err)
	}
	switch {
	case c.historyID != nil && st.fresh:
		return nil, s.logRefused("it belongs to another history (this one is new)")
	case c.historyID != nil && !bytes.Equal(c.historyID, st.id):
		return nil, s.logRefused(fmt.Sprintf("it belongs to another history (its history ID is %x, this history's is %x)", c.historyID, st.id))
	}
	entries := c.entries
	for len(entries) > 0 && entries[0].seq <= st.last {
		entries = entries[1:] // already in the history
	}
	if len(entries) > 0 && entries[0].seq != st.last+1 {
		return nil, s.logRefused(fmt.Sprintf("it does not continue the history (it starts at event %d, the history ends at %d)", entries[0].seq, st.last))
	}
	for _, e := range entries {
		if err := completeLogged(e); err != nil {
			return nil, s.logRefused(fmt.Sprintf("it is damaged: %v", err))
		}
	}
	if c.torn >= 0 && s.warn != nil {
		what := "dropped it"
		if s.readOnly {
			what = "ignored it (the next writing open drops it)"
		}
		s.warn(fmt.Sprintf("history log %s: the last write (from byte %d) was cut short by a crash before it was acknowledged; %s, kept the %d whole records before it",
			path, c.torn, what, len(c.entries)))
	}
	return entries, nil
}

// logRefused is the error for a log Open will not use; why says what is wrong with it.
func (s *Store) logRefused(why string) error {
	log := walPath(s.path)
	return &openError{
		msg: fmt.Sprintf("history log %s is not usable with history %s: %s. Both were left untouched and nothing was merged or deleted: run `dexra-tui doctor --db %s` to see what each holds (`--salvage NEW` copies every readable event of both into a new history), or move the log aside to open the history without it",
			log, s.path, why, s.path),
		kind: ErrCorrupt,
	}
}

// replayLog applies entries (readLog) and returns the stored event count. dedup is
// the history's dedup table, which takes them first; nil while schema 2 is upgraded
// (its last step lists every event's dedup key).
func (s *Store) replayLog(entries []*loggedEvent, total uint64, dedup *dedupTable) (uint64, error) {
	if dedup != nil && len(entries) > 0 {
		if err := s.carryLogged(dedup, entries); err != nil {
			return 0, fmt.Errorf("open history %s: apply its log %s: %w", s.path, walPath(s.path), err)
		}
	}
	for len(entries) > 0 {
		n := min(len(entries), maxLogBatch)
		chunk := entries[:n]
		err := s.db.Update(func(tx *bolt.Tx) (err error) {
			defer recoverCorrupt(&err)
			w := newTxWriter(tx)
			if err := applyLoggedBatch(w, chunk); err != nil {
				return err
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
	failed := l.failing
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
