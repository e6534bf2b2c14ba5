package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Dedup keys (schema 4). Which event last carried each dedup key is held in memory
// (dedupTable), rebuilt at Open from bucketCarriers, where each applied event with a
// dedup key is listed in arrival order: list key = seq(8) of its first carrier →
// per carrier uvarint((seq − previous seq)<<1 | overflow) then its fingerprint(8),
// the first delta 0. A commit appends to the newest list (carrierListMax carriers at
// most, then a new one), so it writes the rightmost pages only, however large the
// history; pruning (oldest first) trims the oldest lists. A lookup reads no page
// unless the key is found: then the newest carrier's record head says whether it
// carries the same key (a fingerprint shared by two keys is not a duplicate) and
// which event was the first (every carrier names it).

// carrierListMax is the most carriers one list holds: a commit rewrites at most this
// list's value besides its own new ones.
const carrierListMax = 128

// carrierEntryMax is the longest encoding of one carrier in a list.
const carrierEntryMax = binary.MaxVarintLen64 + 8

// dedupFingerprint is the table's key for a stored dedup key (a var: tests make keys
// collide).
var dedupFingerprint = sha256Fingerprint

// sha256Fingerprint is 8 bytes of the key's SHA-256; a hashed key is a SHA-256
// prefix already.
func sha256Fingerprint(key []byte) uint64 {
	if len(key) == 17 && key[0] == 'h' {
		return binary.BigEndian.Uint64(key[1:])
	}
	sum := sha256.Sum256(key)
	return binary.BigEndian.Uint64(sum[:])
}

// carrierNote is how an event was entered in the dedup table: what its list entry
// says, and what undoing the entry restores.
type carrierNote struct {
	fp       uint64
	overflow bool   // held by its full key: another key held the fingerprint
	prev     uint64 // the key's newest carrier before this one (0: none)
}

// dedupTable is, for every dedup key some stored or logged event carries, its newest
// carrier and how many carry it. A key goes to overflow, by its full stored key,
// when another key holds its fingerprint at the time; the fingerprint's other
// carriers are all of one key. A table with the same lists in the same order gives
// the same table (loadCarriers), so it is what Open rebuilds.
type dedupTable struct {
	newest   map[uint64]uint64 // fingerprint → seq of the newest carrier
	extra    map[uint64]uint32 // fingerprint → carriers beyond the first (absent: one)
	overflow map[string]*dedupSlot
}

type dedupSlot struct {
	newest uint64
	count  uint32
}

func newDedupTable() *dedupTable { return newDedupTableSized(0) }

// newDedupTableSized is a table with room for about keys keys: a million-event
// history's table is built without growing its map (Open time).
func newDedupTableSized(keys int) *dedupTable {
	return &dedupTable{newest: make(map[uint64]uint64, keys), extra: map[uint64]uint32{}, overflow: map[string]*dedupSlot{}}
}

// carrierHead reads what the dedup table needs of the event under seq: its stored
// dedup key (nil: none) and the ID of the first carrier it names (its own ID if it is
// the first). found is false when no event is stored or logged under seq: pruned.
type carrierHead func(seq uint64) (key []byte, first string, found bool, err error)

// carry enters the event under seq (past every one entered) as key's newest carrier
// and returns the first carrier's ID ("" if no event carries key: seq is the first).
// On an error nothing changed.
func (t *dedupTable) carry(key []byte, seq uint64, head carrierHead) (first string, note carrierNote, err error) {
	note.fp = dedupFingerprint(key)
	if s, ok := t.overflow[string(key)]; ok {
		_, first, found, err := head(s.newest)
		if err != nil {
			return "", note, err
		}
		if !found { // pruned since (oldest first: every older carrier too)
			first = ""
		}
		note.overflow, note.prev = true, s.newest
		s.newest, s.count = seq, s.count+1
		return first, note, nil
	}
	newest, ok := t.newest[note.fp]
	if !ok {
		t.newest[note.fp] = seq
		return "", note, nil
	}
	held, first, found, err := head(newest)
	if err != nil {
		return "", note, err
	}
	if found && !bytes.Equal(held, key) {
		t.overflow[string(key)] = &dedupSlot{newest: seq, count: 1}
		note.overflow = true
		return "", note, nil
	}
	// The holder's newest carrier is pruned (so are all its others, whose counts
	// pruning takes off), or it carries key.
	if !found {
		first = ""
	}
	note.prev = newest
	t.newest[note.fp] = seq
	t.extra[note.fp]++
	return first, note, nil
}

// undo takes back carry's entry (the event was never logged); entries of one batch
// are undone newest first.
func (t *dedupTable) undo(key []byte, n carrierNote) {
	if n.overflow {
		if s := t.overflow[string(key)]; s != nil {
			if s.count <= 1 {
				delete(t.overflow, string(key))
			} else {
				s.count, s.newest = s.count-1, n.prev
			}
		}
		return
	}
	if t.dropOne(n.fp) {
		t.newest[n.fp] = n.prev
	}
}

// pruned takes a pruned carrier off (oldest first: never the newest of a key that
// has others).
func (t *dedupTable) pruned(key []byte, fp uint64, overflow bool) {
	if overflow {
		if s := t.overflow[string(key)]; s != nil {
			if s.count <= 1 {
				delete(t.overflow, string(key))
			} else {
				s.count--
			}
		}
		return
	}
	t.dropOne(fp)
}

// dropOne takes one carrier off fp; it reports whether any are left.
func (t *dedupTable) dropOne(fp uint64) (left bool) {
	if e, ok := t.extra[fp]; ok {
		if e <= 1 {
			delete(t.extra, fp)
		} else {
			t.extra[fp] = e - 1
		}
		return true
	}
	delete(t.newest, fp)
	return false
}

// info says which event first carried key and how many events carry it.
func (t *dedupTable) info(key []byte, head carrierHead) (DedupInfo, error) {
	newest, count := uint64(0), 0
	if s, ok := t.overflow[string(key)]; ok {
		newest, count = s.newest, int(s.count)
	} else if seq, ok := t.newest[dedupFingerprint(key)]; ok {
		newest, count = seq, 1+int(t.extra[dedupFingerprint(key)])
	}
	if newest == 0 {
		return DedupInfo{}, nil
	}
	held, first, found, err := head(newest)
	if err != nil || !found || !bytes.Equal(held, key) {
		return DedupInfo{}, err
	}
	return DedupInfo{FirstID: first, Count: count}, nil
}

// storedCarrier is a carrierHead over the events bucket.
func storedCarrier(events *bolt.Bucket) carrierHead {
	return func(seq uint64) ([]byte, string, bool, error) {
		v := events.Get(seqKey(seq))
		if v == nil {
			return nil, "", false, nil
		}
		ev, _, err := decodeHead(seq, v)
		if err != nil {
			return nil, "", false, fmt.Errorf("read the newest event carrying a dedup key: %w", err)
		}
		first := ev.DuplicateOf
		if first == "" {
			first = ev.ID
		}
		var key []byte
		if ev.DedupKey != "" {
			key = dedupKey(ev.DedupKey)
		}
		return key, first, true, nil
	}
}

// loggedCarrier is a carrierHead over entries (ascending seqs), then next.
func loggedCarrier(entries []*loggedEvent, next carrierHead) carrierHead {
	return func(seq uint64) ([]byte, string, bool, error) {
		if i, ok := slices.BinarySearchFunc(entries, seq, func(e *loggedEvent, s uint64) int {
			return cmpUint64(e.seq, s)
		}); ok {
			return loggedHead(entries[i])
		}
		return next(seq)
	}
}

// pendingCarrier is a carrierHead over the logger's pending carriers, then next.
func pendingCarrier(pending map[uint64]*loggedEvent, next carrierHead) carrierHead {
	return func(seq uint64) ([]byte, string, bool, error) {
		if e, ok := pending[seq]; ok {
			return loggedHead(e)
		}
		return next(seq)
	}
}

func loggedHead(e *loggedEvent) ([]byte, string, bool, error) {
	first := e.dupOf
	if first == "" {
		first = e.id
	}
	return e.dedupKey, first, true, nil
}

func cmpUint64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// appendCarrier adds the list entry of the carrier under seq (prev: the list's
// previous one, or seq for its first).
func appendCarrier(b []byte, prev, seq uint64, n carrierNote) []byte {
	d := (seq - prev) << 1
	if n.overflow {
		d |= 1
	}
	b = binary.AppendUvarint(b, d)
	return binary.BigEndian.AppendUint64(b, n.fp)
}

// listedCarrier is one entry of a carrier list.
type listedCarrier struct {
	seq  uint64
	note carrierNote // fp and overflow (prev is not stored)
}

var errCarrierList = errors.New("damaged dedup carrier list")

// decodeCarriers appends the entries of the list stored under first to dst.
func decodeCarriers(first uint64, v []byte, dst []listedCarrier) ([]listedCarrier, error) {
	start, prev := len(dst), first
	for len(v) > 0 {
		d, n := binary.Uvarint(v)
		if n <= 0 || len(v) < n+8 {
			return nil, fmt.Errorf("%w: %w %d: truncated", ErrCorrupt, errCarrierList, first)
		}
		step := d >> 1
		if (len(dst) == start) != (step == 0) || prev+step < prev {
			return nil, fmt.Errorf("%w: %w %d: seqs out of order", ErrCorrupt, errCarrierList, first)
		}
		prev += step
		dst = append(dst, listedCarrier{seq: prev, note: carrierNote{fp: binary.BigEndian.Uint64(v[n:]), overflow: d&1 == 1}})
		v = v[n+8:]
	}
	if len(dst) == start {
		return nil, fmt.Errorf("%w: %w %d: empty", ErrCorrupt, errCarrierList, first)
	}
	return dst, nil
}

func encodeCarriers(list []listedCarrier) []byte {
	b := make([]byte, 0, len(list)*10)
	prev := list[0].seq
	for _, c := range list {
		b = appendCarrier(b, prev, c.seq, c.note)
		prev = c.seq
	}
	return b
}

// loadCarriers builds the dedup table from the carrier lists of tx.
func loadCarriers(tx *bolt.Tx) (*dedupTable, error) {
	c := tx.Bucket(bucketCarriers).Cursor()
	hint := uint64(0) // the seqs the lists span: at most one carrier each
	if k, _ := c.Last(); len(k) == 8 {
		if f, _ := c.First(); len(f) == 8 && u64(f) <= u64(k) {
			hint = u64(k) - u64(f) + carrierListMax
		}
	}
	t := newDedupTableSized(int(min(hint, 1<<24)))
	head := storedCarrier(tx.Bucket(bucketEvents))
	var list []listedCarrier
	last := uint64(0)
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) != 8 || u64(k) <= last {
			return nil, fmt.Errorf("%w: %w key %x: not a seq past the previous list's", ErrCorrupt, errCarrierList, k)
		}
		var err error
		if list, err = decodeCarriers(u64(k), v, list[:0]); err != nil {
			return nil, err
		}
		for _, lc := range list {
			if !lc.note.overflow {
				if _, ok := t.newest[lc.note.fp]; ok {
					t.extra[lc.note.fp]++
				}
				t.newest[lc.note.fp] = lc.seq
				continue
			}
			key, _, found, err := head(lc.seq)
			if err != nil {
				return nil, err
			}
			if !found || key == nil {
				return nil, fmt.Errorf("%w: the dedup carrier list names event %d, which is not stored or carries no dedup key", ErrCorrupt, lc.seq)
			}
			s := t.overflow[string(key)]
			if s == nil {
				s = &dedupSlot{}
				t.overflow[string(key)] = s
			}
			s.newest, s.count = lc.seq, s.count+1
		}
		last = list[len(list)-1].seq
	}
	return t, nil
}

// listCarrier lists the carrier under seq, at flush. w.carriers is nil only while a
// history of schema 2 is upgraded, whose last step lists every event (migrate.go).
func (w *txWriter) listCarrier(seq uint64, n carrierNote) {
	if w.carriers != nil {
		w.listed = append(w.listed, listedCarrier{seq: seq, note: n})
	}
}

// unlistCarrier takes the pruned carrier under seq off the lists, at flush.
func (w *txWriter) unlistCarrier(seq uint64, key []byte) {
	if w.carriers != nil {
		w.unlisted = append(w.unlisted, prunedCarrier{seq: seq, key: key})
	}
}

// prunedCarrier is a carrier pruning removed: what the dedup table takes off once the
// transaction is committed.
type prunedCarrier struct {
	seq  uint64
	key  []byte
	note carrierNote
}

// flushCarriers trims the pruned carriers from the oldest lists and appends the new
// ones to the newest.
func (w *txWriter) flushCarriers() error {
	if w.carriers == nil {
		return nil
	}
	if len(w.unlisted) > 0 {
		if err := w.trimCarriers(); err != nil {
			return err
		}
	}
	if len(w.listed) == 0 {
		return nil
	}
	seqs := w.listed
	w.listed = nil
	c := w.carriers.Cursor()
	if k, v := c.Last(); k != nil {
		list, err := decodeCarriers(u64(k), v, make([]listedCarrier, 0, carrierListMax))
		if err != nil {
			return err
		}
		if list[len(list)-1].seq >= seqs[0].seq {
			return fmt.Errorf("%w: the dedup carrier lists hold seq %d, not older than %d", ErrCorrupt, list[len(list)-1].seq, seqs[0].seq)
		}
		if room := carrierListMax - len(list); room > 0 {
			n := min(room, len(seqs))
			if err := w.carriers.Put(bytes.Clone(k), encodeCarriers(append(list, seqs[:n]...))); err != nil {
				return fmt.Errorf("list dedup carriers: %w", err)
			}
			seqs = seqs[n:]
		}
	}
	for len(seqs) > 0 {
		n := min(carrierListMax, len(seqs))
		if err := w.carriers.Put(seqKey(seqs[0].seq), encodeCarriers(seqs[:n])); err != nil {
			return fmt.Errorf("list dedup carriers: %w", err)
		}
		seqs = seqs[n:]
	}
	return nil
}

// trimCarriers removes w.unlisted (the oldest carriers: pruning removes the oldest
// events) from the lists and moves them to w.pruned with their list entries.
func (w *txWriter) trimCarriers() error {
	gone := w.unlisted
	w.unlisted = nil
	slices.SortFunc(gone, func(a, b prunedCarrier) int { return cmpUint64(a.seq, b.seq) })
	c := w.carriers.Cursor()
	for len(gone) > 0 {
		k, v := c.First()
		if k == nil {
			return fmt.Errorf("%w: no dedup carrier list holds pruned event %d", ErrCorrupt, gone[0].seq)
		}
		list, err := decodeCarriers(u64(k), v, nil)
		if err != nil {
			return err
		}
		i := 0
		for i < len(list) && len(gone) > 0 && list[i].seq == gone[0].seq {
			g := gone[0]
			g.note = list[i].note
			w.pruned = append(w.pruned, g)
			gone, i = gone[1:], i+1
		}
		if len(gone) > 0 && i < len(list) {
			return fmt.Errorf("%w: the oldest dedup carrier listed is event %d, pruning removed %d", ErrCorrupt, list[i].seq, gone[0].seq)
		}
		if err := w.carriers.Delete(bytes.Clone(k)); err != nil {
			return fmt.Errorf("trim dedup carrier list: %w", err)
		}
		if i < len(list) {
			if err := w.carriers.Put(seqKey(list[i].seq), encodeCarriers(list[i:])); err != nil {
				return fmt.Errorf("trim dedup carrier list: %w", err)
			}
		}
	}
	return nil
}

// listAllCarriers makes bucketCarriers, listing every stored event's dedup key, and
// removes the dedup bucket of schema 3: the upgrade to 4, in the caller's transaction.
// A damaged record is left out (its read fails as before; doctor names it) and
// counted in damaged: one bad event must not refuse the whole history at every Open.
func listAllCarriers(tx *bolt.Tx) (damaged int, err error) {
	if _, err := tx.CreateBucket(bucketCarriers); err != nil {
		return 0, fmt.Errorf("create bucket %s: %w", bucketCarriers, err)
	}
	w := newTxWriter(tx)
	t := newDedupTable()
	head := storedCarrier(w.events)
	c := w.events.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) != 8 {
			return damaged, fmt.Errorf("%w: events bucket key %x is not a seq", ErrCorrupt, k)
		}
		seq := u64(k)
		ev, _, err := decodeHead(seq, v)
		if errors.Is(err, ErrCorrupt) {
			damaged++
			continue
		}
		if err != nil {
			return damaged, err
		}
		if ev.DedupKey == "" {
			continue
		}
		_, note, err := t.carry(dedupKey(ev.DedupKey), seq, head)
		if err != nil {
			return damaged, err
		}
		w.listCarrier(seq, note)
		if len(w.listed) >= 64*carrierListMax {
			if err := w.flushCarriers(); err != nil {
				return damaged, err
			}
		}
	}
	if err := w.flushCarriers(); err != nil {
		return damaged, err
	}
	if err := tx.DeleteBucket(bucketDedup); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
		return damaged, fmt.Errorf("remove the dedup bucket of schema 3: %w", err)
	}
	return damaged, nil
}

// loggedCarrierOf is loggedCarrier over *entries as it is at each call.
func loggedCarrierOf(entries *[]*loggedEvent, next carrierHead) carrierHead {
	return func(seq uint64) ([]byte, string, bool, error) {
		return loggedCarrier(*entries, next)(seq)
	}
}

// dedupInfo is Store.Dedup over the logger's table: stored and acknowledged events.
func (l *logger) dedupInfo(key []byte) (info DedupInfo, err error) {
	l.pruning.RLock()
	defer l.pruning.RUnlock()
	l.pendingMu.Lock()
	defer l.pendingMu.Unlock()
	err = l.db.View(func(tx *bolt.Tx) (err error) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer recoverCorrupt(&err)
		info, err = l.dedup.info(key, pendingCarrier(l.pendingCarriers, storedCarrier(tx.Bucket(bucketEvents))))
		return err
	})
	return info, err
}

// dedupPruned takes carriers a committed prune removed off the table.
func (l *logger) dedupPruned(gone []prunedCarrier) {
	l.pendingMu.Lock()
	defer l.pendingMu.Unlock()
	for _, g := range gone {
		l.dedup.pruned(g.key, g.note.fp, g.note.overflow)
	}
}

// dedupInfo says which event first carried key and how many events carry it. A
// read-only store builds its table at the first call (reads that never ask do not
// pay for it) and adds the log's events beyond the history.
func (s *Store) dedupInfo(key string) (DedupInfo, error) {
	if key == "" {
		return DedupInfo{}, nil
	}
	if s.log != nil {
		return s.log.dedupInfo(dedupKey(key))
	}
	var info DedupInfo
	err := s.view(func(tx *bolt.Tx) error {
		s.roDedupOnce.Do(func() { s.roDedup, s.roDedupErr = loadCarriers(tx) })
		if s.roDedupErr != nil {
			return s.roDedupErr
		}
		var err error
		info, err = s.roDedup.info(dedupKey(key), storedCarrier(tx.Bucket(bucketEvents)))
		if err != nil {
			return err
		}
		s.tailDedup(key, &info)
		return nil
	})
	return info, err
}

// loadDedupTable builds the dedup table of the history (Open).
func (s *Store) loadDedupTable() (t *dedupTable, err error) {
	err = s.db.View(func(tx *bolt.Tx) (err error) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer recoverCorrupt(&err)
		t, err = loadCarriers(tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("open history %s: read its dedup carriers: %w", s.path, err)
	}
	return t, nil
}

// carryLogged enters entries (read back from the log, ascending) in t, as decide
// did before they were logged, for replayLog.
func (s *Store) carryLogged(t *dedupTable, entries []*loggedEvent) error {
	return s.db.View(func(tx *bolt.Tx) (err error) {
		defer recoverCorrupt(&err)
		done := entries[:0:0]
		head := loggedCarrierOf(&done, storedCarrier(tx.Bucket(bucketEvents)))
		for i, e := range entries {
			if e.dedupKey != nil {
				if _, e.carrier, err = t.carry(e.dedupKey, e.seq, head); err != nil {
					return fmt.Errorf("event %d: %w", e.seq, err)
				}
			}
			done = entries[:i+1]
		}
		return nil
	})
}

// carried is p as the next event of w's history, its duplicate-of decided by t,
// which takes it: how Salvage (and the fixture loader) store events without a log.
func carried(t *dedupTable, w *txWriter, p *preparedEvent) (*loggedEvent, error) {
	seq := w.events.Sequence() + 1
	if p.dedupKey == nil {
		return logEvent(p, seq, ""), nil
	}
	first, note, err := t.carry(p.dedupKey, seq, storedCarrier(w.events))
	if err != nil {
		return nil, err
	}
	e := logEvent(p, seq, first)
	e.carrier = note
	return e, nil
}
