package store

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/dexra/dexra-tui/payloads"
)

// files is the history and its log as they are on disk (nil: absent).
type files struct{ db, wal []byte }

func readFiles(t testing.TB, path string) files {
	t.Helper()
	var f files
	var err error
	if f.db, err = os.ReadFile(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	if f.wal, err = os.ReadFile(walPath(path)); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return f
}

// unchanged fails t unless both files are as before.
func (f files) unchanged(t testing.TB, path, what string) {
	t.Helper()
	now := readFiles(t, path)
	if (f.db == nil) != (now.db == nil) || (f.wal == nil) != (now.wal == nil) {
		t.Fatalf("%s: a file appeared or disappeared (history %v→%v, log %v→%v)", what, f.db != nil, now.db != nil, f.wal != nil, now.wal != nil)
	}
	sameBytes(t, f.db, now.db, what+": history")
	sameBytes(t, f.wal, now.wal, what+": log")
}

// crashedWithLog is a crash copy of a history of 20 stored events and 5 more that
// only its log holds (each logged in a batch of its own).
func crashedWithLog(t *testing.T) (path string, stored, logged []*payloads.Event) {
	t.Helper()
	s := openTest(t, Options{})
	stored = appendAll(t, s, 20)
	settledDB(t, s)
	logged, release := logOnly(t, s, 20, 5)
	path = crashCopy(t, s)
	release()
	return path, stored, logged
}

// refusedBoth opens path in both modes and wants a refusal wrapping ErrCorrupt that
// names both files and what to do, with both files unchanged.
func refusedBoth(t *testing.T, path string, want ...string) {
	t.Helper()
	before := readFiles(t, path)
	for _, ro := range []bool{true, false} {
		s, err := Open(path, Options{ReadOnly: ro, Warn: func(w string) { t.Errorf("warned %q", w) }})
		if err == nil {
			s.Close()
			t.Fatalf("Open(ReadOnly: %v) accepted the log", ro)
		}
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("Open(ReadOnly: %v) = %v, want ErrCorrupt", ro, err)
		}
		for _, w := range append([]string{path, walPath(path), "left untouched", "doctor"}, want...) {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Open(ReadOnly: %v) = %q, does not mention %q", ro, err, w)
			}
		}
		before.unchanged(t, path, "refused open")
	}
}

// TestLogHeaderDamageRefused: the log's first 8 bytes flipped is damage, not an empty
// log: refused, both files unchanged.
func TestLogHeaderDamageRefused(t *testing.T) {
	path, _, _ := crashedWithLog(t)
	wal, _ := os.ReadFile(walPath(path))
	for i := range 8 {
		wal[i] ^= 0xff
	}
	os.WriteFile(walPath(path), wal, 0o600)
	refusedBoth(t, path, "damaged", "header")
}

// TestDamagedMiddleRecordRefused: a flipped byte in a record that later batches follow
// is damage (they were acknowledged after it): refused, nothing dropped or changed.
func TestDamagedMiddleRecordRefused(t *testing.T) {
	for _, at := range []struct {
		name string
		off  func(wal []byte) int
	}{
		{"length", func(wal []byte) int { return recordAt(t, wal, 2) }},
		{"payload", func(wal []byte) int { return recordAt(t, wal, 2) + 40 }},
	} {
		t.Run(at.name, func(t *testing.T) {
			path, _, _ := crashedWithLog(t)
			wal, _ := os.ReadFile(walPath(path))
			wal[at.off(wal)] ^= 0x10
			os.WriteFile(walPath(path), wal, 0o600)
			refusedBoth(t, path, "damaged", "acknowledged")
		})
	}
}

// TestForeignLogRefused: the log of another history beside this one is refused, not
// merged nor dropped, even when its seqs would follow on.
func TestForeignLogRefused(t *testing.T) {
	other, _, _ := crashedWithLog(t) // seqs 21..25 in its log
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	appendAll(t, s, 20)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wal, _ := os.ReadFile(walPath(other))
	os.WriteFile(walPath(path), wal, 0o600)
	refusedBoth(t, path, "another history")

	// Beside a history not created yet, the log is refused too, and no history is made.
	fresh := filepath.Join(t.TempDir(), "history.db")
	os.WriteFile(walPath(fresh), wal, 0o600)
	if _, err := Open(fresh, Options{}); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "another history") {
		t.Fatalf("Open beside a foreign log = %v", err)
	}
	if got, _ := os.ReadFile(walPath(fresh)); !bytes.Equal(got, wal) {
		t.Fatal("the foreign log was changed")
	}
}

// TestTornWriteInsideLastBatch: a power cut may leave whole records of the last batch
// past a torn one; that batch was never acknowledged, so it is a torn tail, while the
// same damage followed by a later batch is refused.
func TestTornWriteInsideLastBatch(t *testing.T) {
	build := func(batches ...[]uint64) []byte {
		data := walHeader(make([]byte, historyIDLen))
		for _, b := range batches {
			for _, seq := range b {
				p, _ := prepareEvent(sampleEvent(int(seq)))
				e := logEvent(p, seq, "")
				e.batchFirst = b[0]
				data = appendRecord(data, 9, e)
			}
		}
		return append(data, make([]byte, walEndMark)...)
	}
	torn := build([]uint64{1, 2}, []uint64{3, 4, 5})
	tornAt := recordAt(t, torn, 3)
	torn[tornAt+30] ^= 1 // record 4 of the last batch
	c, err := decodeWAL(torn, 0)
	if err != nil || len(c.entries) != 3 || c.torn != int64(tornAt) {
		t.Fatalf("last batch torn: %d records, torn at %d, %v; want 3, %d", len(c.entries), c.torn, err, tornAt)
	}
	damaged := build([]uint64{1, 2}, []uint64{3, 4}, []uint64{5})
	damaged[recordAt(t, damaged, 3)+30] ^= 1
	if _, err := decodeWAL(damaged, 0); !errors.Is(err, errLogDamaged) {
		t.Fatalf("a batch after the damage: %v, want errLogDamaged", err)
	}
	// Leftovers of an earlier lap (seqs the history has) behind a torn write are not
	// taken for proof: the history holds up to 5.
	if _, err := decodeWAL(damaged, 5); err != nil {
		t.Fatalf("records the history holds past a torn write: %v", err)
	}
}

// TestReadOnlyOpenWritesNothing: a read-only open reads everything and leaves both
// files byte for byte as they were; it writes nothing even on Close, refuses writes,
// and serves the events a log holds beyond the history without applying them.
func TestReadOnlyOpenWritesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	stored := appendAll(t, s, 30)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	before := readFiles(t, path)
	r, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if page, err := r.List(ListOptions{WithBody: true}); err != nil || len(page.Events) != 30 {
		t.Fatalf("read-only List: %d events, %v", len(page.Events), err)
	}
	if got, err := r.Get(stored[4].ID); err != nil || !bytes.Equal(got.Body, stored[4].Body) {
		t.Fatalf("read-only Get: %v", err)
	}
	if err := r.Append(sampleEvent(100)); err == nil {
		t.Fatal("Append on a read-only store succeeded")
	}
	if err := r.AddAttempt(stored[0].ID, payloads.Attempt{Target: "x"}); err == nil {
		t.Fatal("AddAttempt on a read-only store succeeded")
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	before.unchanged(t, path, "read-only open")

	pending, _, logged := crashedWithLog(t)
	before = readFiles(t, pending)
	p, err := Open(pending, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open with events to apply: %v", err)
	}
	if got, err := p.Get(logged[4].ID); err != nil || got.Seq != logged[4].Seq || !bytes.Equal(got.Body, logged[4].Body) {
		t.Fatalf("an event only the log holds, read-only: %v", err)
	}
	if st, err := p.Stats(); err != nil || st.Total != 25 || st.LastSeq != 25 {
		t.Fatalf("read-only stats with the log's events: %+v %v", st, err)
	}
	p.Close()
	before.unchanged(t, pending, "read-only open with a log to apply")

	missing := filepath.Join(t.TempDir(), "none", "history.db")
	if _, err := Open(missing, Options{ReadOnly: true}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("read-only open of no history = %v, want os.ErrNotExist", err)
	}
	if _, err := os.Stat(filepath.Dir(missing)); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a read-only open created the history's directory")
	}
}

// TestWritingOpenOfHealthyHistoryWritesNothing: Open writes the history file only
// when it has something to do (a new history, a log to apply, an upgrade).
func TestWritingOpenOfHealthyHistoryWritesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	appendAll(t, s, 5)
	s.Close()
	before, _ := os.ReadFile(path)
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(path)
	s.Close()
	sameBytes(t, before, after, "history opened for writing")
}

// flipValue rewrites one stored value with a byte flipped, as damage the bbolt page
// structure does not show would.
func flipValue(t *testing.T, path string, bucket, key []byte, at int) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		v := bytes.Clone(tx.Bucket(bucket).Get(key))
		if v == nil {
			t.Fatalf("no value under %x in %s", key, bucket)
		}
		v[at%len(v)] ^= 0x04
		return tx.Bucket(bucket).Put(key, v)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDamagedValueNamesTheEvent: a flipped byte in an event's record, body or attempt
// stops Get and List with an ErrCorrupt error naming the event, never a short listing
// or another event's data; Check names it too.
func TestDamagedValueNamesTheEvent(t *testing.T) {
	for _, c := range []struct {
		bucket []byte
		key    func(seq uint64) []byte
		at     int
	}{
		{bucketEvents, seqKey, 30},
		{bucketEvents, seqKey, 0},
		{bucketBodies, seqKey, 17},
		{bucketAttempts, func(seq uint64) []byte { return attemptKey(seq, 0) }, 9},
	} {
		t.Run(string(c.bucket)+"@"+string(rune('0'+c.at%10)), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "history.db")
			s, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			evs := appendAll(t, s, 40)
			victim := evs[12]
			if err := s.AddAttempt(victim.ID, payloads.Attempt{Target: "http://localhost:3000", Status: 502, ResponseBody: []byte("bad gateway")}); err != nil {
				t.Fatal(err)
			}
			s.Close()
			flipValue(t, path, c.bucket, c.key(victim.Seq), c.at)
			before := readFiles(t, path)

			r, err := Open(path, Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			want := "event seq 13"
			if _, err := r.Get(victim.ID); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), want) {
				t.Errorf("Get = %v, want ErrCorrupt naming %s", err, want)
			}
			opts := ListOptions{WithBody: true}
			if page, err := r.List(opts); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), want) {
				t.Errorf("List = %d events, %v; want ErrCorrupt naming %s", len(page.Events), err, want)
			}
			if _, err := r.Get(evs[3].ID); err != nil {
				t.Errorf("another event: %v", err)
			}
			r.Close()
			rep, err := Check(path)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() || rep.Damaged != 1 || rep.Events != 39 || !errors.Is(rep.Err(), ErrCorrupt) {
				t.Fatalf("Check: %d intact, %d damaged, problems %v", rep.Events, rep.Damaged, rep.Problems)
			}
			if p := rep.Problems[0]; p.Seq != victim.Seq {
				t.Errorf("Check's first problem %v, want one about seq %d", p, victim.Seq)
			}
			// doctor prints each problem: the seq said once, no "run doctor" inside doctor.
			sr, err := Salvage(path, path+".rescued")
			if err != nil || len(sr.Lost) != 1 {
				t.Fatalf("Salvage: %v, lost %v", err, sr.Lost)
			}
			for _, p := range []Problem{rep.Problems[0], sr.Lost[0]} {
				if s := p.String(); strings.Count(s, want) != 1 || strings.Contains(s, "corrupt") || strings.Contains(s, "run dexra-tui doctor") {
					t.Errorf("problem %q: want %q said once, and only what is damaged", s, want)
				}
			}
			before.unchanged(t, path, "reads and Check of a damaged history")
		})
	}
}

// TestCheckHealthyHistory: a history with a log to apply is OK, and the events the log
// holds are counted.
func TestCheckHealthyHistory(t *testing.T) {
	path, _, _ := crashedWithLog(t)
	before := readFiles(t, path)
	rep, err := Check(path)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Events != 20 || rep.LogEvents != 5 || rep.Err() != nil {
		t.Fatalf("Check of a healthy history: %+v", rep)
	}
	before.unchanged(t, path, "Check")
}

// TestRandomFlipsInHistory: random byte flips in a closed history: every read either
// gives exactly the stored events or fails with ErrCorrupt (never a short listing),
// Check reports the damage, nothing is written, and Salvage copies every event it can
// read intact: each one equal to the original.
func TestRandomFlipsInHistory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(path, Options{Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	const n = 3000
	bulkAppend(t, s, 0, n, sampleEvent)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	want := map[int64]*payloads.Event{} // by time: sampleEvent's IDs are new at each call
	for i := range n {
		ev := sampleEvent(i)
		want[ev.Received.UnixNano()] = ev
	}
	clean, _ := os.ReadFile(path)
	detected := 0
	for round := range 8 {
		data := bytes.Clone(clean)
		rng := rand.New(rand.NewPCG(uint64(round), 42))
		pageSize := newHistoryPageSize
		for range 200 {
			i := pageSize*2 + rng.IntN(len(data)-2*pageSize) // the meta pages have their own check
			data[i] ^= byte(1 + rng.IntN(255))
		}
		os.WriteFile(path, data, 0o600)
		before := readFiles(t, path)

		listed, listErr := listAll(path)
		switch {
		case listErr != nil && !errors.Is(listErr, ErrCorrupt):
			t.Fatalf("round %d: reading a damaged history: %v, want ErrCorrupt", round, listErr)
		case listErr == nil && len(listed) != n:
			t.Fatalf("round %d: a short listing: %d of %d events, no error", round, len(listed), n)
		}
		rep, err := Check(path)
		if err != nil {
			t.Fatalf("round %d: Check: %v", round, err)
		}
		if listErr != nil && rep.OK() {
			t.Fatalf("round %d: reads fail (%v) but Check finds nothing", round, listErr)
		}
		if !rep.OK() {
			detected++
		}
		before.unchanged(t, path, "reads and Check of a damaged history")

		out := filepath.Join(t.TempDir(), "salvaged.db")
		srep, err := Salvage(path, out)
		if err != nil {
			t.Fatalf("round %d: Salvage: %v", round, err)
		}
		before.unchanged(t, path, "Salvage")
		got, err := listAll(out)
		if err != nil {
			t.Fatalf("round %d: the salvaged history: %v", round, err)
		}
		if len(got) != srep.Copied || srep.Copied < rep.Events {
			t.Fatalf("round %d: salvage copied %d (listed %d), Check counted %d intact; lost %v; check %v", round, srep.Copied, len(got), rep.Events, srep.Lost, rep.Problems)
		}
		// Events not copied are said to be lost (those behind a damaged branch page
		// cannot be named: the tree no longer leads to them).
		if srep.Copied < srep.Stored && len(srep.Lost) == 0 {
			t.Fatalf("round %d: copied %d of %d, and no loss reported", round, srep.Copied, srep.Stored)
		}
		for _, ev := range got {
			w := want[ev.Received.UnixNano()]
			if w == nil || !bytes.Equal(ev.Body, w.Body) || ev.Type != w.Type || !ev.Received.Equal(w.Received) {
				t.Fatalf("round %d: salvaged event %s differs from what was stored:\n%+v\n%+v", round, ev.ID, ev, w)
			}
		}
		if rep2, err := Check(out); err != nil || !rep2.OK() {
			t.Fatalf("round %d: the salvaged history is not sound: %v %v", round, err, rep2.Problems)
		}
		t.Logf("round %d: list err %v; Check: %d intact, %d damaged, %d problems; salvaged %d", round, listErr != nil, rep.Events, rep.Damaged, len(rep.Problems)+rep.More, srep.Copied)
	}
	if detected == 0 {
		t.Fatal("200 random flips were never detected")
	}
}

// listAll lists every event of the history at path, read-only, with bodies.
func listAll(path string) ([]*payloads.Event, error) {
	s, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	page, err := s.List(ListOptions{WithBody: true, OldestFirst: true})
	return page.Events, err
}

// TestSalvageRecoversEventsPastLogDamage: with a middle log record flipped, Salvage
// copies every stored event and every intact logged one, the ones past the damage too.
func TestSalvageRecoversEventsPastLogDamage(t *testing.T) {
	path, stored, logged := crashedWithLog(t)
	wal, _ := os.ReadFile(walPath(path))
	wal[recordAt(t, wal, 2)+40] ^= 0x10 // logged[2]
	os.WriteFile(walPath(path), wal, 0o600)
	before := readFiles(t, path)
	rep, err := Check(path)
	if err != nil || rep.OK() || rep.Problems[0].File != walPath(path) {
		t.Fatalf("Check of a damaged log: %v %+v", err, rep)
	}
	out := filepath.Join(t.TempDir(), "salvaged.db")
	srep, err := Salvage(path, out)
	if err != nil {
		t.Fatal(err)
	}
	before.unchanged(t, path, "Salvage")
	if srep.Copied != 24 || srep.FromLog != 4 {
		t.Fatalf("salvaged %d (%d from the log), lost %v; want 24 and 4", srep.Copied, srep.FromLog, srep.Lost)
	}
	got, err := listAll(out)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, ev := range got {
		ids[ev.ID] = true
	}
	for i, ev := range append(stored, logged...) {
		if ids[ev.ID] == (i == 22) {
			t.Errorf("event %d (%s): salvaged %v", i, ev.ID, ids[ev.ID])
		}
	}
	if _, err := Salvage(path, out); err == nil {
		t.Fatal("Salvage wrote over an existing file")
	}
}

// unpackFixture copies the gzipped files of testdata/name into a new directory.
func unpackFixture(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"history.db", "history.db.wal"} {
		in, err := os.Open(filepath.Join("testdata", name, f+".gz"))
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(in)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(zr)
		in.Close()
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o600)
	}
	return filepath.Join(dir, "history.db")
}

// TestSchema2HistoryUpgradedInPlace: a history written by the previous build (schema
// 2, testdata/schema2: 30 stored events, 3 with an attempt, and a log of that format
// holding 5 more after a crash) is refused read-only, unchanged, then upgraded by a
// writing open with every event, attempt and log entry kept.
func TestSchema2HistoryUpgradedInPlace(t *testing.T) {
	path := unpackFixture(t, "schema2")
	before := readFiles(t, path)
	if _, err := Open(path, Options{ReadOnly: true}); !errors.Is(err, ErrRecoveryNeeded) || !strings.Contains(err.Error(), "schema version 2") {
		t.Fatalf("read-only open of schema 2 = %v", err)
	}
	before.unchanged(t, path, "read-only open of schema 2")
	if rep, err := Check(path); err != nil || !rep.OK() || rep.Events != 30 || rep.LogEvents != 5 {
		t.Fatalf("Check of schema 2: %v %+v", err, rep)
	}
	var warned []string
	s, err := Open(path, Options{Warn: func(w string) { warned = append(warned, w) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "upgraded in place from schema 2") || !strings.Contains(warned[0], "35 events, 5 of them from its log") {
		t.Errorf("warnings on the upgrade: %q", warned)
	}
	page, err := s.List(ListOptions{OldestFirst: true})
	if err != nil || len(page.Events) != 35 {
		t.Fatalf("after the upgrade: %d events, %v", len(page.Events), err)
	}
	for i, ev := range page.Events {
		want := sampleEvent(i) // its ID is new (random), the rest is the same
		got, err := s.Get(ev.ID)
		if err != nil || !got.Received.Equal(want.Received) {
			t.Fatalf("event %d after the upgrade: %v", i, err)
		}
		if got.Seq != uint64(i+1) || !bytes.Equal(got.Body, want.Body) {
			t.Fatalf("event %d: seq %d, body changed %v", i, got.Seq, !bytes.Equal(got.Body, want.Body))
		}
		if wantAttempts := map[bool]int{true: 1, false: 0}[i < 3]; len(got.Attempts) != wantAttempts ||
			(wantAttempts == 1 && got.Attempts[0].Status != 200+i) {
			t.Fatalf("event %d: attempts %+v", i, got.Attempts)
		}
	}
	checkConsistency(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if rep, err := Check(path); err != nil || !rep.OK() || rep.Events != 35 || len(rep.Notes) != 0 {
		t.Fatalf("Check after the upgrade: %v %+v", err, rep)
	}
	r, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open after the upgrade: %v", err)
	}
	r.Close()
}

// TestReadOnlyServesTheLogAsApplied: every query, in both directions and any page
// size, answers the same from a read-only open of a crashed history (the log's events
// in memory) as from a writing open that applied the log.
func TestReadOnlyServesTheLogAsApplied(t *testing.T) {
	s := openTest(t, Options{})
	appendAll(t, s, 120)
	settledDB(t, s)
	_, release := logOnly(t, s, 120, 30)
	ro := crashCopy(t, s)
	rw := crashCopy(t, s)
	release()
	r, err := Open(ro, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w, err := Open(rw, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	queries := []string{"", "sig:fail", "source:dexatel", "dup:yes", "corr:msg-00000041", "-type:delivery", "delivered", "type:delivery delivered"}
	for _, q := range queries {
		for _, oldest := range []bool{false, true} {
			for _, limit := range []int{0, 1, 7, 30, 200} {
				o := ListOptions{Query: q, OldestFirst: oldest, Limit: limit}
				got, want := pageAll(t, r, o), pageAll(t, w, o)
				if !slices.Equal(got, want) {
					t.Fatalf("%+v: read-only %v, applied %v", o, head(got), head(want))
				}
			}
		}
	}
	for _, key := range []string{sampleEvent(128).DedupKey, sampleEvent(129).DedupKey, sampleEvent(3).DedupKey} {
		a, _ := r.Dedup(key)
		b, _ := w.Dedup(key)
		if a != b {
			t.Fatalf("Dedup(%s): read-only %+v, applied %+v", key, a, b)
		}
	}
	a, _ := r.Stats()
	b, _ := w.Stats()
	if a != b {
		t.Fatalf("Stats: read-only %+v, applied %+v", a, b)
	}
	page, err := r.List(ListOptions{Limit: 3, WithBody: true})
	if err != nil || len(page.Events) != 3 || page.Events[0].Seq != 150 || len(page.Events[0].Body) == 0 {
		t.Fatalf("newest page with bodies: %v", err)
	}
	if page, _ := r.List(ListOptions{Limit: 3}); page.Events[0].Body != nil {
		t.Fatal("a page without bodies returned a body")
	}
}

// TestSchema2UpgradeCarriesOnAfterACrash: an upgrade stopped after its first chunk
// (as by a crash) leaves a history of both record formats; the next Open finishes it
// and every event reads back.
func TestSchema2UpgradeCarriesOnAfterACrash(t *testing.T) {
	path := unpackFixture(t, "schema2")
	migrateBatch = 7
	t.Cleanup(func() { migrateBatch = 1000 })
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	part := &Store{db: db, path: path}
	if _, done, err := part.migrateChunk(1); err != nil || done {
		t.Fatalf("first chunk: done %v, %v", done, err)
	}
	db.Close() // the crash: 7 events in format 3, the rest in format 2, schema still 2
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	page, err := s.List(ListOptions{WithBody: true})
	if err != nil || len(page.Events) != 35 {
		t.Fatalf("after carrying on: %d events, %v", len(page.Events), err)
	}
	checkConsistency(t, s)
}

// TestProblemRangeSaysItsEventsOnce: a range of unreadable events is named by
// Problem.String, as "events seq A to B", once.
func TestProblemRangeSaysItsEventsOnce(t *testing.T) {
	p := Problem{File: "h.db", Seq: 5, Through: 9, What: "those stored are unreadable: page 12"}
	if got, want := p.String(), "h.db: events seq 5 to 9: those stored are unreadable: page 12"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}

// A range the report has no room for counts as one more, and marks no other problem.
func TestFullReportDropsARangeWithoutMarkingAnother(t *testing.T) {
	r := &Report{History: "h.db"}
	for i := range maxProblems {
		r.add("h.db", uint64(i+1), "damaged")
	}
	r.addRange("h.db", 5000, 5009, "those stored are unreadable")
	if last := r.Problems[len(r.Problems)-1]; len(r.Problems) != maxProblems || r.More != 1 || last.Through != 0 {
		t.Errorf("%d problems, %d more, last %+v", len(r.Problems), r.More, last)
	}
	r = &Report{History: "h.db"}
	r.addRange("h.db", 5000, 5009, "those stored are unreadable")
	if len(r.Problems) != 1 || r.Problems[0].Seq != 5000 || r.Problems[0].Through != 5009 {
		t.Errorf("range in an empty report: %+v", r.Problems)
	}
}

// A record too short to decode is named once by doctor and salvage ("event seq N:",
// as every other damage), not "event seq N: event N: truncated record".
func TestTruncatedRecordNamedOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	victim := appendAll(t, s, 5)[2]
	s.Close()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketEvents)
		v := append([]byte(nil), b.Get(seqKey(victim.Seq))...)
		v = v[:recordPrefix+len(compactMark)+2] // checksummed again: damage the checksum cannot see
		binary.BigEndian.PutUint32(v[1:], crc32.Checksum(v[5:], crc32c))
		return b.Put(seqKey(victim.Seq), v)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Check(path)
	if err != nil {
		t.Fatal(err)
	}
	sr, err := Salvage(path, path+".rescued")
	if err != nil {
		t.Fatal(err)
	}
	named := 0
	for _, p := range append(rep.Problems, sr.Lost...) {
		text := p.String()
		if p.Seq == victim.Seq {
			named++
		}
		if strings.Count(text, fmt.Sprint(victim.Seq)+":") != 1 {
			t.Errorf("event named more than once: %q", text)
		}
	}
	if named < 2 {
		t.Errorf("check and salvage named the damaged event %d times, want both: %+v %+v", named, rep.Problems, sr.Lost)
	}
}
