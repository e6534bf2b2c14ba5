package tunnel

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// logEvery is how often a repeating problem (failed commits, refused requests, failed
// forwards) is logged again, with how many times it happened since.
const logEvery = 10 * time.Second

// throttle lets the first line of each kind through at once, then one per logEvery,
// saying how many it held back: a flood of bad requests cannot flood the log.
type throttle struct {
	mu    sync.Mutex
	kinds map[string]*throttled
	now   func() time.Time
}

type throttled struct {
	last time.Time
	held int
}

func newThrottle() *throttle { return &throttle{kinds: map[string]*throttled{}, now: time.Now} }

// allow says whether a line of kind may be logged now, and how many were held back
// since the last one that was.
func (t *throttle) allow(kind string) (bool, int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := t.kinds[kind]
	if k == nil {
		if len(t.kinds) > 1000 {
			clear(t.kinds) // kinds are a few fixed names and targets; never grow without end
		}
		k = &throttled{}
		t.kinds[kind] = k
	}
	now := t.now()
	if !k.last.IsZero() && now.Sub(k.last) < logEvery {
		k.held++
		return false, 0
	}
	held := k.held
	k.last, k.held = now, 0
	return true, held
}

// CommitHealth says whether the listener's commits to the history are failing (it
// answers 503 meanwhile), for the console's header.
type CommitHealth struct {
	Failing  bool
	Failures int       // requests answered 503 since Since
	Since    time.Time // the first failure of this run of them
	Err      string    // the latest failure
}

// commitWatch logs the first failed commit with why, then a count every logEvery, and
// the recovery; a successful commit costs one atomic load.
type commitWatch struct {
	failing atomic.Bool
	mu      sync.Mutex
	h       CommitHealth
	logged  time.Time
	counted int // failures at the last log line
	now     func() time.Time
}

func (c *commitWatch) failed(log *slog.Logger, id string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	c.h.Failures++
	c.h.Err = err.Error()
	if !c.h.Failing {
		c.h.Failing, c.h.Since = true, now
		c.failing.Store(true)
		c.logged, c.counted = now, c.h.Failures
		log.Error("listener: the history could not commit an event; answering 503 until it can (nothing is acknowledged meanwhile)",
			"id", id, "err", err)
		return
	}
	if now.Sub(c.logged) >= logEvery {
		log.Error("listener: commits still failing; answering 503",
			"failures", c.h.Failures, "new", c.h.Failures-c.counted, "since", c.h.Since.Format(time.RFC3339), "err", err)
		c.logged, c.counted = now, c.h.Failures
	}
}

func (c *commitWatch) ok(log *slog.Logger) {
	if !c.failing.Load() {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.h.Failing {
		return
	}
	log.Info("listener: commits work again; answering 2xx",
		"failures", c.h.Failures, "for", c.now().Sub(c.h.Since).Round(time.Millisecond).String())
	c.h = CommitHealth{}
	c.failing.Store(false)
}

func (c *commitWatch) health() CommitHealth {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.h
}

// CommitHealth reports whether commits are failing now.
func (l *Listener) CommitHealth() CommitHealth { return l.commits.health() }

// logRefused logs a request refused without being recorded (400, 431, 501 from
// net/http; an unreadable body), at most one line per logEvery per status.
func (l *Listener) logRefused(status, remote, detail string) {
	ok, held := l.throttle.allow("refused " + status)
	if !ok {
		return
	}
	args := []any{"status", safeText(status), "remote", safeText(remote)}
	if detail != "" {
		args = append(args, "detail", detail)
	}
	if held > 0 {
		args = append(args, "more_since_last_line", held)
	}
	l.log.Warn("listener: refused a request; nothing recorded", args...)
}
