package ui

import "github.com/dexra/dexra-tui/tunnel"

// RecordedAttempts tells the console that the forwarder wrote attempts to the history.
// The forwarder's health counts an attempt when it is made, a moment before it is in
// the history, so rows read on that count can miss it; rows are read again on this.
// Pass Notify as tunnel.ForwardConfig.OnAttempt and the value as Options.Recorded.
type RecordedAttempts struct{ c chan struct{} }

// NewRecordedAttempts makes the relay; one is enough for any number of attempts.
func NewRecordedAttempts() *RecordedAttempts {
	return &RecordedAttempts{c: make(chan struct{}, 1)}
}

// Notify says one more attempt is in the history; it never blocks (news already
// pending covers this one too).
func (r *RecordedAttempts) Notify(tunnel.ForwardResult) {
	select {
	case r.c <- struct{}{}:
	default:
	}
}

// news is nil for a nil relay: a select on it never fires.
func (r *RecordedAttempts) news() <-chan struct{} {
	if r == nil {
		return nil
	}
	return r.c
}

// attemptsRecordedMsg says attempts were written to the history since the last one.
type attemptsRecordedMsg struct{}
