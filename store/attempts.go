package store

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/dexra/dexra-tui/payloads"
)

// The app's response bodies (up to 64 KiB each) live in bucketAttemptBodies, not in
// the event's metadata, so a page of events never carries them.

// AddAttempt appends a forward or replay attempt to the stored event id. Its response
// body is kept apart and returned by Get (and List with WithBody).
func (s *Store) AddAttempt(id string, a payloads.Attempt) error {
	err := s.db.Batch(func(tx *bolt.Tx) (err error) {
		defer recoverCorrupt(&err)
		seqVal := tx.Bucket(bucketIDs).Get([]byte(id))
		if seqVal == nil {
			return ErrNotFound
		}
		seq := u64(seqVal)
		events := tx.Bucket(bucketEvents)
		key := seqKey(seq)
		v := events.Get(key)
		if v == nil {
			return fmt.Errorf("%w: index names seq %d, which is missing", ErrCorrupt, seq)
		}
		ev, err := decodeMeta(seq, v)
		if err != nil {
			return err
		}
		kept, err := putAttempts(tx, seq, len(ev.Attempts), []payloads.Attempt{a})
		if err != nil {
			return err
		}
		ev.Attempts = append(ev.Attempts, kept...)
		meta, err := encodeMeta(ev)
		if err != nil {
			return err
		}
		return events.Put(key, meta)
	})
	if err != nil {
		return fmt.Errorf("add attempt to event %s: %w", id, err)
	}
	return nil
}

// putAttempts stores the response bodies of attempts (numbered from first) and returns
// the attempts as the metadata keeps them: no body, secret headers redacted.
func putAttempts(tx *bolt.Tx, seq uint64, first int, attempts []payloads.Attempt) ([]payloads.Attempt, error) {
	if len(attempts) == 0 {
		return attempts, nil
	}
	b := tx.Bucket(bucketAttemptBodies)
	out := make([]payloads.Attempt, len(attempts))
	for i, a := range attempts {
		a.ResponseHeaders = RedactHeaders(a.ResponseHeaders)
		if len(a.ResponseBody) > 0 {
			if err := b.Put(attemptKey(seq, first+i), a.ResponseBody); err != nil {
				return nil, fmt.Errorf("store attempt response body: %w", err)
			}
		}
		a.ResponseBody = nil
		out[i] = a
	}
	return out, nil
}

// fillAttemptBodies copies the stored response bodies into ev.Attempts.
func fillAttemptBodies(tx *bolt.Tx, ev *payloads.Event) {
	if len(ev.Attempts) == 0 {
		return
	}
	b := tx.Bucket(bucketAttemptBodies)
	for i := range ev.Attempts {
		if v := b.Get(attemptKey(ev.Seq, i)); v != nil {
			ev.Attempts[i].ResponseBody = bytes.Clone(v)
		}
	}
}

// deleteAttemptBodies removes every response body of the event stored under seq.
func deleteAttemptBodies(tx *bolt.Tx, seq uint64) error {
	b := tx.Bucket(bucketAttemptBodies)
	prefix := seqKey(seq)
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("delete attempt response body: %w", err)
		}
	}
	return nil
}

// attemptKey is seq(8) then the attempt's position(4), both big-endian.
func attemptKey(seq uint64, i int) []byte {
	return binary.BigEndian.AppendUint32(seqKey(seq), uint32(i))
}
