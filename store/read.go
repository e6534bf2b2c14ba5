package store

import (
	"bytes"
	"fmt"
	"runtime/debug"

	bolt "go.etcd.io/bbolt"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
)

// Stats are the history's counters, read in O(1).
type Stats struct {
	Total   int
	Failing int // signature status fail
	LastSeq uint64
}

// DedupInfo says which event first carried a dedup key and how many stored events
// carry it. FirstID may name an event retention has since pruned.
type DedupInfo struct {
	FirstID string
	Count   int
}

// Reader is what the read commands and the console need; *Store and the control
// socket client both provide it.
type Reader interface {
	List(ListOptions) (Page, error)
	Get(id string) (*payloads.Event, error)
	Stats() (Stats, error)
	// Dedup says which event first carried key and how many events carry it.
	Dedup(key string) (DedupInfo, error)
}

var _ Reader = (*Store)(nil)

// view runs fn in a read transaction that sees every event appended before it began;
// a bbolt panic on a damaged page becomes an ErrCorrupt error instead of killing the
// process.
func (s *Store) view(fn func(tx *bolt.Tx) error) error {
	if s.log != nil { // read-only: there is no log to wait for
		if err := s.log.waitApplied(); err != nil {
			return err
		}
	}
	return s.db.View(func(tx *bolt.Tx) (err error) {
		// A damaged page number makes bbolt read outside its mmap: a fault, which
		// this turns into a panic that recoverCorrupt reports.
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer recoverCorrupt(&err)
		return fn(tx)
	})
}

// Get returns the event with its body and its attempts' response bodies; the error
// wraps ErrNotFound if there is none.
func (s *Store) Get(id string) (*payloads.Event, error) {
	var ev *payloads.Event
	err := s.view(func(tx *bolt.Tx) error {
		seqVal := tx.Bucket(bucketIDs).Get([]byte(id))
		if seqVal == nil {
			if ev = s.tailGet(id); ev != nil {
				return nil
			}
			return ErrNotFound
		}
		var err error
		if ev, err = loadEvent(tx, u64(seqVal), true); err != nil {
			return err
		}
		if ev.ID != id {
			return fmt.Errorf("%w: the ID index names seq %d for %s, which holds %s (run dexra-tui doctor)", ErrCorrupt, ev.Seq, id, ev.ID)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("get event %s: %w", id, err)
	}
	return ev, nil
}

// loadEvent reads the event stored under seq, with its body if withBody.
func loadEvent(tx *bolt.Tx, seq uint64, withBody bool) (*payloads.Event, error) {
	key := seqKey(seq)
	v := tx.Bucket(bucketEvents).Get(key)
	if v == nil {
		return nil, fmt.Errorf("%w: an index names seq %d, which is missing", ErrCorrupt, seq)
	}
	ev, err := decodeMeta(seq, v)
	if err != nil {
		return nil, err
	}
	if ev.Attempts, err = loadAttempts(tx.Bucket(bucketAttempts).Cursor(), seq, withBody); err != nil {
		return nil, err
	}
	if withBody {
		body := tx.Bucket(bucketBodies).Get(key)
		if err := checkBody(seq, v, body); err != nil {
			return nil, err
		}
		ev.Body = bytes.Clone(body)
	}
	return ev, nil
}

// Stats returns the counters kept with every write: no scan.
func (s *Store) Stats() (Stats, error) {
	var st Stats
	err := s.view(func(tx *bolt.Tx) error {
		st.Total = int(u64(tx.Bucket(bucketMeta).Get(totalKey)))
		st.Failing = int(u64(tx.Bucket(bucketCounts).Get(indexSig.postingPrefix(string(sig.Fail)))))
		st.LastSeq = tx.Bucket(bucketEvents).Sequence()
		s.tailStats(&st)
		return nil
	})
	if err != nil {
		return Stats{}, fmt.Errorf("read history stats: %w", err)
	}
	return st, nil
}

// Dedup says which event first carried key and how many stored events carry it; a key
// no stored event carries gives the zero DedupInfo.
func (s *Store) Dedup(key string) (DedupInfo, error) {
	info, err := s.dedupInfo(key) // dedup.go
	if err != nil {
		return DedupInfo{}, fmt.Errorf("look up dedup key: %w", err)
	}
	return info, nil
}
