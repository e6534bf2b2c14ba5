// Package public gives the listener a public URL through engines that already exist:
// an in-process SSH reverse tunnel (localhost.run, pinggy, serveo, sish, your own sshd)
// or ngrok's Go SDK. Only the webhook handler is served on the public side.
package public

import (
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Phase is where a public side is in its life.
type Phase string

const (
	Connecting Phase = "connecting"
	Up         Phase = "up"
	Down       Phase = "down"   // will retry at RetryAt
	Failed     Phase = "failed" // will not retry (a changed host key, a bad token)
	Stopped    Phase = "stopped"
)

// State is what the console shows about a tunnel or relay: a value, safe to copy.
type State struct {
	Engine string // "ssh", "ngrok", "relay"
	Target string // what the user asked for: "ssh://127.0.0.1:2222", "localhost.run", a relay URL
	Phase  Phase
	// URL is the public URL to paste into the platform's dashboard (for a relay, the
	// channel URL); set while Up, kept from the last time up otherwise ("" before).
	URL string
	// Since is when the current phase began.
	Since time.Time
	// Err says why it is down or failed.
	Err string
	// RetryAt is when the next attempt starts (Down only).
	RetryAt time.Time
	// Refused counts public requests answered 401 by --public-require-signature.
	Refused int
	// LastRefusal says why the latest one was refused.
	LastRefusal string
}

// String is the state in one line for people: "up since 13:00:02 https://…",
// "down: connection refused, retry in 4 s".
func (s State) String() string {
	return s.StringAt(time.Now())
}

// StringAt is String as of now (for retry countdowns that tests can pin).
func (s State) StringAt(now time.Time) string {
	switch s.Phase {
	case Connecting:
		return "connecting to " + s.Target
	case Up:
		return fmt.Sprintf("up since %s %s", s.Since.Local().Format("15:04:05"), s.URL)
	case Down:
		if s.RetryAt.IsZero() {
			return fmt.Sprintf("down: %s, retrying", s.Err) // the engine retries on its own schedule
		}
		wait := max(0, s.RetryAt.Sub(now).Round(time.Second))
		return fmt.Sprintf("down: %s, retry in %d s", s.Err, int(wait/time.Second))
	case Failed:
		return "failed: " + s.Err
	case Stopped:
		return "stopped"
	}
	return string(s.Phase)
}

// Status holds the latest State and tells one watcher about changes without ever
// blocking the tunnel or relay: the channel keeps only the newest value.
type Status struct {
	mu      sync.Mutex
	state   State
	updates chan State
	notify  func(State) // optional, called outside the lock
}

// NewStatus starts in Connecting; notify (may be nil) hears every change and must not block.
func NewStatus(engine, target string, notify func(State)) *Status {
	return &Status{state: State{Engine: engine, Target: target, Phase: Connecting, Since: time.Now()},
		updates: make(chan State, 1), notify: notify}
}

// State is the state now.
func (s *Status) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Set changes the state with fn and publishes the result.
func (s *Status) Set(fn func(*State)) {
	s.mu.Lock()
	fn(&s.state)
	st := s.state
	select {
	case <-s.updates: // drop the stale value: watchers want the newest
	default:
	}
	s.updates <- st
	s.mu.Unlock()
	if s.notify != nil {
		s.notify(st)
	}
}

// Enter moves to phase p (err says why for Down and Failed; retryAt for Down).
func (s *Status) Enter(p Phase, err string, retryAt time.Time) {
	s.Set(func(st *State) {
		st.Phase, st.Since, st.Err, st.RetryAt = p, time.Now(), printable(err), retryAt
	})
}

// Up moves to Up with the public URL.
func (s *Status) Up(url string) {
	s.Set(func(st *State) {
		st.Phase, st.Since, st.Err, st.RetryAt, st.URL = Up, time.Now(), "", time.Time{}, url
	})
}

// Refused counts a public request turned away and says why.
func (s *Status) Refused(why string) {
	s.Set(func(st *State) { st.Refused++; st.LastRefusal = printable(why) })
}

// printable escapes what must not reach a terminal raw: errors can carry a remote
// server's words (an SSH disconnect message, a banner line).
func printable(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.IsPrint(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			fmt.Fprintf(&b, "\\u%04x", r)
		}
	}
	return b.String()
}

// Updates delivers the newest state after each change (older unread ones are dropped).
func (s *Status) Updates() <-chan State { return s.updates }
