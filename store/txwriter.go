package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"maps"
	"math"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// txWriter is one write transaction's handles on the buckets, with the posting list
// and counter changes gathered and written once at the end: the events of a batch
// mostly share their source, type and signature, so a batch writes each list and
// counter once, not once per event.
type txWriter struct {
	meta, events, bodies, ids, attempts *bolt.Bucket
	index, counts, carriers             *bolt.Bucket

	added, removed map[string][]uint64 // posting prefix → seqs
	countDelta     map[string]int64    // posting prefix (its counter's key) → change
	total          uint64              // stored event count when the transaction began
	totalDelta     int64
	// Dedup carriers to list and to take off the lists (dedup.go), and those taken off.
	listed   []listedCarrier
	unlisted []prunedCarrier
	pruned   []prunedCarrier
}

func newTxWriter(tx *bolt.Tx) *txWriter {
	w := &txWriter{
		meta:       tx.Bucket(bucketMeta),
		events:     tx.Bucket(bucketEvents),
		bodies:     tx.Bucket(bucketBodies),
		ids:        tx.Bucket(bucketIDs),
		attempts:   tx.Bucket(bucketAttempts),
		carriers:   tx.Bucket(bucketCarriers),
		index:      tx.Bucket(bucketIndex),
		counts:     tx.Bucket(bucketCounts),
		added:      make(map[string][]uint64, 8),
		removed:    make(map[string][]uint64),
		countDelta: make(map[string]int64, 8),
	}
	// Keys that only grow fill their pages completely (bbolt splits a node only past a
	// page, so the left part is full); keys that mostly grow (IDs sort by time,
	// attempts by seq) split late, where bbolt's default 0.5 would leave pages half
	// empty. The index is mostly correlation keys, led by a hash: random inserts, which
	// a late split leaves in pages 90% and 10% full; an even split gives 63% used, not
	// 53% (16 KiB pages, BenchmarkHistoryBytes in tunnel/).
	w.events.FillPercent, w.bodies.FillPercent = 1, 1
	w.ids.FillPercent, w.attempts.FillPercent = denseFill, denseFill
	w.index.FillPercent = randomKeysFill
	w.total = u64(w.meta.Get(totalKey))
	return w
}

// randomKeysFill is the page fill for buckets whose keys arrive in random order.
const randomKeysFill = 0.5

// putIndex adds the event stored under seq, whose value for ix is v, to ix.
func (w *txWriter) putIndex(ix index, v string, seq uint64) error {
	if ix.kind == corrIndex {
		if v == "" {
			return nil
		}
		if err := w.index.Put(corrKey(corrHash(v), seq), emptyValue); err != nil {
			return fmt.Errorf("index %s: %w", ix.key, err)
		}
		return nil
	}
	p := string(ix.postingPrefix(v))
	w.added[p] = append(w.added[p], seq)
	w.countDelta[p]++
	return nil
}

// deleteIndex removes what putIndex added.
func (w *txWriter) deleteIndex(ix index, v string, seq uint64) error {
	if ix.kind == corrIndex {
		if v == "" {
			return nil
		}
		if err := w.index.Delete(corrKey(corrHash(v), seq)); err != nil {
			return fmt.Errorf("unindex %s: %w", ix.key, err)
		}
		return nil
	}
	p := string(ix.postingPrefix(v))
	w.removed[p] = append(w.removed[p], seq)
	w.countDelta[p]--
	return nil
}

// currentTotal is the event count including this transaction's changes so far.
func (w *txWriter) currentTotal() uint64 {
	return uint64(max(int64(w.total)+w.totalDelta, 0))
}

// flush writes the gathered posting list and counter changes, in key order.
func (w *txWriter) flush() error {
	if err := w.flushCarriers(); err != nil {
		return err
	}
	for _, p := range slices.Sorted(maps.Keys(w.removed)) {
		if err := w.removePostings([]byte(p), w.removed[p]); err != nil {
			return err
		}
	}
	for _, p := range slices.Sorted(maps.Keys(w.added)) {
		if err := w.appendPostings([]byte(p), w.added[p]); err != nil {
			return err
		}
	}
	clear(w.removed)
	clear(w.added)
	for _, k := range slices.Sorted(maps.Keys(w.countDelta)) {
		d := w.countDelta[k]
		if d == 0 {
			continue
		}
		key := []byte(k)
		n := int64(u64(w.counts.Get(key))) + d
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

// appendPostings adds seqs (ascending, all past the value's stored ones) to the lists
// under prefix: the newest list is filled up to postingMax, then new lists follow.
func (w *txWriter) appendPostings(prefix []byte, seqs []uint64) error {
	slices.Sort(seqs)
	c := w.index.Cursor()
	if k, v := listAtOrBefore(c, prefix, math.MaxUint64); k != nil {
		first, _ := listKey(k, prefix)
		list, err := decodePosting(first, v, make([]uint64, 0, postingMax))
		if err != nil {
			return err
		}
		if list[len(list)-1] >= seqs[0] {
			return fmt.Errorf("%w: index list %q holds seq %d, not older than %d", ErrCorrupt, prefix, list[len(list)-1], seqs[0])
		}
		if room := postingMax - len(list); room > 0 {
			n := min(room, len(seqs))
			if err := w.index.Put(bytes.Clone(k), encodePosting(append(list, seqs[:n]...))); err != nil {
				return fmt.Errorf("update index list: %w", err)
			}
			seqs = seqs[n:]
		}
	}
	for len(seqs) > 0 {
		n := min(postingMax, len(seqs))
		key := binary.BigEndian.AppendUint64(bytes.Clone(prefix), seqs[0])
		if err := w.index.Put(key, encodePosting(seqs[:n])); err != nil {
			return fmt.Errorf("add index list: %w", err)
		}
		seqs = seqs[n:]
	}
	return nil
}

// removePostings removes seqs from the lists under prefix; a list that loses its first
// seq is stored again under its new first one.
func (w *txWriter) removePostings(prefix []byte, seqs []uint64) error {
	slices.Sort(seqs)
	c := w.index.Cursor()
	for len(seqs) > 0 {
		k, v := listAtOrBefore(c, prefix, seqs[0])
		if k == nil {
			return fmt.Errorf("%w: no index list %q holds seq %d", ErrCorrupt, prefix, seqs[0])
		}
		first, _ := listKey(k, prefix)
		list, err := decodePosting(first, v, nil)
		if err != nil {
			return err
		}
		last := list[len(list)-1]
		kept, i := make([]uint64, 0, len(list)), 0
		for _, s := range list {
			if i < len(seqs) && seqs[i] < s {
				break // seqs[i] is not in the list that should hold it
			}
			if i < len(seqs) && seqs[i] == s {
				i++
				continue
			}
			kept = append(kept, s)
		}
		if i == 0 || (i < len(seqs) && seqs[i] <= last) {
			return fmt.Errorf("%w: index list %q lacks seq %d", ErrCorrupt, prefix, seqs[i])
		}
		if err := w.index.Delete(bytes.Clone(k)); err != nil {
			return fmt.Errorf("update index list: %w", err)
		}
		if len(kept) > 0 {
			key := binary.BigEndian.AppendUint64(bytes.Clone(prefix), kept[0])
			if err := w.index.Put(key, encodePosting(kept)); err != nil {
				return fmt.Errorf("update index list: %w", err)
			}
		}
		seqs = seqs[i:]
	}
	return nil
}
