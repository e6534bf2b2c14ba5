package present

import (
	"sort"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// Headers presents the request line and the headers sorted by name.
func Headers(ev *payloads.Event) Doc {
	doc := Doc{requestLine(ev)}
	if ev.RemoteAddr != "" {
		doc = append(doc, Line{span(Muted, "from "+sanitize.Line(ev.RemoteAddr))})
	}
	doc = append(doc, nil)
	names := make([]string, 0, len(ev.Headers))
	for name := range ev.Headers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, v := range ev.Headers[name] {
			doc = append(doc, Line{span(Key, sanitize.Line(name)), span(Punct, ": "), span(Plain, sanitize.Line(v))})
		}
	}
	if len(names) == 0 {
		doc = append(doc, Line{span(Muted, "(no headers)")})
	}
	return doc
}

func requestLine(ev *payloads.Event) Line {
	target := ev.Path
	if ev.Query != "" {
		target += "?" + ev.Query
	}
	return Line{span(Label, sanitize.Line(ev.Method)), span(Plain, " "+sanitize.Line(target))}
}
