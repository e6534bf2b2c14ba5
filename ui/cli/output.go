package cli

import (
	"encoding/base64"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/catalog"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/ui/present"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// clean makes untrusted text safe for a terminal line.
func clean(s string) string { return sanitize.Line(s) }

// eventLine is the --json form of one event in listen and events.
type eventLine struct {
	ID          string        `json:"id"`
	Received    string        `json:"received"`
	Direction   string        `json:"direction"`
	Method      string        `json:"method"`
	Path        string        `json:"path"`
	Source      string        `json:"source"`
	Type        string        `json:"type"`
	Signature   signatureLine `json:"signature"`
	DuplicateOf string        `json:"duplicate_of"`
	Correlation string        `json:"correlation"`
	Size        int           `json:"size"`
	Status      int           `json:"status"`
}

type signatureLine struct {
	Scheme string `json:"scheme"`
	Status string `json:"status"`
	Reason string `json:"reason"`
}

func toLine(ev *payloads.Event) eventLine {
	return eventLine{
		ID:          ev.ID,
		Received:    ev.Received.UTC().Format(time.RFC3339Nano),
		Direction:   string(ev.Direction),
		Method:      ev.Method,
		Path:        ev.Path,
		Source:      ev.Source,
		Type:        ev.Type,
		Signature:   signatureLine{Scheme: ev.Signature.Scheme, Status: string(ev.Signature.Status), Reason: ev.Signature.Reason},
		DuplicateOf: ev.DuplicateOf,
		Correlation: ev.Correlation,
		Size:        ev.Size,
		Status:      ev.Status,
	}
}

// writeEvent prints ev as a human line or a JSON line.
func writeEvent(w io.Writer, ev *payloads.Event, asJSON bool) error {
	if asJSON {
		_, err := w.Write(appendEventJSON(nil, ev))
		return err
	}
	_, err := fmt.Fprintln(w, humanLine(ev))
	return err
}

// humanLine is e.g. "13:00:02 ✓ delivery dexatel POST / 213B <id>".
func humanLine(ev *payloads.Event) string {
	typ := ev.Type
	if typ == "" {
		typ = "-"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s %s %s %s %dB %s",
		ev.Received.Local().Format("15:04:05"), present.Glyph(ev.Signature.Status), typ, ev.Source,
		ev.Method, ev.Path, ev.Size, ev.ID)
	if ev.DuplicateOf != "" {
		b.WriteString(" dup-of " + ev.DuplicateOf)
	}
	switch {
	case ev.Simulated != "":
		b.WriteString(" answered " + ev.Simulated + " (--respond)")
	case ev.Status != 0 && ev.Status != http.StatusOK:
		fmt.Fprintf(&b, " answered %d", ev.Status)
	}
	if ev.Signature.Status != sig.Pass && ev.Signature.Reason != "" {
		b.WriteString(" (" + ev.Signature.Reason + ")")
	}
	return clean(b.String())
}

// showJSON is the --json form of show: the whole event with headers and body, and
// the body's check against the current catalog.
type showJSON struct {
	*payloads.Event
	Schema     catalog.Result `json:"schema"`
	Body       *string        `json:"body,omitempty"`
	BodyBase64 *string        `json:"body_base64,omitempty"`
}

func writeShow(w io.Writer, ev *payloads.Event, asJSON bool) error {
	if asJSON {
		out := showJSON{Event: ev, Schema: payloads.CheckSchema(ev)}
		if utf8.Valid(ev.Body) {
			s := string(ev.Body)
			out.Body = &s
		} else {
			s := base64.StdEncoding.EncodeToString(ev.Body)
			out.BodyBase64 = &s
		}
		return writeJSON(w, out, true)
	}
	var b strings.Builder
	row := func(k, v string) { fmt.Fprintf(&b, "%-12s %s\n", k, clean(v)) }
	row("id", ev.ID)
	row("received", ev.Received.UTC().Format(time.RFC3339Nano))
	target := ev.Path
	if ev.Query != "" {
		target += "?" + ev.Query
	}
	row("request", ev.Method+" "+target)
	row("from", ev.RemoteAddr)
	row("answered", fmt.Sprint(ev.Status)+" "+ev.Rejected)
	if ev.Simulated != "" {
		row("simulated", ev.Simulated+" (--respond)")
	}
	row("source", ev.Source)
	row("type", ev.Type)
	row("signature", fmt.Sprintf("%s %s %s", present.Glyph(ev.Signature.Status), ev.Signature.Status, ev.Signature.Scheme))
	if ev.Signature.Reason != "" {
		row("reason", ev.Signature.Reason)
	}
	if ev.Signature.Expected != "" {
		row("sig expected", ev.Signature.Expected)
		row("sig received", ev.Signature.Received)
	}
	if s := payloads.CheckSchema(ev); s.Checked {
		row("schema", schemaLine(s))
	}
	if ev.DedupKey != "" {
		row("dedup key", ev.DedupKey)
	}
	if ev.DuplicateOf != "" {
		row("duplicate of", ev.DuplicateOf)
	}
	if ev.Correlation != "" {
		row("correlation", ev.Correlation)
	}
	for _, at := range ev.Attempts {
		row("attempt", fmt.Sprintf("%s %s %d %s %s", at.At.UTC().Format(time.RFC3339), at.Mode, at.Status, at.Latency, at.Error))
	}
	b.WriteString("headers\n")
	for _, name := range slices.Sorted(maps.Keys(ev.Headers)) {
		for _, v := range ev.Headers[name] {
			fmt.Fprintf(&b, "  %s: %s\n", clean(name), clean(v))
		}
	}
	fmt.Fprintf(&b, "body (%d bytes, %s)\n", len(ev.Body), ev.BodyKind)
	if ev.BodyKind == payloads.BodyBinary {
		b.WriteString(clean(fmt.Sprintf("%q", ev.Body)) + "\n")
	} else if len(ev.Body) > 0 {
		b.WriteString(sanitize.Text(string(ev.Body)) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func schemaLine(s catalog.Result) string {
	parts := []string{"valid"}
	if !s.Valid {
		parts[0] = "invalid"
	}
	if len(s.Missing) > 0 {
		parts = append(parts, "missing "+strings.Join(s.Missing, ", "))
	}
	if len(s.Unknown) > 0 {
		parts = append(parts, "unknown "+strings.Join(s.Unknown, ", "))
	}
	if len(s.Errors) > 0 {
		parts = append(parts, strings.Join(s.Errors, "; "))
	}
	if s.Note != "" {
		parts = append(parts, s.Note)
	}
	return strings.Join(parts, " · ")
}
