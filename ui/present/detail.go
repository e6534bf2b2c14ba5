package present

import (
	"fmt"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// Detail is everything the detail pane shows for one event.
type Detail struct {
	ID    string
	Title Line
	Tabs  [NumTabs]Doc
}

// Dedup is what the history knows about an event's dedup key.
type Dedup struct {
	FirstID    string
	Deliveries int
}

// Options say how a detail is laid out.
type Options struct {
	Location *time.Location // times are shown in it
	Width    int            // the pane's width (a hex dump narrows to fit)
}

// NewDetail presents ev for the detail pane.
func NewDetail(ev *payloads.Event, opts Options, dedup Dedup) Detail {
	loc := opts.Location
	title := Line{
		VerdictSpan(ev.Signature.Status),
		span(Label, " "+orDash(sanitize.Line(ev.Type))),
		span(Muted, " · "),
		span(Plain, orDash(sanitize.Line(ev.Source))),
		span(Muted, " · "+shortID(sanitize.Line(ev.ID))),
		span(Muted, "  received "+ev.Received.In(loc).Format("15:04:05")),
	}
	if ev.DuplicateOf != "" {
		title = append(title, span(Dup, fmt.Sprintf("  ↺ redelivery (%d deliveries, first %s)", max(dedup.Deliveries, 2), shortID(sanitize.Line(ev.DuplicateOf)))))
	}
	if ev.Rejected != "" {
		title = append(title, span(Fail, fmt.Sprintf("  rejected %d: %s", ev.Status, sanitize.Line(ev.Rejected))))
	}
	d := Detail{ID: ev.ID, Title: title}
	d.Tabs[TabBody] = Body(ev, opts.Width)
	d.Tabs[TabHeaders] = Headers(ev)
	d.Tabs[TabSignature] = Signature(ev)
	d.Tabs[TabSchema] = Schema(ev)
	d.Tabs[TabRaw] = Raw(ev)
	return d
}

// shortID keeps the first 10 characters of a ULID, enough to tell events apart.
func shortID(id string) string {
	if len(id) > 10 {
		return id[:10] + "…"
	}
	return id
}
