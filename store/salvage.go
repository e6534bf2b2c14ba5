package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/dexra/dexra-tui/payloads"
)

// SalvageReport says what Salvage copied and what it could not.
type SalvageReport struct {
	Stored  int // events the history's own count says it holds (0: unreadable)
	Copied  int // events written to the new history
	FromLog int // of those, events only the log held
	// Lost are the events (or attempts, or ranges of the file) that could not be read,
	// the first maxProblems; MoreLost counts the rest.
	Lost     []Problem
	MoreLost int
}

func (r *SalvageReport) lost(file string, seq uint64, format string, args ...any) {
	addProblem(&r.Lost, &r.MoreLost, Problem{File: file, Seq: seq, What: fmt.Sprintf(format, args...)})
}

// salvageChunk is how many events Salvage reads, then writes, at a time.
const salvageChunk = 1000

// Salvage copies every readable event of the history at path, then every readable
// event its log holds beyond it (whole records past damage included), into a new
// history at out, which must not exist. It only reads path and its log. Events keep
// their IDs, times, bodies and intact attempts, in their order, renumbered from 1; an
// event whose record or body fails its checksum is left out and named in the report,
// as is each damaged attempt. A log of another history is not copied.
func Salvage(path, out string) (*SalvageReport, error) {
	if _, err := os.Stat(out); err == nil || !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("salvage history %s: %s already exists (or cannot be checked): salvage writes a new history; name one that does not exist", path, out)
	}
	// Written aside and renamed once complete: a failed salvage leaves no history.
	tmp := out + ".salvaging"
	os.Remove(tmp)
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: DefaultTimeout, FreelistType: bolt.FreelistMapType, PageSize: newHistoryPageSize})
	if err != nil {
		return nil, fmt.Errorf("salvage history %s: create %s: %w", path, out, err)
	}
	done := false
	defer func() {
		if !done {
			dst.Close()
			os.Remove(tmp)
		}
	}()
	ds := &Store{db: dst, path: out}
	if _, err := ds.createSchema(); err != nil {
		return nil, fmt.Errorf("salvage history %s: %w", path, err)
	}
	r := &SalvageReport{}
	dedup := newDedupTable() // the new history's, as its events are copied
	st, err := salvageHistory(r, path, dst, dedup)
	if err != nil {
		return r, err
	}
	events, err := salvageLog(r, walPath(path), st)
	if err != nil {
		return r, err
	}
	n, err := putSalvaged(r, dst, dedup, events)
	r.FromLog = n
	if err != nil {
		return r, err
	}
	done = true
	if err := dst.Close(); err != nil {
		os.Remove(tmp)
		return r, fmt.Errorf("salvage history %s: close %s: %w", path, out, err)
	}
	if err := os.Rename(tmp, out); err != nil {
		os.Remove(tmp)
		return r, fmt.Errorf("salvage history %s: %w", path, err)
	}
	if err := syncDir(filepath.Dir(out)); err != nil {
		return r, fmt.Errorf("salvage history %s: %w", path, err)
	}
	return r, nil
}

// salvageHistory copies the readable events of the bbolt file at path to dst.
func salvageHistory(r *SalvageReport, path string, dst *bolt.DB, dedup *dedupTable) (schemaState, error) {
	var st schemaState
	if info, err := os.Stat(path); err != nil || info.Size() == 0 {
		return st, nil // nothing there: the log may still hold events
	}
	if damage, err := checkBoltFile(path); err != nil || damage != nil {
		r.lost(path, 0, "the whole history file: bbolt cannot read it (%v%v); only its log is copied", damage, err)
		return st, nil
	}
	src, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: DefaultTimeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return st, &openError{
			msg:  fmt.Sprintf("history %s is in use by another dexra-tui process; stop it (the listener or the console) to salvage the history", path),
			kind: ErrLocked,
		}
	}
	if err != nil {
		r.lost(path, 0, "the whole history file: bbolt cannot open it (%v); only its log is copied", err)
		return st, nil
	}
	defer src.Close()
	err = src.View(func(tx *bolt.Tx) (err error) {
		defer recoverCorrupt(&err)
		if meta := tx.Bucket(bucketMeta); meta != nil {
			st.version, st.id = u64(meta.Get(schemaKey)), bytes.Clone(meta.Get(idKey))
		}
		if b := tx.Bucket(bucketEvents); b != nil {
			st.last = b.Sequence()
		}
		if meta := tx.Bucket(bucketMeta); meta != nil {
			r.Stored = int(u64(meta.Get(totalKey)))
		}
		return nil
	})
	if err != nil || !hasEventBuckets(src) {
		r.lost(path, 0, "the history's buckets are unreadable (%v); only its log is copied", err)
		return st, nil
	}
	var chunk []*payloads.Event
	var werr error
	legacy := st.version == 2
	eachEvent(src, st.last, func(tx *bolt.Tx, k, v []byte) {
		if ev := salvageEvent(r, tx, path, k, v, legacy); ev != nil {
			chunk = append(chunk, ev)
		}
	}, func() {
		if werr == nil {
			_, werr = putSalvaged(r, dst, dedup, chunk)
		}
		chunk = nil
	}, func(from, to uint64, err error) {
		addProblem(&r.Lost, &r.MoreLost, Problem{File: path, Seq: from, Through: to,
			What: fmt.Sprintf("those stored: the pages holding them are unreadable (%v)", err)})
	})
	return st, werr
}

// hasEventBuckets says whether src has the buckets events are read from.
func hasEventBuckets(src *bolt.DB) bool {
	ok := false
	_ = src.View(func(tx *bolt.Tx) (err error) {
		defer recoverCorrupt(&err)
		ok = tx.Bucket(bucketEvents) != nil && tx.Bucket(bucketBodies) != nil && tx.Bucket(bucketAttempts) != nil
		return nil
	})
	return ok
}

// salvageEvent reads the event stored under k (record v), or reports it lost.
func salvageEvent(r *SalvageReport, tx *bolt.Tx, path string, k, v []byte, legacy bool) *payloads.Event {
	if len(k) != 8 {
		r.lost(path, 0, "an event record under a damaged key (%x)", k)
		return nil
	}
	seq := u64(k)
	body := tx.Bucket(bucketBodies).Get(k)
	if legacy && len(v) > 0 && v[0] == formatLegacy {
		v = upgradeRecord(v, body)
	}
	ev, err := decodeMeta(seq, v)
	if err != nil {
		r.lost(path, seq, "%s", damageText(seq, err))
		return nil
	}
	if err = checkBody(seq, v, body); err != nil {
		// The record is whole but its key may not be: the ID index knows its seq.
		if alt := tx.Bucket(bucketIDs).Get([]byte(ev.ID)); len(alt) == 8 && !bytes.Equal(alt, k) &&
			checkBody(u64(alt), v, tx.Bucket(bucketBodies).Get(alt)) == nil {
			k, body, err = alt, tx.Bucket(bucketBodies).Get(alt), nil
		}
	}
	if err != nil {
		r.lost(path, seq, "event %s: %s", ev.ID, damageText(seq, err))
		return nil
	}
	ev.Body = bytes.Clone(body)
	attempts := tx.Bucket(bucketAttempts).Cursor()
	for ak, av := attempts.Seek(k); ak != nil && bytes.HasPrefix(ak, k); ak, av = attempts.Next() {
		var a payloads.Attempt
		if legacy {
			a, err = decodeAttemptUnchecked(av, true)
		} else {
			a, err = decodeAttempt(av, true)
		}
		if err != nil {
			r.lost(path, seq, "an attempt of event %s: %s", ev.ID, damageText(seq, err))
			continue
		}
		ev.Attempts = append(ev.Attempts, a)
	}
	return ev
}

// salvageLog reads every whole record of the log at path holding an event the
// history (st) lacks, in seq order.
func salvageLog(r *SalvageReport, path string, st schemaState) ([]*payloads.Event, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("salvage: read history log %s: %w", path, err)
	}
	legacy := !bytes.HasPrefix(data, walMagic) && st.version == 2
	from := walHeaderLen
	switch {
	case legacy:
		from = 0
	case len(data) >= walHeaderLen && bytes.HasPrefix(data, walMagic) && st.id != nil && !bytes.Equal(data[12:28], st.id):
		r.lost(path, 0, "the log belongs to another history (history ID %x); not copied: salvage it beside its own history", data[12:28])
		return nil, nil
	}
	bySeq := map[uint64]*loggedEvent{}
	budget := 8*len(data) + 1<<20 // bytes of checksum work: look-alike headers in bodies cost it
	for at := from; at+recHeaderLen+walMinPayload <= len(data); {
		if n := binary.BigEndian.Uint32(data[at:]); n >= walMinPayload && uint64(n) <= uint64(len(data)-at-recHeaderLen) {
			if budget -= int(n); budget < 0 {
				r.lost(path, 0, "the log past byte %d: too many look-alike records to scan it all; events logged there may be missing", at)
				break
			}
		}
		var n int
		var e *loggedEvent
		var ok bool
		if legacy {
			n, _, e, ok = decodeLegacyRecordAt(data[at:])
		} else {
			n, _, e, ok = decodeRecordAt(data[at:])
		}
		if !ok || e.seq <= st.last {
			if ok {
				at += n
			} else {
				at++
			}
			continue
		}
		if _, seen := bySeq[e.seq]; !seen {
			bySeq[e.seq] = e
		}
		at += n
	}
	var out []*payloads.Event
	for _, seq := range slices.Sorted(mapsKeys(bySeq)) {
		e := bySeq[seq]
		if legacy && len(e.record) > 0 && e.record[0] == formatLegacy {
			e.record = upgradeRecord(e.record, e.body)
			for i, a := range e.attempts {
				e.attempts[i] = sealAttempt(a)
			}
		}
		ev, err := decodeMeta(seq, e.record)
		if err == nil {
			err = checkBody(seq, e.record, e.body)
		}
		if err != nil {
			r.lost(path, seq, "%s", damageText(seq, err))
			continue
		}
		ev.Body = e.body
		for _, av := range e.attempts {
			a, err := decodeAttempt(av, true)
			if err != nil {
				r.lost(path, seq, "an attempt of event %s: %s", ev.ID, damageText(seq, err))
				continue
			}
			ev.Attempts = append(ev.Attempts, a)
		}
		out = append(out, ev)
	}
	return out, nil
}

func mapsKeys(m map[uint64]*loggedEvent) func(func(uint64) bool) {
	return func(yield func(uint64) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// putSalvaged stores events in dst after what it holds, in chunks, deciding seqs and
// duplicate-of as Append would; an ID stored already is reported, not stored twice.
func putSalvaged(r *SalvageReport, dst *bolt.DB, t *dedupTable, events []*payloads.Event) (int, error) {
	stored := 0
	for len(events) > 0 {
		chunk := events[:min(len(events), salvageChunk)]
		events = events[len(chunk):]
		n := 0
		err := dst.Update(func(tx *bolt.Tx) error {
			n = 0
			w := newTxWriter(tx)
			for _, ev := range chunk {
				p, err := prepareEvent(ev)
				if err != nil {
					return err
				}
				if w.ids.Get([]byte(p.head.ID)) != nil {
					continue // reported below, once the transaction is committed
				}
				e, err := carried(t, w, p)
				if err != nil {
					return err
				}
				if err := applyLogged(w, e); err != nil {
					return err
				}
				n++
			}
			return w.flush()
		})
		if err != nil {
			return stored, fmt.Errorf("salvage: write the new history: %w", err)
		}
		if skipped := len(chunk) - n; skipped > 0 {
			r.lost("", 0, "%d events carry an ID copied already (the log repeating the history?); copied once", skipped)
		}
		stored += n
		r.Copied += n
	}
	return stored, nil
}
