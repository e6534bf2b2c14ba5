package cli

import (
	"cmp"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/tunnel"
)

// eventPrinter is listen's output: a line per committed event and, under it, a line
// per forward attempt. Events come from the printer loop and attempts from the
// forwarder, so writes are serialized.
type eventPrinter struct {
	w    io.Writer
	json bool

	mu  sync.Mutex
	err error // the first failed write of an attempt line
}

func (p *eventPrinter) event(ev *payloads.Event) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return writeEvent(p.w, ev, p.json)
}

// forwardLine is the --json form of one forward attempt.
type forwardLine struct {
	Forward struct {
		ID        string  `json:"id"`
		Target    string  `json:"target"`
		Status    int     `json:"status"`
		LatencyMS float64 `json:"latency_ms"`
		Error     string  `json:"error,omitempty"`
		Attempt   int     `json:"attempt"`
		NextRetry string  `json:"next_retry,omitempty"` // RFC 3339; absent when settled
		OK        bool    `json:"ok"`
	} `json:"forward"`
}

// forward prints one attempt, e.g. "  → 500 POST http://localhost:3000/webhooks 12ms (retry in 2s)".
func (p *eventPrinter) forward(r tunnel.ForwardResult) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return
	}
	a := r.Attempt
	if p.json {
		var l forwardLine
		l.Forward.ID, l.Forward.Target, l.Forward.Status, l.Forward.Error = r.EventID, a.Target, a.Status, a.Error
		l.Forward.LatencyMS = float64(a.Latency.Microseconds()) / 1000
		l.Forward.Attempt, l.Forward.OK = r.Try, tunnel.AttemptOK(a)
		if !r.NextRetry.IsZero() {
			l.Forward.NextRetry = r.NextRetry.UTC().Format(time.RFC3339Nano)
		}
		p.err = writeJSON(p.w, l, false)
		return
	}
	_, p.err = fmt.Fprintln(p.w, clean(forwardText(r)))
}

func forwardText(r tunnel.ForwardResult) string {
	a := r.Attempt
	status := fmt.Sprint(a.Status)
	if a.Status == 0 {
		status = "---"
	}
	s := fmt.Sprintf("  → %s %s %s %s", status, cmp.Or(r.Method, "POST"), a.Target, a.Latency.Round(time.Millisecond))
	if a.Error != "" {
		s += " " + a.Error
	}
	if r.Try > 1 {
		s += fmt.Sprintf(" (try %d)", r.Try)
	}
	switch {
	case !r.NextRetry.IsZero():
		s += " (retry in " + tunnel.HumanWait(time.Until(r.NextRetry)) + ")"
	case r.Pending:
		s += " (forwarded when dexra-tui starts again with this --forward-to)"
	case !tunnel.AttemptOK(a) && tunnel.Retryable(a):
		s += " (not retried: replay it with dexra-tui replay --failed)"
	}
	return s + " · event " + r.EventID
}
