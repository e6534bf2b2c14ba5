package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
	"unicode/utf8"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/tunnel"
)

// The handler check's probes, as the history keeps them.
const (
	checkSource = "check"
	checkMode   = "check"
	// checkBurstKept is how many of the burst's concurrent requests are recorded: they
	// are the same valid event, and fifty rows would bury the rest of the card.
	checkBurstKept = 1
)

// checkRecorder records each probe's requests as outbound events, so that what the
// handler was sent can be inspected (and replayed) like any other event.
type checkRecorder struct {
	appender interface{ Append(*payloads.Event) error } // nil: nothing is recorded
	hub      *tunnel.Hub                                // nil: the list learns at its next read
	now      func() time.Time
}

// record appends the probes' requests; it counts what it recorded and stops at the
// first failure (a full disk fails them all).
func (r checkRecorder) record(report tunnel.CheckReport) (int, error) {
	if r.appender == nil {
		return 0, nil
	}
	run := payloads.NewID(r.now())
	n := 0
	for _, p := range report.Probes {
		for i, ex := range p.Requests {
			if p.Name == "burst" && i >= checkBurstKept {
				break
			}
			ev := probeEvent(run, p, i, ex, r.now().UTC())
			if err := r.appender.Append(ev); err != nil {
				return n, fmt.Errorf("recording probe %d: %w", p.Number, err)
			}
			n++
			if r.hub != nil {
				r.hub.Publish(ev.Clone())
			}
		}
	}
	return n, nil
}

// probeEvent is request i of probe p: what was sent (secrets redacted), and the
// handler's answer as its attempt. All probes of one run share the correlation key.
func probeEvent(run string, p tunnel.ProbeResult, i int, ex tunnel.ProbeExchange, at time.Time) *payloads.Event {
	ev := &payloads.Event{
		Received:    at,
		Direction:   payloads.Outbound,
		Method:      ex.Method,
		Headers:     redactProbeHeaders(ex.Header),
		Body:        ex.Body,
		Size:        len(ex.Body),
		BodyKind:    bodyKind(ex.Body),
		Source:      checkSource,
		Type:        p.Name,
		Signature:   sig.Verdict{Status: sig.Unchecked, Reason: "handler check probe: " + p.Title, SecretIndex: -1},
		Correlation: "check:" + run,
		Status:      ex.Status,
		Summary:     fmt.Sprintf("probe %d %s → %s", p.Number, p.Name, probeAnswer(ex)),
	}
	if len(p.Requests) > 1 {
		ev.Summary = fmt.Sprintf("probe %d %s (%d of %d) → %s", p.Number, p.Name, i+1, len(p.Requests), probeAnswer(ex))
	}
	if u, err := url.Parse(ex.URL); err == nil {
		ev.Host, ev.Path, ev.Query = u.Host, u.EscapedPath(), u.RawQuery
	}
	if ev.Path == "" {
		ev.Path = "/"
	}
	a := payloads.Attempt{Target: ex.URL, Mode: checkMode, At: at, Status: ex.Status, Latency: ex.Latency, ResponseBody: ex.Answer}
	if ex.Err != nil {
		a.Error = ex.Err.Error()
	}
	ev.Attempts = []payloads.Attempt{a}
	return ev
}

// redactProbeHeaders is h with the secret headers redacted (the default list), and
// the schemes' headers whose value is the secret itself (Telegram's token).
func redactProbeHeaders(h http.Header) http.Header {
	out := store.RedactHeaders(h)
	for _, name := range sig.SecretHeaders() {
		if out.Get(name) != "" {
			out.Set(name, store.Redacted)
		}
	}
	return out
}

func probeAnswer(ex tunnel.ProbeExchange) string {
	switch {
	case ex.Err != nil:
		return "no answer"
	case ex.Status == 0:
		return "no status"
	}
	return fmt.Sprint(ex.Status)
}

func bodyKind(b []byte) payloads.BodyKind {
	switch {
	case len(b) == 0:
		return payloads.BodyEmpty
	case json.Valid(b):
		return payloads.BodyJSON
	case !utf8.Valid(b):
		return payloads.BodyBinary
	}
	return payloads.BodyText
}
