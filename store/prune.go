package store

import (
	"fmt"
	"runtime/debug"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Pruning removes the oldest events in small transactions so the writer lock is never
// held long: ingest (the committer) gets its turn between chunks.
const (
	pruneChunk = 500
	// pruneCooldown lets excess build up between passes, so steady ingest at the limit
	// costs one prune commit per cooldown rather than one per append.
	pruneCooldown = 100 * time.Millisecond
)

func (s *Store) overRetention(total uint64) bool {
	return s.retention > 0 && total > uint64(s.retention)
}

// kickPruner asks the pruner for a pass without ever blocking the caller.
func (s *Store) kickPruner() {
	select {
	case s.pruneKick <- struct{}{}:
	default:
	}
}

func (s *Store) pruneLoop() {
	debug.SetPanicOnFault(true) // see Store.view
	defer s.wg.Done()
	for {
		select {
		case <-s.stop:
			return
		case <-s.pruneKick:
		}
		for {
			n, err := s.pruneOnce(pruneChunk)
			if err != nil {
				s.reportPruneError(err)
				break
			}
			if n == 0 {
				break
			}
			select {
			case <-s.stop:
				return
			default:
			}
		}
		select {
		case <-s.stop:
			return
		case <-time.After(pruneCooldown):
		}
	}
}

// pruneOnce deletes up to max of the oldest events beyond the retention limit, in one
// transaction, and says how many it deleted.
func (s *Store) pruneOnce(max int) (int, error) {
	if s.log != nil {
		s.log.pruning.Lock()
		defer s.log.pruning.Unlock()
	}
	deleted := 0
	var gone []prunedCarrier // the dedup table takes them off once committed
	err := s.db.Update(func(tx *bolt.Tx) (err error) {
		defer recoverCorrupt(&err)
		deleted, gone = 0, nil
		total := u64(tx.Bucket(bucketMeta).Get(totalKey))
		if !s.overRetention(total) {
			return nil
		}
		excess := total - uint64(s.retention)
		c := tx.Bucket(bucketEvents).Cursor()
		// Collect first: deleting under a live cursor skips keys.
		var seqs []uint64
		var metas [][]byte
		for k, v := c.First(); k != nil && uint64(len(seqs)) < excess && len(seqs) < max; k, v = c.Next() {
			seqs = append(seqs, seqOf(k))
			metas = append(metas, append([]byte(nil), v...))
		}
		w := newTxWriter(tx)
		for i, seq := range seqs {
			if err := removeEvent(w, seq, metas[i]); err != nil {
				return fmt.Errorf("prune event %d: %w", seq, err)
			}
			deleted++
		}
		if err := w.flush(); err != nil {
			return err
		}
		gone = w.pruned
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune history %s: %w", s.path, err)
	}
	if s.log != nil && len(gone) > 0 {
		s.log.dedupPruned(gone)
	}
	return deleted, nil
}

func (s *Store) reportPruneError(err error) {
	if s.onPruneError != nil {
		s.onPruneError(err)
		return
	}
	s.pruneMu.Lock()
	defer s.pruneMu.Unlock()
	if s.pruneErr == nil {
		s.pruneErr = err
	}
}
