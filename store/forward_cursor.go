package store

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// A forward cursor is how far a forward target is settled: every event up to its seq
// was delivered, refused for good, or given up on. A listener started again resumes
// each target after its cursor, so pending forwards survive a restart. Cursors live
// in the meta bucket under forwardCursorPrefix + the target's spec.
const forwardCursorPrefix = "forward-cursor:"

// ForwardCursor is the stored cursor of target; false when it has none.
func (s *Store) ForwardCursor(target string) (uint64, bool, error) {
	var seq uint64
	var found bool
	err := s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMeta).Get([]byte(forwardCursorPrefix + target))
		if v == nil {
			return nil
		}
		if len(v) != 8 {
			return fmt.Errorf("%w: forward cursor of %q is %d bytes, not 8", ErrCorrupt, target, len(v))
		}
		seq, found = binary.BigEndian.Uint64(v), true
		return nil
	})
	if err != nil {
		return 0, false, fmt.Errorf("read the forward cursor of %s: %w", target, err)
	}
	return seq, found, nil
}

// SetForwardCursors stores several targets' cursors in one commit.
func (s *Store) SetForwardCursors(cursors map[string]uint64) error {
	if len(cursors) == 0 {
		return nil
	}
	err := s.commit(func(w *txWriter) error {
		for target, seq := range cursors {
			if err := w.meta.Put([]byte(forwardCursorPrefix+target), binary.BigEndian.AppendUint64(nil, seq)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save forward cursors: %w", err)
	}
	return nil
}
