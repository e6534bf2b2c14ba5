package present

import (
	"strconv"
	"strings"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// Row is one event as the list shows it; every text field is sanitized.
type Row struct {
	ID      string
	Seq     uint64
	Time    string // HH:MM:SS in the console's location, with the date on another day
	Verdict sig.Status
	Source  string
	Type    string
	Summary string
	// Deliveries is how many events carry this event's dedup key, when this event is a
	// redelivery (0 otherwise).
	Deliveries int
	Size       string
	Forward    ForwardState
	// Answer is what the listener answered when it was not 200: a simulated answer
	// (--respond or a) or a refusal ("413").
	Answer string
	// Via is how the request reached the listener when not straight: "relay" (its
	// JSON may have been re-serialized) or "tunnel"; "" for a direct request.
	Via string
}

// NewRow presents ev as of now (times of another day show their date); deliveries is
// the count of events sharing its dedup key.
func NewRow(ev *payloads.Event, loc *time.Location, now time.Time, deliveries int) Row {
	r := Row{
		ID:      sanitize.Line(ev.ID),
		Seq:     ev.Seq,
		Time:    Clock(ev.Received, loc, now),
		Verdict: ev.Signature.Status,
		Source:  orDash(sanitize.Line(ev.Source)),
		Type:    orDash(sanitize.Line(ev.Type)),
		Summary: sanitize.Line(summary(ev)),
		Size:    Size(ev.Size),
		Forward: ForwardOf(ev),
		Answer:  Answer(ev),
		Via:     Via(ev),
	}
	if ev.DuplicateOf != "" {
		r.Deliveries = max(deliveries, 2)
	}
	return r
}

// Clock is t's time of day in loc, preceded by the date when t is not on now's day
// ("Feb 27 13:00:05"), and by the year when it is not in now's year.
func Clock(t time.Time, loc *time.Location, now time.Time) string {
	t, now = t.In(loc), now.In(loc)
	switch {
	case t.Year() != now.Year():
		return t.Format("2006-01-02 15:04:05")
	case t.YearDay() != now.YearDay():
		return t.Format("Jan 02 15:04:05")
	}
	return t.Format("15:04:05")
}

// Answer is what the listener answered ev when that was not a plain 200: the status
// of a simulated answer, "timeout", or the status of a refusal; "" otherwise.
func Answer(ev *payloads.Event) string {
	switch {
	case ev.Simulated != "" && strings.HasPrefix(ev.Simulated, "timeout"):
		return "timeout"
	case ev.Status != 0 && ev.Status != 200:
		return strconv.Itoa(ev.Status)
	}
	return ""
}

// Via is how ev reached the listener: "relay", "tunnel", or "" when directly.
func Via(ev *payloads.Event) string {
	switch via, _, _ := strings.Cut(tunnel.Via(ev.Headers), " "); via {
	case tunnel.ViaRelay, tunnel.ViaTunnel:
		return via
	}
	return ""
}

// summary is the catalog's one-liner, or what the request itself says when there is none.
func summary(ev *payloads.Event) string {
	switch {
	case ev.Rejected != "":
		return "rejected: " + ev.Rejected
	case ev.Summary != "":
		return ev.Summary
	}
	s := ev.Method + " " + ev.Path
	if ev.BodyKind == payloads.BodyBinary {
		s += " (binary)"
	}
	return strings.TrimSpace(s)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
