package store

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/dexra/dexra-tui/payloads"
)

// ErrDuplicateID: Append was given an event whose ID is already stored.
var ErrDuplicateID = errors.New("event ID is already stored")

var emptyValue = []byte{}

// denseFill is the page fill for buckets whose keys mostly grow within a range (index
// values followed by the seq; time-sorted IDs): pages split late and end up nearly
// full, where bbolt's default 0.5 would leave them half empty.
const denseFill = 0.9

// putResult is what putEvent decided, handed to the caller only after commit.
type putResult struct {
	seq         uint64
	duplicateOf string
	total       uint64
}

// putEvent stores ev with every index entry and counter, in tx. It does not modify ev.
// It may run more than once for one event (DB.Batch retries), so it is a pure function
// of ev and the transaction.
func putEvent(tx *bolt.Tx, ev *payloads.Event) (putResult, error) {
	events, ids := tx.Bucket(bucketEvents), tx.Bucket(bucketIDs)
	if ev.ID == "" || len(ev.ID) > bolt.MaxKeySize {
		return putResult{}, fmt.Errorf("event ID %q is empty or too long", ev.ID)
	}
	if ids.Get([]byte(ev.ID)) != nil {
		return putResult{}, fmt.Errorf("%w: %s", ErrDuplicateID, ev.ID)
	}
	seq, err := events.NextSequence()
	if err != nil {
		return putResult{}, err
	}
	key := seqKey(seq)

	dupOf, err := countDedup(tx.Bucket(bucketDedup), ev.DedupKey, ev.ID, seq)
	if err != nil {
		return putResult{}, err
	}

	stored := *ev
	stored.Seq = seq
	stored.DuplicateOf = dupOf
	stored.Headers = RedactHeaders(ev.Headers)
	stored.Body = nil
	if stored.Attempts, err = putAttempts(tx, seq, 0, ev.Attempts); err != nil {
		return putResult{}, err
	}
	meta, err := encodeMeta(&stored)
	if err != nil {
		return putResult{}, err
	}
	events.FillPercent = 1 // keys only ever grow: fill pages completely
	if err := events.Put(key, meta); err != nil {
		return putResult{}, fmt.Errorf("store event metadata: %w", err)
	}
	if len(ev.Body) > 0 {
		bodies := tx.Bucket(bucketBodies)
		bodies.FillPercent = 1
		if err := bodies.Put(key, ev.Body); err != nil {
			return putResult{}, fmt.Errorf("store body: %w", err)
		}
	}
	ids.FillPercent = denseFill
	if err := ids.Put([]byte(ev.ID), key); err != nil {
		return putResult{}, fmt.Errorf("index event ID: %w", err)
	}
	counts := tx.Bucket(bucketCounts)
	for _, ix := range indexes {
		v := ix.value(&stored)
		if v == "" && ix.key == KeyCorr {
			continue
		}
		b := tx.Bucket(ix.bucket)
		b.FillPercent = denseFill
		if err := b.Put(indexKey(v, seq), emptyValue); err != nil {
			return putResult{}, fmt.Errorf("index %s: %w", ix.key, err)
		}
		if err := addCount(counts, countKey(ix.bucket, v), 1); err != nil {
			return putResult{}, err
		}
	}
	total, err := addTotal(tx, 1)
	if err != nil {
		return putResult{}, err
	}
	return putResult{seq: seq, duplicateOf: dupOf, total: total}, nil
}

// removeEvent deletes the event stored under seq with its body, index entries and
// counters. The dedup entry keeps the first ID while later events still carry the key.
func removeEvent(tx *bolt.Tx, seq uint64, meta []byte) error {
	ev, _, err := decodeHead(seq, meta) // the head has every field indexes use
	if err != nil {
		return err
	}
	key := seqKey(seq)
	counts := tx.Bucket(bucketCounts)
	for _, ix := range indexes {
		v := ix.value(ev)
		if v == "" && ix.key == KeyCorr {
			continue
		}
		if err := tx.Bucket(ix.bucket).Delete(indexKey(v, seq)); err != nil {
			return fmt.Errorf("unindex %s: %w", ix.key, err)
		}
		if err := addCount(counts, countKey(ix.bucket, v), -1); err != nil {
			return err
		}
	}
	if ev.DedupKey != "" {
		dedup := tx.Bucket(bucketDedup)
		k := dedupKey(ev.DedupKey)
		if v := dedup.Get(k); v != nil {
			if n := u64(v); n <= 1 {
				err = dedup.Delete(k)
			} else {
				nv := append([]byte(nil), v...)
				binary.BigEndian.PutUint64(nv, n-1)
				err = dedup.Put(k, nv)
			}
			if err != nil {
				return fmt.Errorf("update dedup count: %w", err)
			}
		}
	}
	if err := tx.Bucket(bucketIDs).Delete([]byte(ev.ID)); err != nil {
		return fmt.Errorf("unindex event ID: %w", err)
	}
	if err := deleteAttemptBodies(tx, seq); err != nil {
		return err
	}
	if err := tx.Bucket(bucketBodies).Delete(key); err != nil {
		return fmt.Errorf("delete body: %w", err)
	}
	if err := tx.Bucket(bucketEvents).Delete(key); err != nil {
		return fmt.Errorf("delete event: %w", err)
	}
	_, err = addTotal(tx, -1)
	return err
}

// countDedup records that the event id (seq) carries dedup key k and returns the ID
// of the first event that carried it ("" if this is the first).
func countDedup(dedup *bolt.Bucket, k, id string, seq uint64) (string, error) {
	if k == "" {
		return "", nil
	}
	key := dedupKey(k)
	if v := dedup.Get(key); v != nil && len(v) > 16 {
		first := string(v[16:])
		nv := append([]byte(nil), v...)
		binary.BigEndian.PutUint64(nv, u64(v)+1)
		if err := dedup.Put(key, nv); err != nil {
			return "", fmt.Errorf("update dedup count: %w", err)
		}
		return first, nil
	}
	v := binary.BigEndian.AppendUint64(nil, 1)
	v = binary.BigEndian.AppendUint64(v, seq)
	v = append(v, id...)
	if err := dedup.Put(key, v); err != nil {
		return "", fmt.Errorf("record dedup key: %w", err)
	}
	return "", nil
}

// dedupKey is how a dedup key is stored: raw when short, hashed when long.
func dedupKey(k string) []byte {
	if len(k) <= maxIndexValue {
		return append([]byte{'r'}, k...)
	}
	sum := sha256.Sum256([]byte(k))
	return append([]byte{'h'}, sum[:]...)
}

func addCount(b *bolt.Bucket, key []byte, delta int64) error {
	n := int64(u64(b.Get(key))) + delta
	var err error
	if n <= 0 {
		err = b.Delete(key)
	} else {
		err = b.Put(key, seqKey(uint64(n)))
	}
	if err != nil {
		return fmt.Errorf("update index count: %w", err)
	}
	return nil
}

func addTotal(tx *bolt.Tx, delta int64) (uint64, error) {
	meta := tx.Bucket(bucketMeta)
	n := int64(u64(meta.Get(totalKey))) + delta
	if n < 0 {
		n = 0
	}
	if err := meta.Put(totalKey, seqKey(uint64(n))); err != nil {
		return 0, fmt.Errorf("update event count: %w", err)
	}
	return uint64(n), nil
}
