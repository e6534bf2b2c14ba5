package store

import (
	"errors"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
)

// waitTotal polls Stats until Total is want, or fails after a few seconds.
func waitTotal(t *testing.T, s *Store, want int) Stats {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := s.Stats()
		if err != nil {
			t.Fatal(err)
		}
		if st.Total == want {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("total stays %d, want %d", st.Total, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRetentionKeepsNewest(t *testing.T) {
	s := openTest(t, Options{Retention: 6})
	bulkAppend(t, s, 0, 30, sampleEvent) // bulk load does not kick the pruner ...
	evs := make(map[int]string)
	for i := 30; i < 35; i++ {
		ev := sampleEvent(i)
		if err := s.Append(ev); err != nil { // ... an Append does
			t.Fatal(err)
		}
		evs[i] = ev.ID
	}
	st := waitTotal(t, s, 6)
	if st.LastSeq != 35 {
		t.Errorf("last seq %d", st.LastSeq)
	}
	page, _ := s.List(ListOptions{OldestFirst: true})
	if got := seqsOf(page.Events); !reflect.DeepEqual(got, seqRange(30, 35)) {
		t.Fatalf("kept %v, want the newest six", got)
	}
	if info, _ := s.Dedup("evt-00000000"); info.Count != 0 {
		t.Errorf("a pruned event's dedup key still counts %d", info.Count)
	}
	// Events 28 and 29 share a key (29 redelivers 28); 28 is pruned, 29 kept.
	info, _ := s.Dedup("evt-00000028")
	if info.Count != 1 || info.FirstID == "" {
		t.Errorf("dedup of a half-pruned key: %+v, want count 1 and the first (pruned) ID", info)
	}
	if kept, _ := s.List(ListOptions{Query: "dup:yes corr:msg-00000009"}); len(kept.Events) != 1 || kept.Events[0].DuplicateOf != info.FirstID {
		t.Errorf("the kept redelivery should still name the pruned first event")
	}
	if _, err := s.Get(evs[34]); err != nil {
		t.Fatal(err)
	}
	var failingKept int
	for i := 29; i < 35; i++ {
		if sampleEvent(i).Signature.Status == "fail" {
			failingKept++
		}
	}
	if st.Failing != failingKept {
		t.Errorf("failing %d, want %d among the kept events", st.Failing, failingKept)
	}
	checkConsistency(t, s)
}

func TestRetentionPrunedEventIsGone(t *testing.T) {
	s := openTest(t, Options{Retention: 3})
	evs := appendAll(t, s, 6)
	waitTotal(t, s, 3)
	for i, ev := range evs {
		_, err := s.Get(ev.ID)
		if i < 3 && !errors.Is(err, ErrNotFound) {
			t.Errorf("pruned event %d: Get = %v, want ErrNotFound", i, err)
		}
		if i >= 3 && err != nil {
			t.Errorf("kept event %d: %v", i, err)
		}
	}
	if err := s.AddAttempt(evs[0].ID, payloads.Attempt{Target: "http://localhost:3000"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("AddAttempt to a pruned event = %v", err)
	}
	checkConsistency(t, s)
}

func TestRetentionNegativeKeepsAll(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(path, Options{Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	bulkAppend(t, s, 0, 40, sampleEvent)
	appendAll(t, s, 2)
	time.Sleep(3 * pruneCooldown)
	if st, _ := s.Stats(); st.Total != 42 {
		t.Fatalf("unlimited retention pruned: total %d", st.Total)
	}
	s.Close()

	// Lowering the retention later prunes on open, with no append needed.
	s, err = Open(path, Options{Retention: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	waitTotal(t, s, 5)
	checkConsistency(t, s)
}

// TestCloseWaitsForPruner: Close in the middle of a long prune stops it between
// transactions, reports no error, and leaves a consistent history.
func TestCloseWaitsForPruner(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(path, Options{Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	bulkAppend(t, s, 0, 20*pruneChunk, sampleEvent)
	s.Close()

	var mu sync.Mutex
	var pruneErrs []error
	s, err = Open(path, Options{Retention: 1, OnPruneError: func(err error) {
		mu.Lock()
		pruneErrs = append(pruneErrs, err)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	// Let the pruner start, then close under it.
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, _ := s.Stats()
		if st.Total < 20*pruneChunk || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close during pruning: %v", err)
	}
	mu.Lock()
	if len(pruneErrs) > 0 {
		t.Fatalf("pruner failed around Close: %v", pruneErrs)
	}
	mu.Unlock()
	s, err = Open(path, Options{Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, _ := s.Stats()
	if st.Total == 20*pruneChunk || st.Total == 1 {
		t.Logf("pruner had not started or had finished at Close (total %d)", st.Total)
	}
	checkConsistency(t, s)
}

// TestPruningDoesNotBlockIngest: appends keep completing quickly while the pruner
// works through a large excess.
func TestPruningDoesNotBlockIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(path, Options{Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	bulkAppend(t, s, 0, 10_000, sampleEvent)
	s.Close()
	s, err = Open(path, Options{Retention: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var worst time.Duration
	for i := 0; i < 40; i++ {
		ev := sampleEvent(100_000 + i)
		start := time.Now()
		if err := s.Append(ev); err != nil {
			t.Fatal(err)
		}
		worst = max(worst, time.Since(start))
	}
	if st, _ := s.Stats(); st.Total <= 100 {
		t.Log("the pruner finished before the appends; the bound below is weak")
	}
	if worst > time.Second {
		t.Errorf("an append waited %v behind the pruner", worst)
	}
	t.Logf("slowest append while pruning: %v", worst)
	waitTotal(t, s, 100)
	checkConsistency(t, s)
}
