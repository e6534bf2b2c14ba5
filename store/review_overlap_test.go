package store

import (
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
)

// shortRetries makes the logger retry a failed log within the test's patience.
func shortRetries(t *testing.T) {
	retryFirst, retryMax = 20*time.Millisecond, 100*time.Millisecond
	t.Cleanup(func() { retryFirst, retryMax = 250*time.Millisecond, time.Second })
}

// errseqModel models Linux's writeback error reporting (mm/filemap.c,
// file_check_and_advance_wb_err): a failed writeback of a file's pages is reported
// once to every open file description that syncs after it, and to only one of
// several syncs running on the same description (the first to check advances it).
type errseqModel struct {
	mu   sync.Mutex
	gen  int
	seen map[*os.File]int
}

// writebackFailed: pages of the file were lost on their way to the disk.
func (m *errseqModel) writebackFailed() {
	m.mu.Lock()
	m.gen++
	m.mu.Unlock()
}

// check is fdatasync's error check for f.
func (m *errseqModel) check(f *os.File) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen[f] < m.gen {
		m.seen[f] = m.gen
		return syscall.EIO
	}
	return nil
}

// TestWritebackErrorOfABatchReachesItsOwnSync: while batch A's fdatasync waits for
// its pages, batch B is written and its fdatasync runs; A's pages fail to reach the
// disk and B's sync checks for errors first. On one open file description the
// kernel then reports the error to B's sync only, and A's sync returns success
// although A's records are not on the disk: A must not be acknowledged.
func TestWritebackErrorOfABatchReachesItsOwnSync(t *testing.T) {
	shortRetries(t)
	s := openTest(t, Options{})
	s.log.overlapSyncs = true // what this test is about: a batch written while a sync runs
	appendAll(t, s, 2)
	m := &errseqModel{seen: map[*os.File]int{}}
	held, bChecked, release := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var releaseOnce sync.Once
	t.Cleanup(func() { releaseOnce.Do(func() { close(release) }) })
	var calls atomic.Int32
	s.log.wal.syncFile = func(f *os.File) error {
		if err := syncData(f); err != nil {
			return err
		}
		switch calls.Add(1) {
		case 1: // A's sync, waiting for its pages' writeback
			close(held)
			<-release
		case 2: // B's sync: A's pages failed meanwhile, and B checks first
			m.writebackFailed()
			defer close(bChecked)
		}
		return m.check(f)
	}
	a := appendAsync(s, sampleEvent(10))
	<-held
	b := appendAsync(s, sampleEvent(11))
	<-bChecked
	releaseOnce.Do(func() { close(release) })
	if err := <-a; err == nil {
		t.Fatal("batch A was acknowledged although the writeback of its pages failed (the error went to batch B's overlapping sync on the same open file)")
	}
	if err := <-b; err == nil {
		t.Fatal("batch B was acknowledged although its sync failed")
	}
	waitFor(t, "appends are taken again", func() bool { return s.Append(sampleEvent(20)) == nil })
}

// TestDuplicateOfATakenBackEventIsNotReportedStored: an event whose ID was decided a
// duplicate of one in a batch whose sync then failed must not be answered
// ErrDuplicateID ("already stored"): that event was taken back, nothing with the
// ID is stored, and a sender told "already stored" does not deliver it again.
func TestDuplicateOfATakenBackEventIsNotReportedStored(t *testing.T) {
	for _, tc := range []struct {
		name string
		// second is what is appended while the original's sync is held (nil: the
		// copy goes in the original's own batch).
		second func(again *payloads.Event) []*payloads.Event
	}{
		{"alone, in the next batch", func(again *payloads.Event) []*payloads.Event { return []*payloads.Event{again} }},
		{"with a new event, in the next batch", func(again *payloads.Event) []*payloads.Event {
			return []*payloads.Event{again, sampleEvent(11)}
		}},
		{"in the same batch", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			shortRetries(t)
			s := openTest(t, Options{})
			s.log.overlapSyncs = true // what this test is about: a batch written while a sync runs
			appendAll(t, s, 2)
			var decided atomic.Int32
			s.log.testHookSnapshot = func() { decided.Add(1) }
			o := holdFirstSync(t, s)
			orig := sampleEvent(10)
			again := *orig
			var errs <-chan []error
			batch := func(evs ...*payloads.Event) <-chan []error {
				done := make(chan []error, 1)
				go func() { done <- s.AppendBatch(evs) }()
				return done
			}
			if tc.second == nil {
				errs = batch(orig, &again)
				<-o.held
			} else {
				first := appendAsync(s, orig)
				<-o.held
				errs = batch(tc.second(&again)...)
				waitFor(t, "the second batch is numbered", func() bool { return decided.Load() == 2 })
				o.release <- syscall.EIO
				if err := <-first; err == nil {
					t.Fatal("the original was acknowledged although its sync failed")
				}
			}
			if tc.second == nil {
				o.release <- syscall.EIO
			}
			got := <-errs
			dupAt := 0
			if tc.second == nil {
				dupAt = 1
			}
			if errors.Is(got[dupAt], ErrDuplicateID) {
				t.Errorf("the copy was answered %q, but the original was taken back", got[dupAt])
			}
			waitFor(t, "appends are taken again", func() bool { return s.Append(sampleEvent(20)) == nil })
			if _, err := s.Get(orig.ID); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get(%s) = %v, want not found", orig.ID, err)
			}
		})
	}
}
