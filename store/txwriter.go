package store

import (
	"encoding/binary"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// txWriter is one write transaction's handles on the buckets, with the counters'
// changes gathered and written once at the end: the events of a batch mostly share
// their source, type and signature, so a batch updates each counter once, not once
// per event.
type txWriter struct {
	tx                                         *bolt.Tx
	meta, events, bodies, ids, attempts, dedup *bolt.Bucket
	index, counts                              *bolt.Bucket

	countDelta map[string]int64 // countKey → change
	total      uint64           // stored event count when the transaction began
	totalDelta int64
}

func newTxWriter(tx *bolt.Tx) *txWriter {
	w := &txWriter{
		tx:         tx,
		meta:       tx.Bucket(bucketMeta),
		events:     tx.Bucket(bucketEvents),
		bodies:     tx.Bucket(bucketBodies),
		ids:        tx.Bucket(bucketIDs),
		attempts:   tx.Bucket(bucketAttempts),
		dedup:      tx.Bucket(bucketDedup),
		index:      tx.Bucket(bucketIndex),
		counts:     tx.Bucket(bucketCounts),
		countDelta: make(map[string]int64, 8),
	}
	w.total = u64(w.meta.Get(totalKey))
	return w
}

// putIndex adds the entry of the event stored under seq with value v to ix.
func (w *txWriter) putIndex(ix index, v string, seq uint64) error {
	if v == "" && ix.optional {
		return nil
	}
	prefix := ix.prefix(v)
	if err := w.index.Put(binary.BigEndian.AppendUint64(prefix, seq), emptyValue); err != nil {
		return fmt.Errorf("index %s: %w", ix.key, err)
	}
	if ix.counted {
		w.countDelta[string(prefix)]++
	}
	return nil
}

// deleteIndex removes what putIndex added.
func (w *txWriter) deleteIndex(ix index, v string, seq uint64) error {
	if v == "" && ix.optional {
		return nil
	}
	prefix := ix.prefix(v)
	if err := w.index.Delete(binary.BigEndian.AppendUint64(prefix, seq)); err != nil {
		return fmt.Errorf("unindex %s: %w", ix.key, err)
	}
	if ix.counted {
		w.countDelta[string(prefix)]--
	}
	return nil
}

// currentTotal is the event count including this transaction's changes so far.
func (w *txWriter) currentTotal() uint64 {
	return uint64(max(int64(w.total)+w.totalDelta, 0))
}

// flush writes the gathered counter changes, in key order.
func (w *txWriter) flush() error {
	keys := make([]string, 0, len(w.countDelta))
	for k, d := range w.countDelta {
		if d != 0 {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		key := []byte(k)
		n := int64(u64(w.counts.Get(key))) + w.countDelta[k]
		var err error
		if n <= 0 {
			err = w.counts.Delete(key)
		} else {
			err = w.counts.Put(key, seqKey(uint64(n)))
		}
		if err != nil {
			return fmt.Errorf("update index count: %w", err)
		}
	}
	clear(w.countDelta)
	if w.totalDelta != 0 {
		if err := w.meta.Put(totalKey, seqKey(w.currentTotal())); err != nil {
			return fmt.Errorf("update event count: %w", err)
		}
		w.total, w.totalDelta = w.currentTotal(), 0
	}
	return nil
}
