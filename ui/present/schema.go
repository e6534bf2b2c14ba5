package present

import (
	"strings"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// Schema presents the check of the body against the current catalog's schema.
func Schema(ev *payloads.Event) Doc {
	s := payloads.CheckSchema(ev)
	if !s.Checked {
		what := "no schema for this source"
		if ev.Source != "" {
			what = "no schema in the catalog for " + sanitize.Line(ev.Source) + " " + orDash(sanitize.Line(ev.Type))
		}
		doc := Doc{{span(Muted, what)}}
		if s.Note != "" && !strings.HasPrefix(s.Note, "no catalog schema") { // says the same
			doc = append(doc, text(sanitize.Line(s.Note)))
		}
		return doc
	}
	valid := span(Pass, "✓ valid")
	if !s.Valid {
		valid = span(Fail, "✗ invalid")
	}
	shape := "documented by the platform"
	if !s.Documented {
		shape = "not documented by the platform: unknown and missing fields are hints"
	}
	doc := Doc{
		field("Event", span(Plain, sanitize.Line(ev.Source)+" "+sanitize.Line(ev.Type))),
		field("Result", valid),
		field("Shape", span(Plain, shape)),
	}
	if s.Note != "" {
		doc = append(doc, field("Note", span(Plain, sanitize.Line(s.Note))))
	}
	doc = appendList(doc, "Errors", Fail, s.Errors)
	doc = appendList(doc, "Missing fields", Missing, s.Missing)
	doc = appendList(doc, "Unknown fields", Muted, s.Unknown)
	return doc
}

func appendList(doc Doc, title string, k Kind, items []string) Doc {
	if len(items) == 0 {
		return doc
	}
	doc = append(doc, nil, Line{span(Label, title)})
	for _, it := range items {
		doc = append(doc, Line{span(k, "  • "), span(Plain, sanitize.Line(it))})
	}
	return doc
}
