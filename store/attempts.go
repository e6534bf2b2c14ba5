package store

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/dexra/dexra-tui/payloads"
)

// Attempts live in bucketAttempts under seq(8) position(4), apart from the event's
// record: recording one appends a key and never rewrites the event.

// AddAttempt appends a forward or replay attempt to the stored event id, durably,
// sharing commits with Append. Its response body is returned by Get (and List with
// WithBody); secret response headers are redacted in the history, not in a.
func (s *Store) AddAttempt(id string, a payloads.Attempt) error {
	val := encodeAttempt(a)
	err := s.commit(func(w *txWriter) error {
		seqVal := w.ids.Get([]byte(id))
		if seqVal == nil {
			return ErrNotFound
		}
		seq := u64(seqVal)
		if w.events.Get(seqKey(seq)) == nil {
			return fmt.Errorf("%w: index names seq %d, which is missing", ErrCorrupt, seq)
		}
		return putAttempt(w.attempts, seq, nextAttempt(w.attempts, seq), val)
	})
	if err != nil {
		return fmt.Errorf("add attempt to event %s: %w", id, err)
	}
	return nil
}

// nextAttempt is the position the next attempt of the event stored under seq takes.
func nextAttempt(b *bolt.Bucket, seq uint64) int {
	c := b.Cursor()
	var k []byte
	if k, _ = c.Seek(seqKey(seq + 1)); k == nil {
		k, _ = c.Last()
	} else {
		k, _ = c.Prev()
	}
	if len(k) != attemptKeyLen || u64(k) != seq {
		return 0
	}
	return int(binary.BigEndian.Uint32(k[8:])) + 1
}

func putAttempt(b *bolt.Bucket, seq uint64, i int, val []byte) error {
	if err := b.Put(attemptKey(seq, i), val); err != nil {
		return fmt.Errorf("store attempt: %w", err)
	}
	return nil
}

// loadAttempts returns the attempts of the event stored under seq, in the order they
// were recorded, with their response bodies if withBody.
func loadAttempts(c *bolt.Cursor, seq uint64, withBody bool) ([]payloads.Attempt, error) {
	prefix := seqKey(seq)
	var out []payloads.Attempt
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		a, err := decodeAttempt(v, withBody)
		if err != nil {
			return nil, fmt.Errorf("event seq %d: %w", seq, err)
		}
		out = append(out, a)
	}
	return out, nil
}

// deleteAttempts removes every attempt of the event stored under seq.
func deleteAttempts(b *bolt.Bucket, seq uint64) error {
	prefix := seqKey(seq)
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("delete attempt: %w", err)
		}
	}
	return nil
}

const attemptKeyLen = 12

// attemptKey is seq(8) then the attempt's position(4), both big-endian.
func attemptKey(seq uint64, i int) []byte {
	return binary.BigEndian.AppendUint32(seqKey(seq), uint32(i))
}
