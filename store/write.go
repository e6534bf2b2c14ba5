package store

import (
	"crypto/sha256"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/dexra/dexra-tui/payloads"
)

// ErrDuplicateID: Append was given an event whose ID is already stored.
var ErrDuplicateID = errors.New("event ID is already stored")

var emptyValue = []byte{}

// denseFill is the page fill for buckets whose keys mostly grow (see newTxWriter).
const denseFill = 0.9

// preparedEvent is an event encoded for the writer: everything that does not depend on
// the transaction is done before the event reaches the (single) writer.
type preparedEvent struct {
	head     payloads.Event // the record head's fields, copied
	rest     []byte         // the record's rest (encodeRest)
	body     []byte
	bodySum  uint32
	values   [len(indexes)]string // index values; KeyDup's is decided with the seq
	dedupKey []byte               // nil: no dedup key
	attempts [][]byte
}

// prepareEvent encodes ev for the log. It does not modify ev.
func prepareEvent(ev *payloads.Event) (*preparedEvent, error) {
	if ev.ID == "" || len(ev.ID) > bolt.MaxKeySize {
		return nil, fmt.Errorf("event ID %q is empty or too long", ev.ID)
	}
	p := &preparedEvent{
		head: payloads.Event{ID: ev.ID, Path: ev.Path, Source: ev.Source, Type: ev.Type,
			Signature: ev.Signature, DedupKey: ev.DedupKey, Correlation: ev.Correlation},
		rest:    encodeRest(ev),
		body:    ev.Body, // by reference: Append's callers leave it as it is (see Append)
		bodySum: bodySum(ev.Body),
	}
	for i, ix := range indexes {
		if ix.key != KeyDup {
			p.values[i] = ix.value(ev)
		}
	}
	if ev.DedupKey != "" {
		p.dedupKey = dedupKey(ev.DedupKey)
	}
	for _, a := range ev.Attempts {
		p.attempts = append(p.attempts, encodeAttempt(a))
	}
	return p, nil
}

// putResult is what the history decided for an appended event, handed to the caller
// once the event is durable.
type putResult struct {
	seq         uint64
	duplicateOf string
}

// logEvent is p with what the history decided for it: its seq and the first event
// that carried its dedup key.
func logEvent(p *preparedEvent, seq uint64, dupOf string) *loggedEvent {
	e := &loggedEvent{seq: seq, id: p.head.ID, record: encodeRecord(&p.head, dupOf, p.rest, p.bodySum),
		body: p.body, attempts: p.attempts, values: p.values, dedupKey: p.dedupKey, dupOf: dupOf}
	e.values[dupIndexPos] = indexValueDup(&payloads.Event{DuplicateOf: dupOf})
	return e
}

// completeLogged checks an event read back from the log and fills what it carries
// only in its record: ID, index values and dedup key.
func completeLogged(e *loggedEvent) error {
	ev, _, err := decodeHead(e.seq, e.record)
	if err != nil {
		return err
	}
	if err := checkBody(e.seq, e.record, e.body); err != nil {
		return err
	}
	for i, a := range e.attempts {
		if _, err := decodeAttempt(a, false); err != nil {
			return fmt.Errorf("event seq %d, attempt %d: %w", e.seq, i, err)
		}
	}
	e.id, e.dupOf = ev.ID, ev.DuplicateOf
	for i, ix := range indexes {
		e.values[i] = ix.value(ev)
	}
	if ev.DedupKey != "" {
		e.dedupKey = dedupKey(ev.DedupKey)
	}
	return nil
}

// applyLoggedBatch applies entries in order, skipping those the history holds
// already: a batch may be applied again after a failure (commits retried).
func applyLoggedBatch(w *txWriter, entries []*loggedEvent) error {
	for _, e := range entries {
		if e.seq <= w.events.Sequence() {
			continue
		}
		if err := applyLogged(w, e); err != nil {
			return err
		}
	}
	return nil
}

// applyLogged stores e with every index entry and counter change, in w's transaction.
// It may run more than once for one event (a batch retried without a failing write),
// so it is a pure function of e and the transaction.
func applyLogged(w *txWriter, e *loggedEvent) error {
	// Seqs follow on with no gap: an event applied past one that failed would let the
	// log be dropped with the failed one in it.
	if last := w.events.Sequence(); e.seq != last+1 {
		return fmt.Errorf("%w: event %s has seq %d, the history's last is %d", ErrCorrupt, e.id, e.seq, last)
	}
	id := []byte(e.id)
	if w.ids.Get(id) != nil {
		return fmt.Errorf("%w: %s", ErrDuplicateID, e.id)
	}
	if err := w.events.SetSequence(e.seq); err != nil {
		return err
	}
	key := seqKey(e.seq)
	if e.dedupKey != nil {
		w.listCarrier(e.seq, e.carrier)
	}
	if err := w.events.Put(key, e.record); err != nil {
		return fmt.Errorf("store event record: %w", err)
	}
	if len(e.body) > 0 {
		if err := w.bodies.Put(key, e.body); err != nil {
			return fmt.Errorf("store body: %w", err)
		}
	}
	if err := w.ids.Put(id, key); err != nil {
		return fmt.Errorf("index event ID: %w", err)
	}
	for i, ix := range indexes {
		if err := w.putIndex(ix, e.values[i], e.seq); err != nil {
			return err
		}
	}
	for i, a := range e.attempts {
		if err := putAttempt(w.attempts, e.seq, i, a); err != nil {
			return err
		}
	}
	w.totalDelta++
	return nil
}

// removeEvent deletes the event stored under seq with its body, attempts, index
// entries, counters and dedup carrier entry (the oldest: pruning goes oldest first).
func removeEvent(w *txWriter, seq uint64, record []byte) error {
	ev, _, err := decodeHead(seq, record) // the head has every field indexes use
	if err != nil {
		return err
	}
	key := seqKey(seq)
	for _, ix := range indexes {
		if err := w.deleteIndex(ix, ix.value(ev), seq); err != nil {
			return err
		}
	}
	if ev.DedupKey != "" {
		w.unlistCarrier(seq, dedupKey(ev.DedupKey))
	}
	if err := w.ids.Delete([]byte(ev.ID)); err != nil {
		return fmt.Errorf("unindex event ID: %w", err)
	}
	if err := deleteAttempts(w.attempts, seq); err != nil {
		return err
	}
	if err := w.bodies.Delete(key); err != nil {
		return fmt.Errorf("delete body: %w", err)
	}
	if err := w.events.Delete(key); err != nil {
		return fmt.Errorf("delete event: %w", err)
	}
	w.totalDelta--
	return nil
}

// maxRawDedupKey is the longest dedup key stored as it is: platform event IDs, often
// time-ordered, keep their order (a commit's keys share pages). Longer keys (body
// hashes, random anyway) are stored as 16 bytes of their SHA-256, which two keys of
// one history never share (a collision needs about 2^64 keys), to keep the randomly
// ordered part of the bucket small.
const maxRawDedupKey = 64

// dedupKey is how a dedup key is stored.
func dedupKey(k string) []byte {
	if len(k) <= maxRawDedupKey {
		return append([]byte{'r'}, k...)
	}
	sum := sha256.Sum256([]byte(k))
	return append([]byte{'h'}, sum[:16]...)
}
