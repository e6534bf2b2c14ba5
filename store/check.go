package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Problem is one thing Check found wrong.
type Problem struct {
	File string // the history or its log
	Seq  uint64 // the event it concerns (0: none in particular)
	What string
}

func (p Problem) String() string {
	if p.Seq != 0 {
		return fmt.Sprintf("%s: event seq %d: %s", p.File, p.Seq, p.What)
	}
	return fmt.Sprintf("%s: %s", p.File, p.What)
}

// Report is what Check found: print it, and exit non-zero unless OK.
type Report struct {
	History, Log string
	Events       int // stored events whose record, body and attempts are intact
	Damaged      int // stored events whose record, body or an attempt is damaged
	// LogEvents are intact events the log holds that the history lacks (acknowledged;
	// the next writing Open applies them).
	LogEvents int
	// Notes are not damage: a write cut short by a crash that the next Open drops, a
	// pending upgrade.
	Notes    []string
	Problems []Problem // the first maxProblems
	More     int       // problems found past those
}

// maxProblems bounds Report.Problems.
const maxProblems = 1000

// OK says Check found nothing wrong.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// Err is nil when OK, else an error wrapping ErrCorrupt that sums the report up.
func (r *Report) Err() error {
	if r.OK() {
		return nil
	}
	return fmt.Errorf("%w: %d problems in history %s (first: %s); `dexra-tui doctor --salvage NEW` copies every readable event into a new history",
		ErrCorrupt, len(r.Problems)+r.More, r.History, r.Problems[0])
}

func (r *Report) add(file string, seq uint64, format string, args ...any) {
	if len(r.Problems) >= maxProblems {
		r.More++
		return
	}
	r.Problems = append(r.Problems, Problem{File: file, Seq: seq, What: fmt.Sprintf(format, args...)})
}

// Check reads the history at path and its log, writing nothing, and reports every
// damage it finds: bbolt's page tree (read from the file, then tx.Check), every event
// record's, body's and attempt's checksum, every index entry, counter and dedup entry
// against the events, and the log (its history ID, damage, events the history
// lacks). The error says why it could not check (no such history, or another process
// holds it); damage is in the Report.
func Check(path string) (*Report, error) {
	r := &Report{History: path, Log: walPath(path)}
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("check history %s: %w", path, err)
	}
	if info.Size() == 0 {
		r.Notes = append(r.Notes, "the history is empty (created, nothing stored)")
		return r, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("check history %s: %w", path, err)
	}
	defer f.Close()
	if damage := checkBoltMeta(f, info.Size()); damage != nil {
		r.add(path, 0, "bbolt meta pages: %v (bbolt cannot open it; salvage reads its log only)", damage)
		checkLog(r, 0, nil, false)
		return r, nil
	}
	var page0 [pageHeaderSize + metaSize]byte
	m, err := readMeta(f, 0, page0[:])
	if m1, err1 := readMeta(f, int64(m.pageSize), page0[:]); err != nil || (err1 == nil && m1.txid > m.txid) {
		m = m1
	}
	pages := checkPages(f, m, maxProblems)
	for _, p := range pages {
		r.add(path, 0, "%s", p)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: DefaultTimeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, &openError{
			msg:  fmt.Sprintf("history %s is in use by another dexra-tui process; stop it (the listener or the console) to check the history", path),
			kind: ErrLocked,
		}
	}
	if err != nil {
		r.add(path, 0, "bbolt cannot open it: %v", err)
		return r, nil
	}
	defer db.Close()
	var st schemaState
	err = db.View(func(tx *bolt.Tx) (err error) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer recoverCorrupt(&err)
		if len(pages) == 0 {
			for err := range tx.Check() {
				r.add(path, 0, "bbolt: %v", err)
			}
		}
		st = checkContent(r, tx)
		return nil
	})
	if err != nil {
		r.add(path, 0, "reading stopped: %v", err)
	}
	checkLog(r, st.last, st.id, st.version == 2)
	return r, nil
}

// checkContent checks the schema and every bucket of tx (see Check).
func checkContent(r *Report, tx *bolt.Tx) (st schemaState) {
	path := r.History
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		r.add(path, 0, "no meta bucket: not a dexra-tui history")
		return st
	}
	st.version = u64(meta.Get(schemaKey))
	switch st.version {
	case schemaVersion:
		if st.id = bytes.Clone(meta.Get(idKey)); len(st.id) != historyIDLen {
			r.add(path, 0, "the history ID is missing or damaged")
		}
	case 2:
		r.Notes = append(r.Notes, "schema 2: the next writing open (`dexra-tui listen`) upgrades it in place; records carry no checksums until then")
	default:
		r.add(path, 0, "schema version %d: not one this build reads", st.version)
		return st
	}
	for _, name := range allBuckets {
		if tx.Bucket(name) == nil {
			r.add(path, 0, "bucket %s is missing", name)
			return st
		}
	}
	events, bodies, ids := tx.Bucket(bucketEvents), tx.Bucket(bucketBodies), tx.Bucket(bucketIDs)
	st.last = events.Sequence()
	wantIndex := map[string]uint64{} // index key (posting prefix + seq, or correlation key) → seq
	wantCounts := map[string]uint64{}
	wantDedup := map[string]uint64{}
	damaged := map[uint64]bool{}
	attempts := tx.Bucket(bucketAttempts).Cursor()
	n := uint64(0)
	c := events.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		n++
		if len(k) != 8 {
			r.add(path, 0, "events bucket: key %x is not a seq", k)
			continue
		}
		seq := u64(k)
		if seq > st.last {
			r.add(path, seq, "past the history's last seq %d", st.last)
		}
		if len(v) > 0 && v[0] == formatLegacy && st.version == 2 {
			v = upgradeRecord(v, bodies.Get(k)) // schema 2 kept no sums: check the rest
		}
		ev, err := decodeMeta(seq, v)
		if err == nil {
			err = checkBody(seq, v, bodies.Get(k))
		}
		if err == nil && st.version == schemaVersion {
			_, err = loadAttempts(attempts, seq, true)
		}
		if err != nil {
			r.Damaged++
			damaged[seq] = true
			r.add(path, seq, "%s", strings.TrimPrefix(err.Error(), ErrCorrupt.Error()+": "))
			continue
		}
		r.Events++
		if got := ids.Get([]byte(ev.ID)); u64(got) != seq {
			r.add(path, seq, "the ID index names seq %d for its ID %s", u64(got), ev.ID)
		}
		for _, ix := range indexes {
			v := ix.value(ev)
			switch {
			case ix.kind == corrIndex && v != "":
				wantIndex[string(corrKey(corrHash(v), seq))] = seq
			case ix.kind == postingIndex:
				p := ix.postingPrefix(v)
				wantIndex[string(binary.BigEndian.AppendUint64(p, seq))] = seq
				wantCounts[string(p)]++
			}
		}
		if ev.DedupKey != "" {
			wantDedup[string(dedupKey(ev.DedupKey))]++
		}
	}
	if total := u64(meta.Get(totalKey)); total != n {
		r.add(path, 0, "the event count says %d, the events bucket holds %d", total, n)
	}
	checkIDs(r, ids, events)
	for _, b := range [][]byte{bucketBodies, bucketAttempts} {
		checkOrphans(r, tx.Bucket(b), events, string(b))
	}
	checkIndex(r, tx.Bucket(bucketIndex), wantIndex, damaged)
	compareCounts(r, tx.Bucket(bucketCounts), wantCounts, "index count", len(damaged) > 0)
	compareCounts(r, tx.Bucket(bucketDedup), wantDedup, "dedup count", len(damaged) > 0)
	return st
}

// checkIDs reports ID index entries naming no event.
func checkIDs(r *Report, ids, events *bolt.Bucket) {
	c := ids.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(v) != 8 || events.Get(v) == nil {
			r.add(r.History, 0, "the ID index names %x for %s, which holds no event", v, k)
		}
	}
}

// checkOrphans reports keys of b (bodies, attempts: led by a seq) of no event.
func checkOrphans(r *Report, b, events *bolt.Bucket, what string) {
	c := b.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if len(k) < 8 || events.Get(k[:8]) == nil {
			r.add(r.History, 0, "%s bucket: key %x belongs to no stored event", what, k)
		}
	}
}

// checkIndex compares the index with the entries the events call for; entries of
// damaged events are not expected, nor reported.
func checkIndex(r *Report, index *bolt.Bucket, want map[string]uint64, damaged map[uint64]bool) {
	found := map[string]bool{}
	c := index.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) > 0 && k[0] == indexes[4].id {
			if len(k) != 1+4+corrHashLen+8 {
				r.add(r.History, 0, "index: malformed correlation key %x", k)
				continue
			}
			if _, ok := want[string(k)]; !ok && !damaged[seqOf(k)] {
				r.add(r.History, seqOf(k), "index: a correlation entry names it, but the event does not carry that value")
			}
			found[string(k)] = true
			continue
		}
		if len(k) < 9 {
			r.add(r.History, 0, "index: malformed key %x", k)
			continue
		}
		prefix := k[:len(k)-8]
		list, err := decodePosting(seqOf(k), v, nil)
		if err != nil {
			r.add(r.History, 0, "index list %q: %v", prefix, err)
			continue
		}
		for _, seq := range list {
			key := string(binary.BigEndian.AppendUint64(bytes.Clone(prefix), seq))
			if _, ok := want[key]; !ok && !damaged[seq] {
				r.add(r.History, seq, "index list %q names it, but the event is missing or has another value", prefix)
			}
			found[key] = true
		}
	}
	var missing []uint64
	for k, seq := range want {
		if !found[k] {
			missing = append(missing, seq)
		}
	}
	slices.Sort(missing)
	for _, seq := range missing {
		r.add(r.History, seq, "the index lacks one of its entries")
	}
}

// compareCounts compares counters (8-byte big-endian leading each value) with want;
// with damaged events the expected counts are short, so only excess is reported.
func compareCounts(r *Report, b *bolt.Bucket, want map[string]uint64, what string, damaged bool) {
	c := b.Cursor()
	seen := 0
	for k, v := c.First(); k != nil; k, v = c.Next() {
		seen++
		if got := u64(v); got != want[string(k)] && !(damaged && got > want[string(k)]) {
			r.add(r.History, 0, "%s %q is %d, its events make %d", what, k, got, want[string(k)])
		}
	}
	if seen < len(want) {
		r.add(r.History, 0, "%d %ss are missing", len(want)-seen, what)
	}
}

// checkLog checks the log beside the history (last, id: its newest seq and ID).
func checkLog(r *Report, last uint64, id []byte, legacy bool) {
	c, err := readWAL(r.Log, last, legacy)
	if errors.Is(err, errLogDamaged) {
		r.add(r.Log, 0, "%v", err)
		return
	}
	if err != nil {
		r.add(r.Log, 0, "unreadable: %v", err)
		return
	}
	if c.historyID != nil && id != nil && !bytes.Equal(c.historyID, id) {
		r.add(r.Log, 0, "it belongs to another history (its history ID is %x, this history's is %x)", c.historyID, id)
		return
	}
	entries := c.entries
	for len(entries) > 0 && entries[0].seq <= last {
		entries = entries[1:]
	}
	if len(entries) > 0 && entries[0].seq != last+1 {
		r.add(r.Log, 0, "it does not continue the history (it starts at event %d, the history ends at %d)", entries[0].seq, last)
		return
	}
	for _, e := range entries {
		if err := completeLogged(e); err != nil {
			r.add(r.Log, e.seq, "%v", err)
			return
		}
	}
	r.LogEvents = len(entries)
	if c.torn >= 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%s: a write from byte %d was cut short by a crash (never acknowledged); the next open drops it", r.Log, c.torn))
	}
}
