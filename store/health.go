package store

import (
	"fmt"
	"slices"
	"time"
)

// When commits fail (a full disk, most often) the store does not give up: appends
// fail at once (the listener answers 503, so the platform retries later) while a
// timer retries what failed, the log first (heal: the bytes a failed write left are
// zeroed and room ahead is allocated again, then synced) and then the history (every
// event logged but not applied, applied again). Once both succeed appends are taken
// again, without a restart; nothing acknowledged was ever outside the synced log.

// Retry delays: the first retry, doubled after each failure up to the last. Each
// logger takes them when it starts (tests shorten them).
var (
	retryFirst = 250 * time.Millisecond
	retryMax   = time.Second
)

// Health is the state of the store's commits.
type Health struct {
	Failing bool
	Err     error     // the first failure of this spell (while Failing, or the spell just healed)
	Since   time.Time // when it began
	Refused int       // appends refused since
	Retries int       // retries that failed since
}

// Health says whether commits are failing now (appends are refused meanwhile), since
// when, why, and how many appends were refused. A read-only store is always healthy.
func (s *Store) Health() Health {
	if s.log == nil {
		return Health{}
	}
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	return s.log.health
}

// fail starts a spell of failing commits, or adds to it. logBroken: the log must be
// healed before it takes writes; applying: the history failed to take logged events.
func (l *logger) fail(err error, logBroken, applying bool) {
	l.mu.Lock()
	if logBroken {
		l.logBroken = true
	}
	if applying && l.applyFailed == nil {
		l.applyFailed = err
	}
	start := l.failing == nil
	if start {
		l.failing = err
		l.health = Health{Failing: true, Err: err, Since: time.Now()}
	}
	if !l.retrying && !l.closed {
		l.retrying = true
		go l.retryTimer()
	}
	h := l.health
	l.caughtUp.Broadcast()
	l.mu.Unlock()
	if start && l.onState != nil {
		l.onState(h)
	}
}

// retryTimer makes a retry due, with growing delays, while commits fail.
func (l *logger) retryTimer() {
	delay := l.retryFirst
	for {
		select {
		case <-l.stopped:
			return
		case <-time.After(delay):
		}
		l.mu.Lock()
		if l.failing == nil || l.closed {
			l.retrying = false
			l.mu.Unlock()
			return
		}
		l.retryDue = true
		l.ready.Signal()
		l.mu.Unlock()
		delay = min(2*delay, l.retryMax)
	}
}

// retry runs on the loop's goroutine (the log's only writer): it heals the log, then
// applies again what the history failed to take.
func (l *logger) retry() {
	l.mu.Lock()
	logBroken, applyBroken := l.logBroken, l.applyFailed != nil
	l.mu.Unlock()
	if logBroken {
		if err := l.wal.heal(); err != nil {
			l.retryFailed()
			return
		}
		l.mu.Lock()
		l.logBroken = false
		l.mu.Unlock()
	}
	if applyBroken {
		l.reapply()
		return
	}
	l.healed()
}

func (l *logger) retryFailed() {
	l.mu.Lock()
	l.health.Retries++
	l.mu.Unlock()
}

// reapply queues every event logged but not applied for the history again, in
// batches; when all are applied, commits have healed.
func (l *logger) reapply() {
	l.mu.Lock()
	if l.reapplying {
		l.mu.Unlock()
		return
	}
	l.reapplying = true
	entries := slices.Clone(l.unapplied)
	l.mu.Unlock()
	var chunks [][]*loggedEvent
	for len(entries) > 0 {
		n := min(len(entries), maxLogBatch)
		chunks, entries = append(chunks, entries[:n]), entries[n:]
	}
	if len(chunks) == 0 {
		l.reapplied(nil)
		return
	}
	var failed error
	for i, chunk := range chunks {
		fn, after := l.applyFn(chunk)
		last := i == len(chunks)-1
		l.writes.enqueue(fn, func(err error) {
			after(err) // a failure starts or adds to the spell again
			if err != nil && failed == nil {
				failed = err // the committer runs these callbacks one at a time
			}
			if last {
				l.reapplied(failed)
			}
		})
	}
}

// reapplied ends a reapply: err is the first failure of its batches.
func (l *logger) reapplied(err error) {
	l.mu.Lock()
	l.reapplying = false
	if err == nil {
		l.applyFailed = nil
	}
	l.caughtUp.Broadcast()
	l.mu.Unlock()
	if err != nil {
		l.retryFailed()
		return
	}
	l.healed()
}

// healed ends the spell once neither the log nor the history is failing.
func (l *logger) healed() {
	l.mu.Lock()
	if l.failing == nil || l.logBroken || l.applyFailed != nil {
		l.mu.Unlock()
		return
	}
	h := l.health
	h.Failing = false
	l.failing = nil
	l.health = Health{}
	l.mu.Unlock()
	if l.onState != nil {
		l.onState(h)
	}
}

// String is the state for a status line or a log.
func (h Health) String() string {
	if !h.Failing && h.Err != nil {
		return fmt.Sprintf("commits healed after %s (%d appends refused meanwhile, %d retries failed; the failure was: %v)",
			time.Since(h.Since).Round(time.Millisecond), h.Refused, h.Retries, h.Err)
	}
	if !h.Failing {
		return "commits ok"
	}
	return fmt.Sprintf("commits failing since %s (%d appends refused, %d retries): %v",
		h.Since.Format(time.TimeOnly), h.Refused, h.Retries, h.Err)
}
