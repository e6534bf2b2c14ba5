package present

import (
	"strings"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// Row is one event as the list shows it; every text field is sanitized.
type Row struct {
	ID      string
	Seq     uint64
	Time    string // HH:MM:SS in the console's location
	Verdict sig.Status
	Source  string
	Type    string
	Summary string
	// Deliveries is how many events carry this event's dedup key, when this event is a
	// redelivery (0 otherwise).
	Deliveries int
	Size       string
	Forward    ForwardState
}

// NewRow presents ev; deliveries is the count of events sharing its dedup key.
func NewRow(ev *payloads.Event, loc *time.Location, deliveries int) Row {
	r := Row{
		ID:      sanitize.Line(ev.ID),
		Seq:     ev.Seq,
		Time:    ev.Received.In(loc).Format("15:04:05"),
		Verdict: ev.Signature.Status,
		Source:  orDash(sanitize.Line(ev.Source)),
		Type:    orDash(sanitize.Line(ev.Type)),
		Summary: sanitize.Line(summary(ev)),
		Size:    Size(ev.Size),
		Forward: ForwardOf(ev),
	}
	if ev.DuplicateOf != "" {
		r.Deliveries = max(deliveries, 2)
	}
	return r
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
