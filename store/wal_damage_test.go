package store

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestDamageInAppliedRecordsBeforeAcknowledgedBatch: a flipped byte in a record the
// history already holds, followed by a later batch the history lacks, is damage: the
// damaged record's batch was synced (the history applied it), so the batch after it
// was acknowledged and must not be dropped as a torn tail.
func TestDamageInAppliedRecordsBeforeAcknowledgedBatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	appendAll(t, s, 4) // seqs 1..4
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	build := func(batches ...[]uint64) []byte {
		data := walHeader(historyIDOf(t, path))
		for _, b := range batches {
			for _, seq := range b {
				p, _ := prepareEvent(sampleEvent(int(seq) + 100))
				e := logEvent(p, seq, "")
				e.batchFirst = b[0]
				data = appendRecord(data, 9, e)
			}
		}
		return append(data, make([]byte, walEndMark)...)
	}
	for _, tc := range []struct {
		name    string
		batches [][]uint64
		damage  int // record index
	}{
		// The lap's first batches were applied, the last one only logged.
		{"mid-run", [][]uint64{{1, 2}, {3, 4}, {5, 6}}, 1},
		{"first record", [][]uint64{{1, 2}, {3, 4}, {5, 6}}, 0},
		{"first record, batches of one", [][]uint64{{1}, {2}, {3}, {4}, {5}}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wal := build(tc.batches...)
			wal[recordAt(t, wal, tc.damage)+30] ^= 1
			if err := os.WriteFile(walPath(path), wal, 0o600); err != nil {
				t.Fatal(err)
			}
			r, err := Open(path, Options{Warn: func(w string) { t.Logf("warned %q", w) }})
			if err == nil {
				st, _ := r.Stats()
				r.Close()
				t.Fatalf("Open accepted a log damaged before an acknowledged batch: %d events kept, the batch past the damage dropped", st.Total)
			}
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Open = %v, want ErrCorrupt", err)
			}
		})
	}
}

// TestReadOnlyFindsLogOnlyIDsByPrefix: a short ID of an event only the log holds (a
// crash) resolves in a read-only open as after a writing one.
func TestReadOnlyFindsLogOnlyIDsByPrefix(t *testing.T) {
	s := openTest(t, Options{})
	appendAll(t, s, 5)
	settledDB(t, s)
	logged, release := logOnly(t, s, 5, 3)
	ro := crashCopy(t, s)
	release()
	r, err := Open(ro, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, ev := range logged {
		got, err := r.IDsWithPrefix(ev.ID[:20], 2)
		if err != nil || len(got) != 1 || got[0] != ev.ID {
			t.Fatalf("IDsWithPrefix(%s) = %v, %v; want [%s]", ev.ID[:20], got, err, ev.ID)
		}
	}
}
