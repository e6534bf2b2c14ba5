package tunnel

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/dexra/dexra-tui/internal/durationtext"
	"github.com/dexra/dexra-tui/payloads"
)

// RetryPolicy is how a failed forward is tried again: after First, doubling up to Max
// (then every Max), with jitter, for For from the event's first attempt. A 429 or 503
// with Retry-After waits what the app asked for.
type RetryPolicy struct {
	For   time.Duration // how long an event is retried; 0: DefaultRetryFor; < 0: never
	First time.Duration // the first wait; 0: 1s
	Max   time.Duration // the longest wait; 0: 1m
}

// DefaultRetryFor is how long a failed forward is retried by default.
const DefaultRetryFor = time.Hour

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.For == 0 {
		p.For = DefaultRetryFor
	}
	if p.First <= 0 {
		p.First = time.Second
	}
	if p.Max <= 0 {
		p.Max = time.Minute
	}
	return p
}

// Retryable says whether an answer is worth trying again: no answer at all (refused,
// timed out, reset), a 5xx, 408 or 429. Any other answer is final: a 4xx says the app
// refused this event, and sending it again would only block the events behind it.
func Retryable(a payloads.Attempt) bool {
	if AttemptOK(a) {
		return false
	}
	return a.Status == 0 || a.Status >= 500 || a.Status == http.StatusRequestTimeout || a.Status == http.StatusTooManyRequests
}

// wait is how long to wait before try+1, after try failed with a; jitter in [0,1)
// spreads retries of many events (±20%).
func (p RetryPolicy) wait(try int, a payloads.Attempt, jitter float64) time.Duration {
	if d, ok := retryAfter(a); ok {
		return min(d, p.Max*10) // honoured, within reason
	}
	d := p.First
	for i := 1; i < try && d < p.Max; i++ {
		d *= 2
	}
	d = min(d, p.Max)
	return time.Duration(float64(d) * (0.8 + 0.4*jitter))
}

// retryAfter reads the app's Retry-After (seconds or an HTTP date) on a 429 or 503.
func retryAfter(a payloads.Attempt) (time.Duration, bool) {
	if a.Status != http.StatusTooManyRequests && a.Status != http.StatusServiceUnavailable {
		return 0, false
	}
	v := a.ResponseHeaders.Get("Retry-After")
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

// ForwardResult is one forward attempt as the forwarder reports it: the attempt, which
// try it was, and when the next one will be (zero when this one settled the event).
type ForwardResult struct {
	EventID   string
	Method    string // the event's, as sent
	Attempt   payloads.Attempt
	Try       int
	NextRetry time.Time
	// Pending: the forwarder stopped before settling the event; a later start with the
	// same target resumes it.
	Pending bool
	// Err says the attempt could not be recorded in the history.
	Err error
}

// deliver sends ev to q's target until it is answered for good, its retry time is
// over, or the forwarder stops; it reports whether ev was settled (a later start must
// not send it again).
func (f *Forwarder) deliver(q *targetQueue, ev *payloads.Event) (settled bool) {
	first := time.Now()
	for try := 1; ; try++ {
		// Sent with the query as received; recorded with it redacted, as the history keeps it.
		d := newDelivery(ev, q.target.URLFor(ev.Path, ev.Query), f.recordedURL(q, ev), f.cfg.Secrets)
		a := send(f.deliverCtx, f.client, d, ModeForward, f.cfg.Timeout)
		aborted := f.deliverCtx.Err() != nil && !AttemptOK(a)
		if aborted {
			a.Error = abandonedError
			f.aborted.Add(1)
		}
		var next time.Time
		if !aborted && Retryable(a) && f.retry.For > 0 && !f.isStopping() {
			if w := f.retry.wait(try, a, rand.Float64()); time.Since(first)+w <= f.retry.For {
				next = time.Now().Add(w)
			}
		}
		f.logOutcome(q.done(a, ev.Seq, true, next), a, !next.IsZero())
		f.failed.note(ev, a)
		unsettled := next.IsZero() && (aborted || (f.isStopping() && Retryable(a)))
		f.writer.add(ForwardResult{EventID: ev.ID, Method: ev.Method, Attempt: a, Try: try, NextRetry: next,
			Pending: unsettled && f.cursors != nil})
		if next.IsZero() {
			if unsettled && !aborted {
				f.unsettled.Add(1)
			}
			return !unsettled
		}
		if !q.waitRetry(next, f.stopping, f.deliverCtx.Done()) {
			q.stopWaiting(ev.Seq) // the next start resumes it
			f.unsettled.Add(1)
			return false
		}
	}
}

func (f *Forwarder) isStopping() bool {
	select {
	case <-f.stopping:
		return true
	default:
		return false
	}
}

// RetryNow makes every target waiting to retry an event try it at once (R in the
// console); false if none was waiting.
func (f *Forwarder) RetryNow() bool {
	any := false
	for _, q := range f.queues {
		if q.kickRetry() {
			any = true
		}
	}
	return any
}

// HumanWait is a wait as people say it: "3s", "1m20s", "2h5m" (59.6 s is "1m").
func HumanWait(d time.Duration) string {
	switch d = max(d, 0); {
	case d < time.Second:
		return "<1s"
	case d < time.Hour:
		return durationtext.Compact(d.Round(time.Second))
	default:
		return durationtext.Compact(d.Round(time.Minute))
	}
}
