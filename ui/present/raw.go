package present

import (
	"bytes"
	"sort"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// Raw presents the request exactly as received, every byte that is not printable
// shown escaped (\r, \t, \x00, \u202e); lines break only after a real newline.
func Raw(ev *payloads.Event) Doc {
	doc := rawHead(ev)
	shown, note := clip(ev.Body, MaxText)
	for len(shown) > 0 {
		line := shown
		if i := bytes.IndexByte(shown, '\n'); i >= 0 {
			line = shown[:i+1]
		}
		doc = append(doc, text(sanitize.Bytes(line)))
		shown = shown[len(line):]
	}
	return withNote(doc, note)
}

// rawHead is the request line, the headers sorted by name, and the blank line after.
func rawHead(ev *payloads.Event) Doc {
	doc := Doc{requestLine(ev)}
	names := make([]string, 0, len(ev.Headers))
	for name := range ev.Headers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, v := range ev.Headers[name] {
			doc = append(doc, text(sanitize.Line(name+": "+v)))
		}
	}
	return append(doc, nil)
}
