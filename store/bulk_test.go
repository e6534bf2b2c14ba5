package store

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/dexra/dexra-tui/payloads"
)

// bulkAppend stores gen(from) … gen(from+n-1) through prepareEvent and applyLogged
// (the code Append runs) in large unsynced transactions, then syncs: a fixture loader, not ingest.
func bulkAppend(t testing.TB, s *Store, from, n int, gen func(int) *payloads.Event) {
	t.Helper()
	const perTx = 20_000
	s.db.NoSync = true
	defer func() { s.db.NoSync = false }()

	for start := from; start < from+n; start += perTx {
		end := min(start+perTx, from+n)
		err := settledDB(t, s).Update(func(tx *bolt.Tx) error {
			s.log.pendingMu.Lock() // the logger's dedup table takes the events
			defer s.log.pendingMu.Unlock()
			w := newTxWriter(tx)
			for i := start; i < end; i++ {
				p, err := prepareEvent(gen(i))
				if err != nil {
					return err
				}
				if err := putEvent(w, s.log.dedup, p); err != nil {
					return err
				}
			}
			return w.flush()
		})
		if err != nil {
			t.Fatalf("bulk load events %d..%d: %v", start, end, err)
		}
	}
	if err := s.db.Sync(); err != nil {
		t.Fatal(err)
	}
}

// fixtureVersion names the content sampleEvent produces; bump it when that changes so
// cached fixtures are rebuilt.
const fixtureVersion = 2

// fixturePath is where a cached history of n sample events lives, built on first use
// and reused by later runs (it is large: keep it out of the repository).
func fixturePath(tb testing.TB, n int) string {
	tb.Helper()
	name := fmt.Sprintf("dexra-tui-bench-s%d-f%d-%d.db", schemaVersion, fixtureVersion, n)
	return cachedHistory(tb, name, func(s *Store) { bulkAppend(tb, s, 0, n, sampleEvent) })
}

// cachedHistory is the history named name in the temp dir, built by fill on first use
// (in a file of its own, renamed when complete, so a run cut short leaves none).
func cachedHistory(tb testing.TB, name string, fill func(*Store)) string {
	tb.Helper()
	path := filepath.Join(os.TempDir(), name)
	if _, err := os.Stat(path); err == nil {
		return path
	}
	tmp := fmt.Sprintf("%s.building-%d", path, os.Getpid())
	defer os.Remove(tmp)
	s, err := Open(tmp, Options{Retention: -1})
	if err != nil {
		tb.Fatal(err)
	}
	fill(s)
	if err := s.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		tb.Fatal(err)
	}
	return path
}

// openFixture opens the cached history of n sample events for reading.
func openFixture(tb testing.TB, n int) *Store {
	tb.Helper()
	s, err := Open(fixturePath(tb, n), Options{Retention: -1})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// putEvent decides p's seq and duplicate-of in w's transaction (dedup: the store's
// table, which takes it) and stores it, as the logger and committer would, without
// the log: the fixture loader's writer.
func putEvent(w *txWriter, dedup *dedupTable, p *preparedEvent) error {
	if w.ids.Get([]byte(p.head.ID)) != nil {
		return fmt.Errorf("%w: %s", ErrDuplicateID, p.head.ID)
	}
	e, err := carried(dedup, w, p)
	if err != nil {
		return err
	}
	return applyLogged(w, e)
}
