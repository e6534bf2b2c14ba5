package public

import (
	"math/rand/v2"
	"time"
)

// Backoff spaces out reconnection attempts: doubling from Min to Max, each wait
// jittered by ±20% so many clients that lost the same server do not return in step.
type Backoff struct {
	Min, Max time.Duration
	attempt  int
}

// Next is the wait before the next attempt.
func (b *Backoff) Next() time.Duration {
	lo, hi := b.Min, b.Max
	if lo <= 0 {
		lo = time.Second
	}
	if hi < lo {
		hi = lo
	}
	d := lo << min(b.attempt, 30)
	if d <= 0 || d > hi {
		d = hi
	}
	b.attempt++
	jitter := time.Duration((rand.Float64()*0.4 - 0.2) * float64(d))
	return d + jitter
}

// Reset starts over from Min (after a connection that held).
func (b *Backoff) Reset() { b.attempt = 0 }
