package present

import (
	"bytes"
	"fmt"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// TabTimeline is the extra tab of a sent message, or of a webhook about one: after
// the NumTabs tabs every event has, selected with key 7.
const TabTimeline = NumTabs

// Timeline tab titles, full and short.
const (
	TimelineName      = "Timeline"
	TimelineShortName = "Time"
)

// MessageTimeline is one sent message's story as the history holds it (the shape of
// tunnel.Timeline, kept here so present stays pure).
type MessageTimeline struct {
	MessageID string
	Sent      *payloads.Event // nil: the history holds no send of it
	Entries   []TimelineEntry
}

// TimelineEntry is one webhook about the message.
type TimelineEntry struct {
	Event      *payloads.Event
	Status     string
	Offset     time.Duration // since the send
	Duplicate  bool
	OutOfOrder bool
}

// SentBefore is how long before ev (one of tl's webhooks) the message was sent; ok is
// false when the history holds no send, or ev is not one of the webhooks.
func (tl MessageTimeline) SentBefore(ev *payloads.Event) (time.Duration, bool) {
	if tl.Sent == nil {
		return 0, false
	}
	for _, e := range tl.Entries {
		if e.Event.ID == ev.ID {
			return e.Offset, true
		}
	}
	return 0, false
}

// Timeline presents tl as seen from ev (the sent message or one of its webhooks): the
// request, the answer, then every webhook with its time relative to the send,
// duplicates and out-of-order statuses marked; jumpKey names the key that opens the
// sent message from a webhook.
func Timeline(ev *payloads.Event, tl MessageTimeline, jumpKey string) Doc {
	var doc Doc
	msgID := sanitize.Line(tl.MessageID)
	if ev.Direction != payloads.Outbound {
		if before, ok := tl.SentBefore(ev); ok {
			doc = append(doc, Line{span(Label, "status of message "), span(Plain, msgID),
				span(Plain, ", sent "+SinceSend(before)+" before"), span(Muted, " · "+jumpKey+" opens the sent message")})
		} else {
			doc = append(doc, Line{span(Label, "about message "), span(Plain, msgID),
				span(Muted, ": the history holds no send of it (sent from elsewhere, or before this history)")})
		}
		doc = append(doc, nil)
	}
	doc = append(doc, field("Message", span(Plain, msgID)))
	if s := tl.Sent; s != nil {
		doc = append(doc, field("Request", span(Plain, "POST "+sanitize.Line(s.Host+s.Path))))
		if len(s.Body) > 0 {
			body, note := clip(s.Body, 2048)
			doc = append(doc, Line{span(Plain, padRight("", 10)), span(String, sanitize.Line(string(body))+note)})
		}
		doc = append(doc, answerLine(s))
	}
	doc = append(doc, nil)
	if tl.Sent != nil {
		doc = append(doc, Line{span(Offset, fmt.Sprintf("%8s", "+0.00s")), span(Plain, " "), span(Label, "send-message"),
			span(Muted, " "+sanitize.Line(tl.Sent.Summary)), mark(tl.Sent, ev)})
	}
	if len(tl.Entries) == 0 {
		doc = append(doc, Line{span(Muted, "no webhook about this message yet; they are added here as they arrive")})
	}
	for _, e := range tl.Entries {
		doc = append(doc, entryLine(e, ev))
	}
	return doc
}

// answerLine is the platform's answer to the send: status, body, tries, latency.
func answerLine(s *payloads.Event) Line {
	if len(s.Attempts) == 0 {
		return field("Answer", span(Muted, "none recorded"))
	}
	last := s.Attempts[len(s.Attempts)-1]
	kind := Pass
	if !attemptOK(last) {
		kind = Fail
	}
	l := field("Answer", span(kind, statusText(last.Status)))
	if len(last.ResponseBody) > 0 {
		body, note := clip(bytes.TrimSpace(last.ResponseBody), 512)
		l = append(l, span(Plain, " "+sanitize.Line(string(body))+note))
	}
	if last.Error != "" && last.Status/100 != 2 {
		l = append(l, span(Fail, " "+sanitize.Line(last.Error)))
	}
	return append(l, span(Muted, fmt.Sprintf(" · %s · %s", plural(len(s.Attempts), "try"), Latency(last.Latency))))
}

// entryLine is e.g. "  +0.90s delivered ✓  01JX4T8K2M…".
func entryLine(e TimelineEntry, from *payloads.Event) Line {
	what := e.Status
	if what == "" {
		what = orDash(sanitize.Line(e.Event.Type))
	}
	l := Line{span(Offset, fmt.Sprintf("%8s", SinceSend(e.Offset))), span(Plain, " "), span(Label, what), span(Plain, " "), VerdictSpan(e.Event.Signature.Status)}
	if e.Duplicate {
		l = append(l, span(Dup, " ↺ duplicate"))
	}
	if e.OutOfOrder {
		l = append(l, span(Fail, " ⇅ out of order"))
	}
	l = append(l, span(Muted, "  "+ShortID(sanitize.Line(e.Event.ID))))
	return append(l, mark(e.Event, from))
}

// mark points at the event the pane shows.
func mark(ev, shown *payloads.Event) Span {
	if ev.ID == shown.ID {
		return span(Label, "  ◀ this event")
	}
	return span(Plain, "")
}

// SinceSend is a time since the send: +0.12s, +1m03s, -0.20s (a webhook stamped before
// the send finished recording).
func SinceSend(d time.Duration) string {
	sign := "+"
	if d < 0 {
		sign, d = "-", -d
	}
	if d >= time.Minute {
		return sign + Human(d)
	}
	return fmt.Sprintf("%s%.2fs", sign, d.Seconds())
}
