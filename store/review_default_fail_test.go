package store

import (
	"errors"
	"syscall"
	"testing"
)

// TestFailedSyncRefusesTheBatchQueuedBehindItByDefault: without overlap, a batch that
// arrives while a sync runs waits in the queue; when that sync fails, the queued batch
// (a copy of the taken-back event and a new one) is refused, not written after
// records that were taken back, and the copy is not reported stored.
func TestFailedSyncRefusesTheBatchQueuedBehindItByDefault(t *testing.T) {
	shortRetries(t)
	s := openTest(t, Options{})
	appendAll(t, s, 2)
	o := holdFirstSync(t, s)
	orig := sampleEvent(10)
	again := *orig
	first := appendAsync(s, orig)
	<-o.held
	second := appendAsync(s, &again)
	third := appendAsync(s, sampleEvent(11))
	waitFor(t, "both are queued", func() bool { return queuedAppends(s) == 2 })
	o.release <- syscall.EIO
	if err := <-first; err == nil {
		t.Fatal("acknowledged although its sync failed")
	}
	for name, done := range map[string]<-chan error{"copy": second, "new": third} {
		if err := <-done; err == nil || errors.Is(err, ErrDuplicateID) {
			t.Errorf("the %s was answered %v; want refused", name, err)
		}
	}
	waitFor(t, "appends are taken again", func() bool { return s.Append(sampleEvent(20)) == nil })
	if _, err := s.Get(orig.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get(%s) = %v, want not found", orig.ID, err)
	}
}
