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
	// Through, when set, makes it a range: every stored event from Seq to Through.
	Through uint64
	What    string
}

func (p Problem) String() string {
	if p.Through != 0 {
		return fmt.Sprintf("%s: events seq %d to %d: %s", p.File, p.Seq, p.Through, p.What)
	}
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

// damageText is err said as a Problem's What about the event stored under seq, which
// the Problem names already: without ErrCorrupt's words, the seq, and the advice to
// run doctor (the report is doctor's).
func damageText(seq uint64, err error) string {
	s, seqPrefix := err.Error(), fmt.Sprintf("event seq %d: ", seq)
	for _, prefix := range []string{seqPrefix, ErrCorrupt.Error() + ": ", seqPrefix} {
		s = strings.TrimPrefix(s, prefix)
	}
	return strings.TrimSuffix(s, " (run dexra-tui doctor)")
}

func (r *Report) add(file string, seq uint64, format string, args ...any) {
	addProblem(&r.Problems, &r.More, Problem{File: file, Seq: seq, What: fmt.Sprintf(format, args...)})
}

// addRange is add for the events seq from through to.
func (r *Report) addRange(file string, from, to uint64, format string, args ...any) {
	addProblem(&r.Problems, &r.More, Problem{File: file, Seq: from, Through: to, What: fmt.Sprintf(format, args...)})
}

// addProblem appends p to a report's list, or counts it in more once the list holds
// maxProblems.
func addProblem(list *[]Problem, more *int, p Problem) {
	if len(*list) >= maxProblems {
		*more++
		return
	}
	*list = append(*list, p)
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
	if len(pages) == 0 {
		r.view(db, "bbolt's consistency check", func(tx *bolt.Tx) {
			for err := range tx.Check() {
				r.add(path, 0, "bbolt: %v", err)
			}
		})
	}
	var st schemaState
	ok := false
	r.view(db, "the meta bucket", func(tx *bolt.Tx) { st, ok = checkSchema(r, tx) })
	if ok {
		checkContent(r, db, st)
	}
	checkLog(r, st.last, st.id, st.version == 2)
	return r, nil
}

// view runs fn in a read transaction; a fault or panic (a damaged page) is reported
// as what could not be read.
func (r *Report) view(db *bolt.DB, what string, fn func(tx *bolt.Tx)) {
	err := db.View(func(tx *bolt.Tx) (err error) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer recoverCorrupt(&err)
		fn(tx)
		return nil
	})
	if err != nil {
		r.add(r.History, 0, "%s: unreadable: %v", what, err)
	}
}

// checkSchema checks the meta bucket and that every bucket is there.
func checkSchema(r *Report, tx *bolt.Tx) (st schemaState, ok bool) {
	path := r.History
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		r.add(path, 0, "no meta bucket: not a dexra-tui history")
		return st, false
	}
	st.version = u64(meta.Get(schemaKey))
	switch st.version {
	case 3, schemaVersion:
		if st.id = bytes.Clone(meta.Get(idKey)); len(st.id) != historyIDLen {
			r.add(path, 0, "the history ID is missing or damaged")
		}
		if st.version == 3 {
			r.Notes = append(r.Notes, "schema 3: the next writing open (`dexra-tui listen`) upgrades it in place (dedup keys listed in arrival order)")
		}
	case 2:
		r.Notes = append(r.Notes, "schema 2: the next writing open (`dexra-tui listen`) upgrades it in place; records carry no checksums until then")
	default:
		r.add(path, 0, "schema version %d: not one this build reads", st.version)
		return st, false
	}
	for _, name := range bucketsOf(st.version) {
		if tx.Bucket(name) == nil {
			r.add(path, 0, "bucket %s is missing", name)
			return st, false
		}
	}
	st.last = tx.Bucket(bucketEvents).Sequence()
	st.total = u64(meta.Get(totalKey))
	return st, true
}

// contentCheck is what the events call for, gathered chunk by chunk.
type contentCheck struct {
	index, counts, dedup map[string]uint64 // index key → seq; counter key → count
	carriers             map[uint64]uint64 // seq → dedup key fingerprint (schema 4)
	damaged              map[uint64]bool
	seen                 uint64
	unreadable           bool // some events could not be read at all
}

// checkContent checks every event (in chunks: a damaged page costs the events under
// it, not the rest), then the indexes, counters and other buckets against them.
func checkContent(r *Report, db *bolt.DB, st schemaState) {
	c := &contentCheck{index: map[string]uint64{}, counts: map[string]uint64{}, dedup: map[string]uint64{},
		carriers: map[uint64]uint64{}, damaged: map[uint64]bool{}}
	eachEvent(db, st.last, func(tx *bolt.Tx, k, v []byte) { c.event(r, tx, st, k, v) }, nil,
		func(from, to uint64, err error) {
			c.unreadable = true
			r.addRange(r.History, from, to, "those stored are unreadable: %v", err)
		})
	if !c.unreadable && st.total != c.seen {
		r.add(r.History, 0, "the event count says %d, the events bucket holds %d", st.total, c.seen)
	}
	r.view(db, "the ID index", func(tx *bolt.Tx) { checkIDs(r, tx.Bucket(bucketIDs), tx.Bucket(bucketEvents)) })
	for _, b := range [][]byte{bucketBodies, bucketAttempts} {
		r.view(db, "the "+string(b)+" bucket", func(tx *bolt.Tx) { checkOrphans(r, tx.Bucket(b), tx.Bucket(bucketEvents), string(b)) })
	}
	short := len(c.damaged) > 0 || c.unreadable
	r.view(db, "the index", func(tx *bolt.Tx) { checkIndex(r, tx.Bucket(bucketIndex), c.index, c.damaged, c.unreadable) })
	r.view(db, "the index counters", func(tx *bolt.Tx) { compareCounts(r, tx.Bucket(bucketCounts), c.counts, "index count", short) })
	if st.version >= 4 {
		r.view(db, "the dedup carrier lists", func(tx *bolt.Tx) { checkCarriers(r, tx, c.carriers, c.damaged, c.unreadable) })
		return
	}
	r.view(db, "the dedup bucket", func(tx *bolt.Tx) { compareCounts(r, tx.Bucket(bucketDedup), c.dedup, "dedup count", short) })
}

// checkCarriers compares the dedup carrier lists (dedup.go) with the events' dedup
// keys (want: seq → fingerprint): each list well formed and past the one before, each
// entry naming an event of that key, every such event listed, and the table they
// make readable (an overflow entry names an event with a key).
func checkCarriers(r *Report, tx *bolt.Tx, want map[uint64]uint64, damaged map[uint64]bool, unreadable bool) {
	listed := map[uint64]bool{}
	last := uint64(0)
	c := tx.Bucket(bucketCarriers).Cursor()
	var list []listedCarrier
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) != 8 {
			r.add(r.History, 0, "dedup carrier lists: malformed key %x", k)
			continue
		}
		var err error
		if list, err = decodeCarriers(u64(k), v, list[:0]); err != nil {
			r.add(r.History, 0, "dedup carrier list %d: %v", u64(k), strings.TrimPrefix(err.Error(), ErrCorrupt.Error()+": "))
			continue
		}
		if list[0].seq <= last {
			r.add(r.History, list[0].seq, "dedup carrier list %d starts before the previous list ends (%d)", u64(k), last)
		}
		last = list[len(list)-1].seq
		for _, lc := range list {
			fp, ok := want[lc.seq]
			switch {
			case damaged[lc.seq] || unreadable:
			case !ok:
				r.add(r.History, lc.seq, "a dedup carrier list names it, but the event is missing or carries no dedup key")
			case fp != lc.note.fp:
				r.add(r.History, lc.seq, "a dedup carrier list gives it another dedup key's fingerprint")
			}
			listed[lc.seq] = true
		}
	}
	var missing []uint64
	for seq := range want {
		if !listed[seq] {
			missing = append(missing, seq)
		}
	}
	slices.Sort(missing)
	for _, seq := range missing {
		r.add(r.History, seq, "the dedup carrier lists lack it (its dedup key would not be found)")
	}
	if len(missing) == 0 && !unreadable && len(damaged) == 0 {
		t, err := loadCarriers(tx)
		if err != nil {
			r.add(r.History, 0, "dedup carrier lists: %v", err)
			return
		}
		checkOverflowFlags(r, tx, t)
	}
}

// checkOverflowFlags reports list entries whose overflow flag disagrees with the
// table the lists make: a key's stored carriers are all held by its full key or all
// by its fingerprint, and a fingerprint's are all of one key (dedup.go), so a flipped
// flag (bbolt pages carry no checksums) would split a key's count.
func checkOverflowFlags(r *Report, tx *bolt.Tx, t *dedupTable) {
	head := storedCarrier(tx.Bucket(bucketEvents))
	keyOf := func(seq uint64) []byte {
		key, _, _, err := head(seq)
		if err != nil {
			return nil
		}
		return key
	}
	c := tx.Bucket(bucketCarriers).Cursor()
	var list []listedCarrier
	for k, v := c.First(); k != nil; k, v = c.Next() {
		list, _ = decodeCarriers(u64(k), v, list[:0]) // loadCarriers read them all
		for _, lc := range list {
			key := keyOf(lc.seq)
			newest, held := t.newest[lc.note.fp]
			holderIsKey := held && bytes.Equal(keyOf(newest), key)
			_, inOverflow := t.overflow[string(key)]
			if lc.note.overflow == holderIsKey || (!lc.note.overflow && inOverflow) {
				r.add(r.History, lc.seq, "a dedup carrier list marks it wrongly as held by its full key or by its fingerprint (its key's count would be split)")
			}
		}
	}
}

// eachEvent calls fn for every event of db, salvageChunk events per transaction, and
// then flush (if not nil). A fault or panic (a damaged page) costs the events from the
// one being read, which lost is told of: the next ones are tried further and further
// on (1, 2, 4, … events), so a damaged subtree costs few tries.
func eachEvent(db *bolt.DB, last uint64, fn func(tx *bolt.Tx, k, v []byte), flush func(), lost func(from, to uint64, err error)) {
	skip := uint64(1)
	for from := uint64(1); from <= last; {
		done, end := from-1, false
		err := db.View(func(tx *bolt.Tx) (err error) {
			defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
			defer recoverCorrupt(&err)
			c := tx.Bucket(bucketEvents).Cursor()
			k, v := c.Seek(seqKey(from))
			for n := 0; k != nil && n < salvageChunk; k, v = c.Next() {
				n++
				fn(tx, k, v)
				if len(k) == 8 && u64(k) <= last { // a damaged key must not skip the rest
					done = max(done, u64(k))
				}
			}
			end = k == nil
			return nil
		})
		if flush != nil {
			flush()
		}
		if err == nil {
			if end {
				return
			}
			from, skip = done+1, 1
			continue
		}
		to := min(done+skip, last)
		lost(done+1, to, err)
		from, skip = to+1, skip*2
	}
}

// event checks one event (see Check).
func (c *contentCheck) event(r *Report, tx *bolt.Tx, st schemaState, k, v []byte) {
	path := r.History
	c.seen++
	if len(k) != 8 {
		r.add(path, 0, "events bucket: key %x is not a seq", k)
		return
	}
	seq := u64(k)
	if seq > st.last {
		r.add(path, seq, "past the history's last seq %d", st.last)
	}
	body := tx.Bucket(bucketBodies).Get(k)
	if len(v) > 0 && v[0] == formatLegacy && st.version == 2 {
		v = upgradeRecord(v, body) // schema 2 kept no sums: check the rest
	}
	ev, err := decodeMeta(seq, v)
	if err == nil {
		err = checkBody(seq, v, body)
	}
	if err == nil && st.version >= 3 {
		_, err = loadAttempts(tx.Bucket(bucketAttempts).Cursor(), seq, true)
	}
	if err != nil {
		r.Damaged++
		c.damaged[seq] = true
		r.add(path, seq, "%s", damageText(seq, err))
		return
	}
	if got := tx.Bucket(bucketIDs).Get([]byte(ev.ID)); u64(got) != seq {
		r.add(path, seq, "the ID index names seq %d for its ID %s", u64(got), ev.ID)
	}
	for _, ix := range indexes {
		v := ix.value(ev)
		switch {
		case ix.kind == corrIndex && v != "":
			c.index[string(corrKey(corrHash(v), seq))] = seq
		case ix.kind == postingIndex:
			p := ix.postingPrefix(v)
			c.index[string(binary.BigEndian.AppendUint64(p, seq))] = seq
			c.counts[string(p)]++
		}
	}
	if ev.DedupKey != "" {
		if st.version >= 4 {
			c.carriers[seq] = dedupFingerprint(dedupKey(ev.DedupKey))
		} else {
			c.dedup[string(dedupKey(ev.DedupKey))]++
		}
	}
	r.Events++
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
func checkIndex(r *Report, index *bolt.Bucket, want map[string]uint64, damaged map[uint64]bool, unreadable bool) {
	found := map[string]bool{}
	c := index.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if len(k) > 0 && k[0] == indexes[4].id {
			if len(k) != 1+4+corrHashLen+8 {
				r.add(r.History, 0, "index: malformed correlation key %x", k)
				continue
			}
			if _, ok := want[string(k)]; !ok && !damaged[seqOf(k)] && !unreadable {
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
			if _, ok := want[key]; !ok && !damaged[seq] && !unreadable {
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
