package store

import (
	"errors"
	"slices"
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

// TestFailingWriteFailsAlone: in one batch, a duplicate ID and a write that panics
// (as bbolt does on a damaged page) get their own errors; the other writes of the
// batch are committed, with consecutive seqs, and the history stays consistent.
func TestFailingWriteFailsAlone(t *testing.T) {
	s := openTest(t, Options{})
	first := sampleEvent(0)
	if err := s.Append(first); err != nil {
		t.Fatal(err)
	}
	before := s.writes.commits.Load()

	release := holdWriter(t, s)
	blocked := make(chan error, 1)
	go func() { blocked <- s.Append(sampleEvent(1)) }()
	for s.writes.commits.Load() == before { // the committer took it and waits for the lock
		time.Sleep(time.Millisecond)
	}

	const good = 5
	results := make(chan error, good+2)
	goodEvents := make([]*payloads.Event, good)
	for i := range good {
		goodEvents[i] = sampleEvent(10 + i)
		go func() { results <- s.Append(goodEvents[i]) }()
	}
	dupID := sampleEvent(20)
	dupID.ID = first.ID
	var dupErr, panicErr error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); dupErr = s.Append(dupID) }()
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
	if !errors.Is(dupErr, ErrDuplicateID) {
		t.Errorf("duplicate ID: %v, want ErrDuplicateID", dupErr)
	}
	if !errors.Is(panicErr, ErrCorrupt) {
		t.Errorf("panicking write: %v, want ErrCorrupt", panicErr)
	}
	var seqs []uint64
	for _, ev := range goodEvents {
		seqs = append(seqs, ev.Seq)
	}
	slices.Sort(seqs)
	if !slices.Equal(seqs, seqRange(3, 3+good-1)) {
		t.Errorf("the batch's events got seqs %v, want 3..%d", seqs, 3+good-1)
	}
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
