package store

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/dexra/dexra-tui/payloads"
)

// TestDuplicateInABatchRefusedAtARewindIsNotReportedStored: a batch holding an event
// and a copy of it (same ID, as an import may) is numbered, then the logger waits for
// the history to catch up before rewinding the log (walRewindSize); the history fails
// to take what it lags by, so the batch is not logged. The original is refused; the
// copy must not be answered ErrDuplicateID ("already stored": import reports it
// skipped), since nothing with that ID was stored.
func TestDuplicateInABatchRefusedAtARewindIsNotReportedStored(t *testing.T) {
	shortRetries(t)
	old := walRewindSize
	walRewindSize = 1 // every batch is past it
	t.Cleanup(func() { walRewindSize = old })
	s := openTest(t, Options{})
	appendAll(t, s, 2)
	if err := s.log.waitApplied(); err != nil {
		t.Fatal(err)
	}
	_, release := logOnly(t, s, 2, 1) // the history lags by one event: the next batch waits
	var decided atomic.Int32
	s.log.testHookSnapshot = func() { decided.Add(1) }
	orig := sampleEvent(10)
	again := *orig
	errs := make(chan []error, 1)
	go func() { errs <- s.AppendBatch([]*payloads.Event{orig, &again}) }()
	waitFor(t, "the batch is numbered", func() bool { return decided.Load() == 1 })
	// What applyFn's callback does when the history fails to take a logged batch.
	s.log.fail(fmt.Errorf("apply logged events to the history: %w", errors.New("simulated commit failure")), false, true)
	got := <-errs
	release()
	if got[0] == nil {
		t.Fatal("the original was acknowledged although its batch was not logged")
	}
	if errors.Is(got[1], ErrDuplicateID) {
		t.Errorf("the copy was answered %q, but the original was refused (%v)", got[1], got[0])
	}
	waitFor(t, "appends are taken again", func() bool { return s.Append(sampleEvent(20)) == nil })
	if _, err := s.Get(orig.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get(%s) = %v, want not found", orig.ID, err)
	}
}
