package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/dexra/dexra-tui/payloads"
)

// recordsEnd is where the run of records of the log's bytes ends.
func recordsEnd(t testing.TB, wal []byte) int {
	t.Helper()
	c, err := decodeWAL(wal, 0)
	if err != nil {
		t.Fatal(err)
	}
	end := walHeaderLen
	for range c.entries {
		end += recHeaderLen + int(binary.BigEndian.Uint32(wal[end:]))
	}
	return end
}

// recordLen is the length of record i (from 0) of the log's bytes.
func recordLen(wal []byte, i int, t testing.TB) int {
	return recordAt(t, wal, i+1) - recordAt(t, wal, i)
}

// recordAt is where record i (from 0) of the log's bytes starts.
func recordAt(t testing.TB, wal []byte, i int) int {
	t.Helper()
	off := walHeaderLen
	for range i {
		off += recHeaderLen + int(binary.BigEndian.Uint32(wal[off:]))
	}
	return off
}

// historyIDOf is the ID of the history at path.
func historyIDOf(t testing.TB, path string) []byte {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var id []byte
	db.View(func(tx *bolt.Tx) error {
		id = bytes.Clone(tx.Bucket(bucketMeta).Get(idKey))
		return nil
	})
	if len(id) != historyIDLen {
		t.Fatalf("history %s has ID %x", path, id)
	}
	return id
}

// crashCopy copies the history and its log as they are on disk now, to a new
// directory: what a crash of the process at this moment would leave.
func crashCopy(t *testing.T, s *Store) string {
	t.Helper()
	dir := t.TempDir()
	dst := filepath.Join(dir, "history.db")
	for src, to := range map[string]string{s.path: dst, walPath(s.path): walPath(dst)} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// logOnly appends n events while the history cannot take them (its writer lock is
// held), so they are only in the log when Append returns.
func logOnly(t *testing.T, s *Store, from, n int) (evs []*payloads.Event, release func()) {
	t.Helper()
	release = holdWriter(t, s)
	for i := range n {
		ev := sampleEvent(from + i)
		if err := s.Append(ev); err != nil {
			release()
			t.Fatal(err)
		}
		evs = append(evs, ev)
	}
	if got := s.log.applied.Load(); got >= evs[0].Seq {
		release()
		t.Fatalf("the history took seq %d while its writer lock was held", got)
	}
	return evs, release
}

// TestLoggedEventsSurviveACrash: events acknowledged while the history file did not
// hold them yet are in the history after a crash, with their seqs, dedup decisions
// and indexes, once Open has replayed the log.
func TestLoggedEventsSurviveACrash(t *testing.T) {
	s := openTest(t, Options{})
	before := appendAll(t, s, 20)
	logged, release := logOnly(t, s, 20, 15)
	path := crashCopy(t, s)
	release()

	r, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, want := range append(before, logged...) {
		got, err := r.Get(want.ID)
		if err != nil {
			t.Fatalf("event %d after the crash: %v", want.Seq, err)
		}
		if got.Seq != want.Seq || got.DuplicateOf != want.DuplicateOf || !bytes.Equal(got.Body, want.Body) {
			t.Fatalf("event %s: seq %d dup %q, want seq %d dup %q", want.ID, got.Seq, got.DuplicateOf, want.Seq, want.DuplicateOf)
		}
	}
	if logged[9].DuplicateOf == "" { // sampleEvent 29 redelivers 28's key
		t.Fatal("the redelivery in the log was not marked")
	}
	page, err := r.List(ListOptions{Query: "dup:yes"})
	if err != nil || len(page.Events) == 0 || page.Events[0].ID != logged[9].ID {
		t.Fatalf("dup:yes after replay: %v %v", page.Events, err)
	}
	checkConsistency(t, r)
	ev := sampleEvent(100)
	if err := r.Append(ev); err != nil || ev.Seq != 36 {
		t.Fatalf("append after replay: seq %d, %v", ev.Seq, err)
	}
}

// TestTornLogTailIsIgnored: a record cut short by a crash (its writer never got an
// answer) is dropped, and Open says so; the whole records before it are applied.
func TestTornLogTailIsIgnored(t *testing.T) {
	s := openTest(t, Options{})
	logged, release := logOnly(t, s, 0, 5)
	path := crashCopy(t, s)
	release()
	wal, _ := os.ReadFile(walPath(path))
	end := recordsEnd(t, wal) // the end of the records; an end mark and zeros follow
	last := end - recordLen(wal, 4, t)
	copy(wal[end-3:end], "\xff\xff\xff") // the last record's write stopped 3 bytes short, over old bytes
	if err := os.WriteFile(walPath(path), wal, 0o600); err != nil {
		t.Fatal(err)
	}
	var warned []string
	r, err := Open(path, Options{Warn: func(s string) { warned = append(warned, s) }})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if len(warned) != 1 || !strings.Contains(warned[0], "cut short") || !strings.Contains(warned[0], fmt.Sprintf("from byte %d", last)) ||
		!strings.Contains(warned[0], walPath(path)) {
		t.Fatalf("warnings %q, want one naming the log and the torn write at byte %d", warned, last)
	}
	st, _ := r.Stats()
	if st.Total != 4 || st.LastSeq != 4 {
		t.Fatalf("after a torn last record: %+v, want the 4 whole ones", st)
	}
	if _, err := r.Get(logged[4].ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the torn event: %v", err)
	}
}

// TestLogNotContinuingRefused: a log that does not continue the history (one the
// history was restored behind) is refused, and neither file is changed.
func TestLogNotContinuingRefused(t *testing.T) {
	s := openTest(t, Options{})
	_, release := logOnly(t, s, 0, 3)
	src := crashCopy(t, s)
	release()

	other := filepath.Join(t.TempDir(), "history.db")
	o, err := Open(other, Options{})
	if err != nil {
		t.Fatal(err)
	}
	appendAll(t, o, 5) // ends at seq 5: the log's seq 1..3 are "applied", nothing to do
	o.Close()
	target := filepath.Join(t.TempDir(), "history.db")
	fresh, _ := Open(target, Options{})
	fresh.Close()
	wal, _ := os.ReadFile(walPath(src))
	// Renumber, under the target's ID: a log starting at seq 2 cannot continue an
	// empty history.
	c, err := decodeWAL(wal, 0)
	if err != nil {
		t.Fatal(err)
	}
	shifted := walHeader(historyIDOf(t, target))
	for _, e := range c.entries {
		e.seq++
		e.batchFirst = e.seq
		shifted = appendRecord(shifted, 7, e)
	}
	os.WriteFile(walPath(target), shifted, 0o600)
	dbBefore, _ := os.ReadFile(target)

	_, err = Open(target, Options{})
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), walPath(target)) || !strings.Contains(err.Error(), "move the log aside") {
		t.Fatalf("Open with a foreign log = %v", err)
	}
	dbAfter, _ := os.ReadFile(target)
	walAfter, _ := os.ReadFile(walPath(target))
	sameBytes(t, dbBefore, dbAfter, "history with a foreign log")
	sameBytes(t, shifted, walAfter, "foreign log")
}

// TestReadsSeeEveryAcknowledgedEvent: a read waits for the history to hold every
// event acknowledged before it began.
func TestReadsSeeEveryAcknowledgedEvent(t *testing.T) {
	s := openTest(t, Options{})
	logged, release := logOnly(t, s, 0, 3)
	got := make(chan error, 1)
	go func() {
		_, err := s.Get(logged[2].ID)
		got <- err
	}()
	select {
	case err := <-got:
		release()
		t.Fatalf("Get answered (%v) before the history held the event", err)
	case <-time.After(50 * time.Millisecond):
	}
	release()
	if err := <-got; err != nil {
		t.Fatalf("Get after the history took the event: %v", err)
	}
}

// TestCleanCloseRemovesLog: after a clean close the history holds everything, so its
// log is gone; while open, the log is private to the owner.
func TestCleanCloseRemovesLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	appendAll(t, s, 3)
	info, err := os.Stat(walPath(path))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("log while open: %v %v, want mode 0600", info, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(walPath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("log after a clean close: %v", err)
	}
}

// TestLogRewindsWhenCaughtUp: the log starts again once the history holds it, so its
// size follows the lag, not the number of events.
func TestLogRewindsWhenCaughtUp(t *testing.T) {
	s := openTest(t, Options{})
	for i := range 200 {
		if err := s.Append(sampleEvent(i)); err != nil {
			t.Fatal(err)
		}
	}
	settledDB(t, s)
	if err := s.Append(sampleEvent(1000)); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(walPath(s.path))
	if max := int64(8 << 10); s.log.wal.off > max {
		t.Fatalf("log write position %d after sequential appends (file %d bytes), want one record", s.log.wal.off, info.Size())
	}
}

// TestDuplicateIDsInTheLog: an ID already stored, or logged and not yet stored, fails
// alone; the others of the batch are logged with consecutive seqs.
func TestDuplicateIDsInTheLog(t *testing.T) {
	s := openTest(t, Options{})
	stored := sampleEvent(0)
	if err := s.Append(stored); err != nil {
		t.Fatal(err)
	}
	logged, release := logOnly(t, s, 1, 2)
	defer release()
	for _, id := range []string{stored.ID, logged[1].ID} {
		ev := sampleEvent(50)
		ev.ID = id
		if err := s.Append(ev); !errors.Is(err, ErrDuplicateID) {
			t.Fatalf("Append of ID %s again = %v, want ErrDuplicateID", id, err)
		}
	}
	next := sampleEvent(60)
	if err := s.Append(next); err != nil || next.Seq != 4 {
		t.Fatalf("append after refused duplicates: seq %d, %v", next.Seq, err)
	}
}

func TestDupIndexPosition(t *testing.T) {
	if indexes[dupIndexPos].key != KeyDup {
		t.Fatalf("indexes[%d] is %s, not %s", dupIndexPos, indexes[dupIndexPos].key, KeyDup)
	}
}

// FuzzDecodeWAL: any bytes decode without panicking, to a run of consecutive records
// that decode the same once encoded again, or to an error saying the log is damaged.
// The fuzzer's bytes are tried as a whole log, and as records behind a valid header.
func FuzzDecodeWAL(f *testing.F) {
	id := bytes.Repeat([]byte{7}, historyIDLen)
	seed := walHeader(id)
	for i := range 3 {
		p, _ := prepareEvent(sampleEvent(i))
		e := logEvent(p, uint64(i+1), "")
		e.batchFirst = 1
		seed = appendRecord(seed, 7, e)
	}
	seed = append(seed, make([]byte, walEndMark)...)
	f.Add(seed, uint64(0))
	f.Add(seed[:len(seed)-walEndMark-1], uint64(1))
	f.Add(seed[walHeaderLen:], uint64(0))
	f.Add([]byte{}, uint64(0))
	f.Add(bytes.Repeat([]byte{0xff}, 64), uint64(0))
	f.Fuzz(func(t *testing.T, data []byte, after uint64) {
		after %= 1 << 20
		// data as a whole log, as what follows a header, and as one record's payload.
		sealed := walHeader(id)
		sealed = binary.BigEndian.AppendUint32(sealed, uint32(len(data)))
		sealed = binary.BigEndian.AppendUint32(sealed, recordSum(sealed[walHeaderLen:], data))
		sealed = append(append(sealed, data...), make([]byte, walEndMark)...)
		for _, log := range [][]byte{data, append(walHeader(id), data...), sealed} {
			c, err := decodeWAL(log, after)
			if err != nil {
				if !errors.Is(err, errLogDamaged) {
					t.Fatalf("error %v is not errLogDamaged", err)
				}
				continue
			}
			again := walHeader(id)
			for i, e := range c.entries {
				if i > 0 && e.seq != c.entries[i-1].seq+1 {
					t.Fatalf("seq %d after %d", e.seq, c.entries[i-1].seq)
				}
				again = appendRecord(again, 7, e)
			}
			back, err := decodeWAL(append(again, make([]byte, walEndMark)...), after)
			if err != nil || len(back.entries) != len(c.entries) || back.torn != -1 {
				t.Fatalf("%d records encode to %d (torn %d): %v", len(c.entries), len(back.entries), back.torn, err)
			}
			for i := range back.entries {
				b, e := back.entries[i], c.entries[i]
				if b.seq != e.seq || b.batchFirst != e.batchFirst || !bytes.Equal(b.record, e.record) || !bytes.Equal(b.body, e.body) {
					t.Fatalf("record %d changed on the way back", i)
				}
			}
		}
	})
}

// TestLogFilledAhead: the log file is filled a chunk past the record that reaches its
// end, so most syncs do not commit a block allocation along with the records; once
// the log starts again from the top, it stops growing.
func TestLogFilledAhead(t *testing.T) {
	s := openTest(t, Options{})
	appendAll(t, s, 3)
	info, err := os.Stat(walPath(s.path))
	if err != nil {
		t.Fatal(err)
	}
	if w := s.log.wal; info.Size() != w.filled || w.filled < walFillChunk || w.filled < w.off {
		t.Fatalf("log file %d bytes (filled %d), records end at %d: want a %d-byte chunk filled past the first record", info.Size(), w.filled, w.off, walFillChunk)
	}
	settledDB(t, s)
	for i := range 50 {
		if err := s.Append(sampleEvent(10 + i)); err != nil {
			t.Fatal(err)
		}
	}
	again, _ := os.Stat(walPath(s.path))
	if again.Size() != info.Size() {
		t.Fatalf("log grew from %d to %d bytes while it kept starting again", info.Size(), again.Size())
	}
}

// TestApplyFailureKeepsTheLog: when the history fails to take an acknowledged event,
// no later event lands past it, reads say so, Close says so and keeps the log, and
// the next Open applies the rest.
func TestApplyFailureKeepsTheLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	stored := appendAll(t, s, 2)
	settledDB(t, s)
	failing, after := sampleEvent(10), sampleEvent(11)

	// While the writer lock is held, both are logged; the holder then stores failing's
	// ID, so its apply fails as a damaged or full history would.
	held, release := make(chan struct{}), make(chan struct{})
	go s.db.Update(func(tx *bolt.Tx) error {
		close(held)
		<-release
		return tx.Bucket(bucketIDs).Put([]byte(failing.ID), seqKey(999))
	})
	<-held
	for _, ev := range []*payloads.Event{failing, after} {
		if err := s.Append(ev); err != nil {
			close(release)
			t.Fatal(err)
		}
	}
	close(release)

	if _, err := s.Get(stored[0].ID); err == nil || !strings.Contains(err.Error(), "kept in its log") {
		t.Fatalf("read after a failed apply = %v, want the failure", err)
	}
	if got := s.log.applied.Load(); got != stored[1].Seq {
		t.Fatalf("the history took up to seq %d past the failed %d", got, failing.Seq)
	}
	if err := s.Append(sampleEvent(12)); err == nil {
		t.Fatal("Append succeeded after the history failed")
	}
	if err := s.Close(); err == nil || !strings.Contains(err.Error(), "kept in "+walPath(path)) {
		t.Fatalf("Close = %v, want it to say the log keeps the rest", err)
	}

	// The cause goes away (the bogus ID entry is removed); the next Open applies both.
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketIDs).Delete([]byte(failing.ID)) })
	db.Close()
	r, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, ev := range []*payloads.Event{failing, after} {
		if got, err := r.Get(ev.ID); err != nil || got.Seq != ev.Seq {
			t.Fatalf("event %d after reopening: %v", ev.Seq, err)
		}
	}
}

// TestRecordsOfAnotherLapAreNotReplayed: a whole record of an earlier lap that happens
// to follow on (same seq sequence) is not taken for part of the current one.
func TestRecordsOfAnotherLapAreNotReplayed(t *testing.T) {
	data := walHeader(make([]byte, historyIDLen))
	for i := range 3 {
		p, _ := prepareEvent(sampleEvent(i))
		lap := uint64(1)
		if i == 2 {
			lap = 2
		}
		e := logEvent(p, uint64(i+1), "")
		e.batchFirst = e.seq
		data = appendRecord(data, lap, e)
	}
	if got, err := decodeWAL(data, 0); err != nil || len(got.entries) != 2 {
		t.Fatalf("%d records read (%v), want the 2 of the first lap", len(got.entries), err)
	}
}

// TestDecideSeesEventsBeingApplied: an event applied while the logger decides the next
// batch is either in the history it read or still among the pending ones, never in
// neither (the redelivery would be taken for a first delivery).
func TestDecideSeesEventsBeingApplied(t *testing.T) {
	s := openTest(t, Options{})
	bulkAppend(t, s, 100, 300, sampleEvent)             // room in the file: the commit below needs no remap
	first, redelivery := sampleEvent(8), sampleEvent(9) // 9 carries 8's dedup key
	release := holdWriter(t, s)
	if err := s.Append(first); err != nil {
		release()
		t.Fatal(err)
	}
	s.log.testHookSnapshot = func() {
		s.log.testHookSnapshot = nil
		release() // the history may take first now, after decide read it
		for deadline := time.Now().Add(100 * time.Millisecond); time.Now().Before(deadline) && s.log.applied.Load() < first.Seq; {
			time.Sleep(time.Millisecond)
		}
	}
	if err := s.Append(redelivery); err != nil {
		t.Fatal(err)
	}
	if redelivery.DuplicateOf != first.ID {
		t.Fatalf("redelivery decided with DuplicateOf %q, want %s", redelivery.DuplicateOf, first.ID)
	}
	checkConsistency(t, s)
}

// TestPrunedFirstCarrierKeepsPendingDuplicates: pruning a key's first carrier while
// redeliveries of it are logged but not yet stored leaves them, and later ones, naming
// it, as the stored dedup entry does.
func TestPrunedFirstCarrierKeepsPendingDuplicates(t *testing.T) {
	s := openTest(t, Options{Retention: -1})
	first := sampleEvent(8)
	other := sampleEvent(1)
	for _, ev := range []*payloads.Event{first, other} {
		if err := s.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	settledDB(t, s)
	// Stall the committer after a write, so later applies wait while pruning runs.
	stall := make(chan struct{})
	s.writes.enqueue(func(*txWriter) error { return nil }, func(error) { <-stall })
	second, third := sampleEvent(9), sampleEvent(9)
	if err := s.Append(second); err != nil {
		close(stall)
		t.Fatal(err)
	}
	// Prune first as retention would (the committer is stalled outside a transaction),
	// the dedup table told once it is committed.
	var gone []prunedCarrier
	err := s.db.Update(func(tx *bolt.Tx) error {
		w := newTxWriter(tx)
		record := bytes.Clone(tx.Bucket(bucketEvents).Get(seqKey(first.Seq)))
		if err := removeEvent(w, first.Seq, record); err != nil {
			return err
		}
		err := w.flush()
		gone = w.pruned
		return err
	})
	if err != nil {
		close(stall)
		t.Fatalf("prune the first carrier: %v", err)
	}
	s.log.dedupPruned(gone)
	if err := s.Append(third); err != nil {
		close(stall)
		t.Fatal(err)
	}
	close(stall)
	for _, ev := range []*payloads.Event{second, third} {
		if ev.DuplicateOf != first.ID {
			t.Fatalf("event %d: DuplicateOf %q, want the pruned first carrier %s", ev.Seq, ev.DuplicateOf, first.ID)
		}
	}
	if info, err := s.Dedup(first.DedupKey); err != nil || info.FirstID != first.ID || info.Count != 2 {
		t.Fatalf("dedup entry %+v, %v; want first %s, count 2", info, err, first.ID)
	}
	checkConsistency(t, s)
}

// TestLookAlikeRecordsCostBoundedWork: bodies are untrusted and land in the log; a
// torn first record followed by a megabyte of forged record headers (each claiming
// most of the file) must not make recovery quadratic: it ends quickly, as damage.
func TestLookAlikeRecordsCostBoundedWork(t *testing.T) {
	data := walHeader(make([]byte, historyIDLen))
	data = append(data, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4) // a torn first record
	fake := make([]byte, 32)
	for len(data) < 1<<20 {
		binary.BigEndian.PutUint32(fake, uint32(1<<20-len(data)-recHeaderLen)) // all the rest
		binary.BigEndian.PutUint64(fake[16:], 5)                               // seq 5, its own batch
		data = append(data, fake...)
	}
	start := time.Now()
	_, err := decodeWAL(data, 0)
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("decoding took %v", el)
	}
	if !errors.Is(err, errLogDamaged) || !strings.Contains(err.Error(), "look-alike") {
		t.Fatalf("decodeWAL = %v, want damage that names look-alike records", err)
	}
}
