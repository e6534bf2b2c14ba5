package present

import (
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// jsonRows is a JSON body pretty-printed as json.Indent(body, "", "  ") would, laid
// out in rows. The index is made in one iterative pass (no recursion, whatever the
// depth); a row's tokens are lexed again from the body when it is shown.
type jsonRows struct {
	text string
	rows []row
}

func (j *jsonRows) Len() int { return len(j.rows) }

// jsonIndent is the indent of a line at depth, capped at half the width: deeper
// levels line up there.
func jsonIndent(depth, width int) int { return min(2*depth, width/2) }

// layoutJSON lays text out; ok is false when it is not one well-formed JSON value as
// far as layout needs (balanced brackets, closed strings, ASCII scalars).
func layoutJSON(text string, width int) (*jsonRows, bool) {
	b := newRowBuilder(width, len(text)/16+1)
	depth := 0
	line := func() { ind := jsonIndent(depth, b.width); b.newLine(ind, ind) }
	for i := 0; i < len(text); {
		switch c := text[i]; c {
		case ' ', '\t', '\n', '\r':
			i++
		case '{', '[':
			if j := skipWhite(text, i+1); j < len(text) && text[j] == c+2 { // {} and [] stay together
				b.add1(i)
				b.add1(j)
				i = j + 1
				continue
			}
			b.add1(i)
			depth++
			line()
			i++
		case '}', ']':
			if depth--; depth < 0 {
				return nil, false
			}
			line()
			b.add1(i)
			i++
		case ',':
			b.add1(i)
			line()
			i++
		case ':':
			b.add(i, 1, 2, 0) // shown as ": "
			i++
		case '"':
			end, ok := layoutString(b, text, i)
			if !ok {
				return nil, false
			}
			i = end
		default:
			j := i
			for j < len(text) && !jsonDelim(text[j]) {
				if text[j] < 0x21 || text[j] > 0x7e {
					return nil, false
				}
				j++
			}
			b.addRun(i, j-i, 0)
			i = j
		}
	}
	rows := b.done()
	if depth != 0 || len(rows) == 0 {
		return nil, false
	}
	return &jsonRows{text: text, rows: rows}, true
}

// layoutString adds the string literal at text[i] piece by piece (an escape is one
// piece) and returns the index past its closing quote.
func layoutString(b *rowBuilder, text string, i int) (int, bool) {
	b.add1(i)
	for i++; i < len(text); {
		switch c := text[i]; {
		case c == '"':
			b.add(i, 1, 1, rowInString)
			return i + 1, true
		case c == '\\':
			n := 2
			if i+1 < len(text) && text[i+1] == 'u' {
				n = 6
			}
			if i+n > len(text) || !printableASCII(text[i:i+n]) {
				return 0, false
			}
			b.add(i, n, n, rowInString)
			i += n
		case c >= 0x20 && c < 0x7f:
			j := i + 1
			for j < len(text) && text[j] >= 0x20 && text[j] < 0x7f && text[j] != '"' && text[j] != '\\' {
				j++
			}
			b.addRun(i, j-i, rowInString)
			i = j
		default:
			cells, size := sanitize.Cells(text[i:], false)
			b.add(i, size, cells, rowInString)
			i += size
		}
	}
	return 0, false
}

func (j *jsonRows) Row(i int) Line {
	r := j.rows[i]
	s := j.text[r.off:r.end]
	var out Line
	k := 0
	if r.flags&rowInString != 0 {
		end, closed := closeQuote(s, 0)
		out = append(out, span(j.stringKind(r, end, closed), sanitize.Line(s[:end])))
		k = end
	}
	for k < len(s) {
		switch c := s[k]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			k++
		case c == '"':
			end, closed := closeQuote(s, k+1)
			out = append(out, span(j.stringKind(r, end, closed), sanitize.Line(s[k:end])))
			k = end
		case c == ':':
			out = append(out, span(Punct, ": "))
			k++
		case jsonDelim(c):
			out = append(out, span(Punct, s[k:k+1]))
			k++
		default:
			e := k
			for e < len(s) && !jsonDelim(s[e]) {
				e++
			}
			kind := Number
			if c == 't' || c == 'f' || c == 'n' {
				kind = Literal
			}
			out = append(out, span(kind, sanitize.Line(s[k:e])))
			k = e
		}
	}
	return indented(r, out)
}

// stringKind says whether the string ending at end of row r is a key (a colon follows
// it); a string that goes on past the row is shown as a value.
func (j *jsonRows) stringKind(r row, end int, closed bool) Kind {
	if !closed {
		return String
	}
	if k := skipWhite(j.text, int(r.off)+end); k < len(j.text) && j.text[k] == ':' {
		return Key
	}
	return String
}

// closeQuote returns the index past the quote closing a string whose text starts at
// s[from], and whether it is in s (escapes are never cut between rows).
func closeQuote(s string, from int) (int, bool) {
	for k := from; k < len(s); k++ {
		switch s[k] {
		case '\\':
			k++
		case '"':
			return k + 1, true
		}
	}
	return len(s), false
}

func skipWhite(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

func jsonDelim(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', ',', ':', '{', '}', '[', ']', '"':
		return true
	}
	return false
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
