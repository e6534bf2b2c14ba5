package store

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/dexra/dexra-tui/payloads"
)

func TestConcurrentAppendsShareCommits(t *testing.T) {
	s := openTest(t, Options{})
	const writers, each = 32, 20
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := s.Append(sampleEvent(w*each + i)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := s.writes.commits.Load(); n > writers*each/4 {
		t.Errorf("%d commits for %d concurrent appends: they were not grouped", n, writers*each)
	}
	checkConsistency(t, s)
}

// holdWriter holds bbolt's writer lock until the returned function is called, so the
// writes queued meanwhile go to the committer as one batch.
func holdWriter(t *testing.T, s *Store) (release func()) {
	t.Helper()
	held, done := make(chan struct{}), make(chan struct{})
	go s.db.Update(func(*bolt.Tx) error {
		close(held)
		<-done
		return nil
	})
	<-held
	return func() { close(done) }
}

func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		s.writes.mu.Lock()
		queued := len(s.writes.queue)
		s.writes.mu.Unlock()
		if queued == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued, want %d", queued, n)
		}
	}
}

// TestFailingWriteFailsAlone: in one batch, a write that fails and one that panics
// (as bbolt does on a damaged page) get their own errors; the other writes of the
// batch are committed, and the history stays consistent.
func TestFailingWriteFailsAlone(t *testing.T) {
	s := openTest(t, Options{})
	appendAll(t, s, 3)
	settledDB(t, s)
	before := s.writes.commits.Load()

	release := holdWriter(t, s)
	put := func(k string) writeFn {
		return func(w *txWriter) error { return w.meta.Put([]byte(k), []byte("v")) }
	}
	blocked := make(chan error, 1)
	go func() { blocked <- s.commit(put("test-blocked")) }()
	for s.writes.commits.Load() == before { // the committer took it and waits for the lock
		time.Sleep(time.Millisecond)
	}

	const good = 5
	results := make(chan error, good)
	for i := range good {
		go func() { results <- s.commit(put(fmt.Sprintf("test-good-%d", i))) }()
	}
	refused := errors.New("refused")
	var failErr, panicErr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		failErr = s.commit(func(w *txWriter) error {
			if err := put("test-failed")(w); err != nil {
				return err
			}
			return refused
		})
	}()
	go func() {
		defer wg.Done()
		panicErr = s.commit(func(*txWriter) error { panic("damaged page") })
	}()
	waitQueued(t, s, good+2)
	release()

	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
	for range good {
		if err := <-results; err != nil {
			t.Fatalf("a good write of the batch failed: %v", err)
		}
	}
	wg.Wait()
	if !errors.Is(failErr, refused) {
		t.Errorf("failing write: %v, want its own error", failErr)
	}
	if !errors.Is(panicErr, ErrCorrupt) {
		t.Errorf("panicking write: %v, want ErrCorrupt", panicErr)
	}
	settledDB(t, s).View(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		for i := range good {
			if meta.Get([]byte(fmt.Sprintf("test-good-%d", i))) == nil {
				t.Errorf("good write %d is missing", i)
			}
		}
		if meta.Get([]byte("test-failed")) != nil {
			t.Error("the failed write's change was committed")
		}
		return nil
	})
	// The blocked write, the batch tried three times (two failures), each failure alone.
	if n := s.writes.commits.Load() - before; n != 1+3+2 {
		t.Errorf("%d transactions, want 6", n)
	}
	checkConsistency(t, s)
}

func TestAppendAfterCloseFails(t *testing.T) {
	s, err := Open(t.TempDir()+"/history.db", Options{})
	if err != nil {
		t.Fatal(err)
	}
	ev := sampleEvent(0)
	if err := s.Append(ev); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(sampleEvent(1)); !errors.Is(err, berrors.ErrDatabaseNotOpen) {
		t.Errorf("Append after Close = %v", err)
	}
	if err := s.AddAttempt(ev.ID, payloads.Attempt{Target: "http://localhost:3000"}); !errors.Is(err, berrors.ErrDatabaseNotOpen) {
		t.Errorf("AddAttempt after Close = %v", err)
	}
}
