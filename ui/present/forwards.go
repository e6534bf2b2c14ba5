package present

import (
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// ForwardState is how an event's deliveries to the developer's app went.
type ForwardState uint8

const (
	ForwardNone   ForwardState = iota // never forwarded or replayed
	ForwardOK                         // the latest attempt to every target got a 2xx
	ForwardFailed                     // the latest attempt to some target did not
)

// ForwardOf sums up ev's attempts: for each target only the latest one counts.
func ForwardOf(ev *payloads.Event) ForwardState {
	if len(ev.Attempts) == 0 {
		return ForwardNone
	}
	latest := make(map[string]payloads.Attempt, 2)
	for _, a := range ev.Attempts {
		if prev, ok := latest[a.Target]; !ok || !a.At.Before(prev.At) {
			latest[a.Target] = a
		}
	}
	for _, a := range latest {
		if !attemptOK(a) {
			return ForwardFailed
		}
	}
	return ForwardOK
}

// ForwardGlyph is the list's one-cell mark of a forward state.
func ForwardGlyph(s ForwardState) string {
	switch s {
	case ForwardOK:
		return "↦"
	case ForwardFailed:
		return "↛"
	}
	return " "
}

// attemptOK is a 2xx answer (tunnel.AttemptOK, kept here so present stays pure).
func attemptOK(a payloads.Attempt) bool {
	return a.Error == "" && a.Status >= 200 && a.Status <= 299
}

// Forwards presents every forward and replay attempt, newest first, each with the
// app's answer: status, headers and body (JSON pretty-printed).
func Forwards(ev *payloads.Event, opts Options) Doc {
	var doc Doc
	if ev.DerivedFrom != "" {
		doc = append(doc, field("Edited", span(Plain, "this body was sent by an edited replay of "+sanitize.Line(ev.DerivedFrom))), nil)
	}
	n := len(ev.Attempts)
	if n == 0 {
		hint := "Start dexra-tui with --forward-to URL to forward every event to your app."
		switch {
		case ev.Rejected != "":
			hint = "The listener refused it and kept no body: it is not forwarded."
		case ev.Direction == payloads.Outbound:
			hint = "dexra-tui sent it: only received webhooks are forwarded."
		case ev.IsHandshake():
			hint = "A setup handshake the listener answered itself: it is not forwarded."
		case opts.Forwarding:
			hint = "Forwarding is on: events received while it runs are sent to your app in turn; the header counts those waiting."
		}
		return append(doc,
			Line{span(Muted, "Not forwarded or replayed yet.")},
			nil,
			Line{span(Label, "r"), span(Plain, "  replays it to your app   "), span(Label, "e"), span(Plain, "  edits the body, then replays it")},
			Line{span(Muted, hint)})
	}
	ok := 0
	for _, a := range ev.Attempts {
		if attemptOK(a) {
			ok++
		}
	}
	head := Line{span(Label, plural(n, "attempt")), span(Muted, " · newest first · ")}
	head = append(head, span(Pass, fmt.Sprintf("%d ok", ok)))
	if n-ok > 0 {
		head = append(head, span(Muted, " · "), span(Fail, fmt.Sprintf("%d failed", n-ok)))
	}
	doc = append(doc, head)
	for i := n - 1; i >= 0; i-- {
		doc = append(doc, nil)
		doc = append(doc, attempt(i+1, ev.Attempts[i], opts)...)
	}
	return doc
}

// attempt presents attempt number num.
func attempt(num int, a payloads.Attempt, opts Options) Doc {
	head := Line{
		span(Label, fmt.Sprintf("#%d", num)),
		span(Muted, " "+a.At.In(opts.Location).Format("15:04:05")+" "),
		span(Plain, orDash(sanitize.Line(a.Mode))),
		span(Muted, " → "),
		outcome(a),
		span(Muted, " · "+Latency(a.Latency)),
	}
	doc := Doc{head, field("Target", span(Plain, sanitize.Line(a.Target)))}
	if a.Error != "" {
		doc = append(doc, field("Error", span(Fail, sanitize.Line(a.Error))))
	}
	if a.Warning != "" {
		doc = append(doc, field("Warning", span(Missing, sanitize.Line(a.Warning))))
	}
	if a.DerivedID != "" {
		doc = append(doc, field("Sent as", span(Plain, sanitize.Line(a.DerivedID)), span(Muted, " (the edited event)")))
	}
	if a.Status == 0 {
		return doc // no answer to show
	}
	doc = append(doc, field("Response", span(Plain, statusText(a.Status)),
		span(Muted, fmt.Sprintf(" · %s · %s bytes", plural(len(a.ResponseHeaders), "header"), Count(len(a.ResponseBody))))))
	doc = append(doc, indent(responseHeaders(a.ResponseHeaders))...)
	if len(a.ResponseHeaders) > 0 && len(a.ResponseBody) > 0 {
		doc = append(doc, nil)
	}
	if len(a.ResponseBody) > 0 {
		body := &payloads.Event{Body: a.ResponseBody, BodyKind: payloads.KindOf(a.ResponseBody)}
		doc = append(doc, indent(Body(body, max(opts.Width-2, 0)))...)
	}
	if a.ResponseTruncated {
		doc = append(doc, Line{span(Muted, fmt.Sprintf("  … the app sent more: the first %s bytes are kept", Count(len(a.ResponseBody))))})
	}
	return doc
}

// outcome is the status with its reason phrase, or that there was no answer.
func outcome(a payloads.Attempt) Span {
	switch {
	case a.Status == 0:
		return span(Fail, "✗ no answer")
	case attemptOK(a):
		return span(Pass, statusText(a.Status))
	}
	return span(Fail, statusText(a.Status))
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("%d %s", code, t)
	}
	return fmt.Sprint(code)
}

func responseHeaders(h http.Header) Doc {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	var doc Doc
	for _, name := range names {
		for _, v := range h[name] {
			doc = append(doc, Line{span(Key, sanitize.Line(name)), span(Punct, ": "), span(Plain, sanitize.Line(v))})
		}
	}
	return doc
}

// indent shifts every line of doc two cells right.
func indent(doc Doc) Doc {
	out := make(Doc, len(doc))
	for i, l := range doc {
		if len(l) == 0 {
			continue
		}
		out[i] = append(Line{span(Plain, "  ")}, l...)
	}
	return out
}

// Latency is a short duration: 0.4ms, 12ms, 1.3s.
func Latency(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d >= time.Minute:
		return Human(d)
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

// plural is "1 attempt", "3 attempts".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return Count(n) + " " + noun + "s"
}
