package store

import (
	"errors"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
)

// overlapped holds the first sync of s's log until release, so a test can see what the
// logger does while one batch's sync runs.
type overlapped struct {
	syncs   atomic.Int32
	held    chan struct{} // closed once the first sync is being held
	release chan error    // what the held sync returns
}

func holdFirstSync(t *testing.T, s *Store) *overlapped {
	o := &overlapped{held: make(chan struct{}), release: make(chan error, 1)}
	t.Cleanup(func() { // a failed test must not leave Close waiting on the held sync
		select {
		case o.release <- nil:
		default:
		}
	})
	s.log.wal.afterSync = func() error {
		if o.syncs.Add(1) != 1 {
			return nil
		}
		close(o.held)
		return <-o.release
	}
	return o
}

// queuedAppends is how many appends wait in the logger's queue.
func queuedAppends(s *Store) int {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	return len(s.log.queue)
}

// appendAsync appends ev in a goroutine; the channel gets its outcome.
func appendAsync(s *Store, ev *payloads.Event) <-chan error {
	done := make(chan error, 1)
	go func() { done <- s.Append(ev) }()
	return done
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func notAnswered(t *testing.T, name string, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		t.Fatalf("%s was answered (%v) before the sync of the batch before it returned", name, err)
	default:
	}
}

// TestNextBatchIsWrittenWhileASyncRuns: while one batch's sync runs, the next batch is
// written and its sync started, but its writer is answered only after the first; its
// records say that the first was not yet acknowledged, so a crash that tears the
// first batch drops both as a torn write instead of refusing the log as damaged.
func TestNextBatchIsWrittenWhileASyncRuns(t *testing.T) {
	s := openTest(t, Options{})
	s.log.overlapSyncs = true // what this test is about: a batch written while a sync runs
	o := holdFirstSync(t, s)
	first := appendAsync(s, sampleEvent(0))
	<-o.held
	second := appendAsync(s, sampleEvent(1))
	waitFor(t, "the second batch is written during the first one's sync", func() bool { return s.log.written.Load() == 2 })
	waitFor(t, "the second batch's sync started", func() bool { return o.syncs.Load() == 2 })
	notAnswered(t, "the second append", second)
	notAnswered(t, "the first append", first)

	// A crash now, with the first batch torn: neither was acknowledged.
	path := crashCopy(t, s)
	wal, err := os.ReadFile(walPath(path))
	if err != nil {
		t.Fatal(err)
	}
	wal[recordAt(t, wal, 0)+recHeaderLen+30] ^= 0xff
	if err := os.WriteFile(walPath(path), wal, 0o600); err != nil {
		t.Fatal(err)
	}
	var warned []string
	r, err := Open(path, Options{Warn: func(w string) { warned = append(warned, w) }})
	if err != nil {
		t.Fatalf("a torn batch followed by one written during its sync was refused: %v", err)
	}
	if st, _ := r.Stats(); st.Total != 0 || len(warned) != 1 || !strings.Contains(warned[0], "cut short") {
		t.Fatalf("after the crash: %d events, warnings %q; want none kept and the torn write named", st.Total, warned)
	}
	r.Close()

	o.release <- nil
	for name, done := range map[string]<-chan error{"first": first, "second": second} {
		if err := <-done; err != nil {
			t.Fatalf("the %s append: %v", name, err)
		}
	}
	if st, err := s.Stats(); err != nil || st.Total != 2 || st.LastSeq != 2 {
		t.Fatalf("stats %+v, %v; want both events", st, err)
	}
}

// TestFailedSyncTakesBackTheBatchAfterIt: when a sync fails while the next batch was
// written behind it, both batches are refused, whatever the second sync said, and
// their seqs and place in the log go to the events appended once the log heals.
func TestFailedSyncTakesBackTheBatchAfterIt(t *testing.T) {
	retryFirst, retryMax = 20*time.Millisecond, 100*time.Millisecond
	t.Cleanup(func() { retryFirst, retryMax = 250*time.Millisecond, time.Second })
	s := openTest(t, Options{})
	s.log.overlapSyncs = true // what this test is about: a batch written while a sync runs
	acked := appendAll(t, s, 2)
	logged, release := logOnly(t, s, 2, 1) // keeps the log from rewinding under the test
	acked = append(acked, logged...)
	o := holdFirstSync(t, s)
	refused := []*payloads.Event{sampleEvent(10), sampleEvent(11)}
	first := appendAsync(s, refused[0])
	<-o.held
	second := appendAsync(s, refused[1])
	waitFor(t, "the second batch's sync ran", func() bool { return o.syncs.Load() == 2 })
	o.release <- syscall.EIO
	for name, done := range map[string]<-chan error{"first": first, "second": second} {
		if err := <-done; err == nil || !errors.Is(err, syscall.EIO) {
			t.Fatalf("the %s append after the first sync failed: %v, want the failure", name, err)
		}
	}
	var ev *payloads.Event
	waitFor(t, "appends are taken again", func() bool {
		ev = sampleEvent(20)
		return s.Append(ev) == nil
	})
	if ev.Seq != 4 {
		t.Fatalf("the first event after healing got seq %d, want 4 (the refused ones' seqs are free)", ev.Seq)
	}
	acked = append(acked, ev)
	path := crashCopy(t, s)
	release()
	r, err := Open(path, Options{Warn: func(w string) { t.Errorf("unexpected warning %q", w) }})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if st, _ := r.Stats(); st.Total != len(acked) {
		t.Fatalf("after a crash: %d events, want the %d acknowledged", st.Total, len(acked))
	}
	for _, want := range acked {
		if got, err := r.Get(want.ID); err != nil || got.Seq != want.Seq {
			t.Fatalf("event %s after the crash: %+v %v", want.ID, got, err)
		}
	}
	for _, refused := range refused {
		if _, err := r.Get(refused.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("refused event %s after the crash: %v, want not found", refused.ID, err)
		}
	}
}

// TestFailedSyncBeforeARewindRefusesTheNextBatch: a batch that must wait for the one
// syncing before it (the log is due to start again) is refused when that sync fails:
// its seqs follow events that were taken back, and storing it would leave a gap.
func TestFailedSyncBeforeARewindRefusesTheNextBatch(t *testing.T) {
	retryFirst, retryMax = 20*time.Millisecond, 100*time.Millisecond
	defer func(size int64) { walRewindSize = size }(walRewindSize)
	walRewindSize = 1 // every batch is past it
	t.Cleanup(func() { retryFirst, retryMax = 250*time.Millisecond, time.Second })
	s := openTest(t, Options{})
	s.log.overlapSyncs = true // what this test is about: a batch written while a sync runs
	acked := appendAll(t, s, 2)
	o := holdFirstSync(t, s)
	first := appendAsync(s, sampleEvent(10))
	<-o.held
	second := appendAsync(s, sampleEvent(11))
	waitFor(t, "the second batch is numbered", func() bool {
		s.log.pendingMu.Lock()
		defer s.log.pendingMu.Unlock()
		return len(s.log.pendingIDs) == 2
	})
	o.release <- syscall.EIO
	for name, done := range map[string]<-chan error{"first": first, "second": second} {
		if err := <-done; err == nil {
			t.Fatalf("the %s append succeeded although the first batch's sync failed", name)
		}
	}
	var ev *payloads.Event
	waitFor(t, "appends are taken again", func() bool {
		ev = sampleEvent(20)
		return s.Append(ev) == nil
	})
	if ev.Seq != 3 {
		t.Fatalf("the first event after healing got seq %d, want 3", ev.Seq)
	}
	if st, err := s.Stats(); err != nil || st.Total != len(acked)+1 || st.LastSeq != 3 {
		t.Fatalf("stats %+v, %v; want the %d acknowledged events", st, err, len(acked)+1)
	}
}

// TestOneSyncAtATimeByDefault: while a batch's sync runs, the next batch waits in the
// queue, and is written only once that sync returned and its writers were answered
// (its records' horizon is its own first seq): one sync of the log at a time.
func TestOneSyncAtATimeByDefault(t *testing.T) {
	s := openTest(t, Options{})
	o := holdFirstSync(t, s)
	first := appendAsync(s, sampleEvent(0))
	<-o.held
	second := appendAsync(s, sampleEvent(1))
	waitFor(t, "the second append is queued or written", func() bool {
		return queuedAppends(s) == 1 || s.log.written.Load() == 2
	})
	if w, n := s.log.written.Load(), o.syncs.Load(); w != 1 || n != 1 {
		t.Fatalf("while the first sync runs: written up to seq %d, %d syncs; want 1 and 1", w, n)
	}
	notAnswered(t, "the first append", first)
	o.release <- nil
	for name, done := range map[string]<-chan error{"first": first, "second": second} {
		if err := <-done; err != nil {
			t.Fatalf("the %s append: %v", name, err)
		}
	}
	wal, err := os.ReadFile(walPath(s.path))
	if err != nil {
		t.Fatal(err)
	}
	_, _, e, ok := decodeRecordAt(wal[recordAt(t, wal, 1):])
	if !ok || e.seq != 2 || e.batchFirst != 2 {
		t.Fatalf("second record %+v (ok %v); want seq 2 written once seq 1 was acknowledged (horizon 2)", e, ok)
	}
}
