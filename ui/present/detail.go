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
	Tabs  [NumTabs]Lazy
	// SchemaDeferred says the Schema tab only holds a placeholder: the body is large
	// enough that checking it waits until the tab is shown (see Schema).
	SchemaDeferred bool
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
	// IDLen is how many characters of the ID tell it apart from every other stored
	// ID (UniqueIDLen); 0 shows the first 10.
	IDLen int
	// Forwarding says a forwarder sends new events to the app, so an event without
	// attempts is told it is sent in turn rather than how to turn forwarding on.
	Forwarding bool
}

// NewDetail presents ev for the detail pane.
func NewDetail(ev *payloads.Event, opts Options, dedup Dedup) Detail {
	d := Detail{ID: ev.ID, Title: Title(ev, opts, dedup)}
	d.Tabs[TabBody] = BodyRows(ev, opts.Width)
	d.Tabs[TabHeaders] = Lazy{Head: append(about(ev, dedup), Headers(ev)...)}
	d.Tabs[TabSignature] = Lazy{Head: Signature(ev)}
	if d.SchemaDeferred = len(ev.Body) > MaxEagerSchema; d.SchemaDeferred {
		d.Tabs[TabSchema] = Lazy{Head: Doc{{span(Muted, "checking the body against the catalog's schema…")}}}
	} else {
		d.Tabs[TabSchema] = Lazy{Head: Schema(ev)}
	}
	d.Tabs[TabRaw] = RawRows(ev, opts.Width)
	d.Tabs[TabForwards] = Lazy{Head: Forwards(ev, opts)}
	return d
}

// MaxEagerSchema is the largest body whose schema check is part of presenting the
// event (a check decodes the whole body: about 100 ms for 4 MiB).
const MaxEagerSchema = 256 << 10

// Title is the one-line description of ev: verdict, type, source, ID, time, and
// whether it is a redelivery, was refused, or was sent by an edited replay.
func Title(ev *payloads.Event, opts Options, dedup Dedup) Line {
	loc := opts.Location
	title := Line{
		VerdictSpan(ev.Signature.Status),
		span(Label, " "+orDash(sanitize.Line(ev.Type))),
		span(Muted, " · "),
		span(Plain, orDash(sanitize.Line(ev.Source))),
		span(Muted, " · "+ShortIDLen(sanitize.Line(ev.ID), opts.IDLen)+" · "+ev.Received.In(loc).Format("15:04:05")),
	}
	if ev.DuplicateOf != "" {
		title = append(title, span(Dup, fmt.Sprintf(" · ↺%d", max(dedup.Deliveries, 2))))
	}
	if ev.Rejected != "" {
		title = append(title, span(Fail, fmt.Sprintf(" · rejected %d", ev.Status)))
	}
	if ev.DerivedFrom != "" {
		title = append(title, span(Muted, " · edited"))
	}
	return title
}

// aboutW is the label width of the lines above the headers ("Redelivery", "Correlates").
const aboutW = 12

// about says what the title only hints at: a rejection, a redelivery, the correlation.
func about(ev *payloads.Event, dedup Dedup) Doc {
	var doc Doc
	if ev.Rejected != "" {
		doc = append(doc, fieldW(aboutW, "Rejected", span(Fail, fmt.Sprintf("%d %s", ev.Status, sanitize.Line(ev.Rejected)))))
	}
	if ev.DuplicateOf != "" {
		doc = append(doc, fieldW(aboutW, "Redelivery", span(Dup, fmt.Sprintf("↺ %d deliveries carry this event; the first was %s",
			max(dedup.Deliveries, 2), sanitize.Line(ev.DuplicateOf)))))
	}
	if ev.DedupKey != "" {
		doc = append(doc, fieldW(aboutW, "Dedup key", span(Plain, sanitize.Line(ev.DedupKey))))
	}
	if ev.Correlation != "" {
		doc = append(doc, fieldW(aboutW, "Correlates", span(Plain, sanitize.Line(ev.Correlation))))
	}
	if len(doc) > 0 {
		doc = append(doc, nil)
	}
	return doc
}

// ShortID keeps the first 10 characters of a ULID: the millisecond it was made.
func ShortID(id string) string { return ShortIDLen(id, 10) }

// ShortIDLen keeps the first n characters of id (10 when n is 0), marked … when cut.
func ShortIDLen(id string, n int) string {
	if n <= 0 {
		n = 10
	}
	if len(id) > n {
		return id[:n] + "…"
	}
	return id
}

// MinIDLen is the shortest prefix of an ID that is shown or taken.
const MinIDLen = 6

// UniqueIDLen is the length of id's shortest prefix, at least MinIDLen, that no other
// ID shares; has says whether more than one stored ID starts with a prefix. Longer
// prefixes match fewer IDs, so it searches the lengths by halving.
func UniqueIDLen(id string, has func(prefix string) (bool, error)) (int, error) {
	lo, hi := MinIDLen, len(id) // the answer is in [lo, hi]
	if hi <= lo {
		return hi, nil
	}
	for lo < hi {
		mid := (lo + hi) / 2
		shared, err := has(id[:mid])
		if err != nil {
			return 0, err
		}
		if shared {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo, nil
}
