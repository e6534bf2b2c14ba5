package present

import (
	"fmt"
	"unicode/utf8"

	"github.com/dexra/dexra-tui/payloads"
)

// maxJSONDepth is the nesting encoding/json accepts: a deeper body is not valid JSON
// to it (payloads.KindOf), so it is shown as received.
const maxJSONDepth = 10_000

// BodyRows presents the whole body laid out lazily for width cells: JSON
// pretty-printed with colour, other text as text, binary as a hex dump.
func BodyRows(ev *payloads.Event, width int) Lazy {
	body := ev.Body
	switch {
	case ev.Rejected != "":
		return Lazy{Head: droppedBody(ev)}
	case len(body) == 0:
		return Lazy{Head: Doc{{span(Muted, "(empty body)")}}}
	case ev.BodyKind == payloads.BodyBinary || !utf8.Valid(body):
		return Lazy{
			Head: Doc{{span(Muted, fmt.Sprintf("binary body, %s bytes", Count(len(body))))}, nil},
			Rows: newHexRows(string(clipRows(body)), width),
		}
	}
	text := string(clipRows(body))
	if ev.BodyKind == payloads.BodyJSON {
		if rows, ok := layoutJSON(text, width); ok {
			return Lazy{Rows: rows}
		}
	}
	var head Doc
	if depth := jsonDepth(text); depth > maxJSONDepth {
		head = Doc{{span(Missing, fmt.Sprintf("JSON nested %s levels deep, more than the %s that are formatted: shown as received",
			Count(depth), Count(maxJSONDepth)))}, nil}
	}
	return Lazy{Head: head, Rows: layoutText(text, width, false)}
}

// RawRows presents the request exactly as received, the body laid out lazily; every
// byte that is not printable is shown escaped and lines break only after a newline.
func RawRows(ev *payloads.Event, width int) Lazy {
	head := rawHead(ev)
	if len(ev.Body) == 0 {
		return Lazy{Head: head}
	}
	return Lazy{Head: head, Rows: layoutText(string(clipRows(ev.Body)), width, true)}
}

// clipRows keeps what 32-bit row offsets reach (far more than the listener accepts).
func clipRows(p []byte) []byte { return p[:min(len(p), maxBody)] }

// jsonDepth is how deep the brackets of text nest outside strings, when it starts
// like JSON (0 otherwise).
func jsonDepth(text string) int {
	if i := skipWhite(text, 0); i == len(text) || (text[i] != '{' && text[i] != '[') {
		return 0
	}
	depth, deepest, inString := 0, 0, false
	for i := 0; i < len(text); i++ {
		c := text[i]
		if !depthByte[c] {
			continue
		}
		switch {
		case c == '\\':
			if inString {
				i++
			}
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
		default:
			depth--
		}
	}
	return deepest
}

// depthByte marks the bytes jsonDepth looks at.
var depthByte = [256]bool{'"': true, '\\': true, '{': true, '}': true, '[': true, ']': true}

// hexRows is a hex dump made a row at a time.
type hexRows struct {
	body   string
	perRow int
}

func newHexRows(body string, width int) *hexRows {
	perRow := 16
	if width < hexWide {
		perRow = 8
	}
	return &hexRows{body: body, perRow: perRow}
}

func (h *hexRows) Len() int { return (len(h.body) + h.perRow - 1) / h.perRow }

func (h *hexRows) Row(i int) Line {
	off := i * h.perRow
	return hexRow(h.body[off:min(off+h.perRow, len(h.body))], off, h.perRow)
}
