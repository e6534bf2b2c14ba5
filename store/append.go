package store

import (
	"errors"
	"fmt"
	"time"

	"github.com/dexra/dexra-tui/payloads"
)

// Append stores ev durably: when it returns nil the event is on disk (in the history's
// log, synced; wal.go). Many goroutines may call it at once; their events share log
// writes and history commits. It sets ev.Seq and ev.DuplicateOf (the ID of the first
// event with the same DedupKey, or ""), and ev.ID and ev.Received when they are empty.
// Secret header values are redacted in the history, not in ev. ev must not change
// while Append runs, and ev.Body never after: the history file takes it from the log
// just after Append returns, without a copy.
func (s *Store) Append(ev *payloads.Event) error {
	if ev == nil {
		return errors.New("append event: nil event")
	}
	if s.readOnly {
		return fmt.Errorf("append event to %s: %w", s.path, errReadOnly)
	}
	if ev.Received.IsZero() {
		ev.Received = time.Now().UTC()
	}
	if ev.ID == "" {
		ev.ID = payloads.NewID(ev.Received)
	}
	p, err := prepareEvent(ev)
	if err != nil {
		return fmt.Errorf("append event %s to %s: %w", ev.ID, s.path, err)
	}
	res, err := s.log.append(p)
	if err != nil {
		return fmt.Errorf("append event %s to %s: %w", ev.ID, s.path, err)
	}
	ev.Seq, ev.DuplicateOf = res.seq, res.duplicateOf
	return nil
}
