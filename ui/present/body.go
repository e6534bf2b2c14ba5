package present

import (
	"fmt"
	"strings"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// Body presents the body: JSON pretty-printed with colour, other text as text, binary
// as a hex dump (16 bytes a row when width allows, else 8). Large bodies are shown in
// part, with a note.
func Body(ev *payloads.Event, width int) Doc {
	body := ev.Body
	switch {
	case ev.Rejected != "":
		return droppedBody(ev)
	case len(body) == 0:
		return Doc{{span(Muted, "(empty body)")}}
	case ev.BodyKind == payloads.BodyBinary || payloads.KindOf(body) == payloads.BodyBinary:
		return hexBody(body, width)
	case len(body) <= MaxPretty:
		if doc, ok := prettyJSON(body); ok {
			return doc
		}
	}
	return textBody(body)
}

func textBody(body []byte) Doc {
	shown, note := clip(body, MaxText)
	var doc Doc
	for _, l := range strings.Split(sanitize.Text(string(shown)), "\n") {
		doc = append(doc, text(l))
	}
	return withNote(doc, note)
}

// hexWide is the width a 16-byte hex dump row needs.
const hexWide = 8 + 2 + 16*3 + 1 + 18

func hexBody(body []byte, width int) Doc {
	shown, note := clip(body, MaxHex)
	perRow := 16
	if width < hexWide {
		perRow = 8
	}
	doc := Doc{{span(Muted, fmt.Sprintf("binary body, %s bytes", Count(len(body))))}, nil}
	return withNote(append(doc, HexDump(shown, perRow)...), note)
}

// HexDump renders p as offset, perRow hex bytes and the printable ASCII of each row.
func HexDump(p []byte, perRow int) Doc {
	doc := make(Doc, 0, len(p)/perRow+1)
	for off := 0; off < len(p); off += perRow {
		doc = append(doc, hexRow(string(p[off:min(off+perRow, len(p))]), off, perRow))
	}
	return doc
}

// hexRow is the dump of row, found at offset off.
func hexRow(row string, off, perRow int) Line {
	var hex, ascii strings.Builder
	for i := range perRow {
		if i == 8 {
			hex.WriteByte(' ')
		}
		if i < len(row) {
			fmt.Fprintf(&hex, "%02x ", row[i])
		} else {
			hex.WriteString("   ")
		}
	}
	for i := 0; i < len(row); i++ {
		if b := row[i]; b >= 0x20 && b < 0x7f {
			ascii.WriteByte(b)
		} else {
			ascii.WriteByte('.')
		}
	}
	return Line{
		span(Offset, fmt.Sprintf("%08x  ", off)),
		span(Plain, hex.String()),
		span(ASCII, "|"+ascii.String()+"|"),
	}
}

// clip returns at most limit bytes of p and, when it cut, a note saying how much.
func clip(p []byte, limit int) ([]byte, string) {
	if len(p) <= limit {
		return p, ""
	}
	return p[:limit], fmt.Sprintf("… showing the first %s of %s bytes", Count(limit), Count(len(p)))
}

func withNote(doc Doc, note string) Doc {
	if note == "" {
		return doc
	}
	return append(doc, nil, Line{span(Muted, note)})
}

// droppedBody says a refused request's body was not kept, and how large it was.
func droppedBody(ev *payloads.Event) Doc {
	return Doc{{span(Fail, fmt.Sprintf("body of %s bytes dropped", Count(ev.Size))),
		span(Muted, " ("+sanitize.Line(ev.Rejected)+"; the history keeps no partial body)")}}
}
