package present

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/dexra/dexra-tui/ui/sanitize"
)

// prettyJSON indents body and splits it into coloured lines. ok is false when body is
// not valid JSON. Number and string tokens keep their exact spelling from the body.
func prettyJSON(body []byte) (Doc, bool) {
	var buf bytes.Buffer
	if err := json.Indent(&buf, body, "", "  "); err != nil {
		return nil, false
	}
	lines := strings.Split(buf.String(), "\n")
	doc := make(Doc, 0, len(lines))
	for _, l := range lines {
		doc = append(doc, lexJSONLine(l))
	}
	return doc, true
}

// lexJSONLine splits one line of indented JSON into tokens. json.Indent never breaks a
// token across lines, so a line holds whole tokens.
func lexJSONLine(l string) Line {
	var out Line
	i := 0
	for i < len(l) {
		c := l[i]
		switch {
		case c == ' ':
			j := i
			for j < len(l) && l[j] == ' ' {
				j++
			}
			out = append(out, span(Plain, l[i:j]))
			i = j
		case c == '"':
			j := stringEnd(l, i)
			kind := String
			if k := skipSpaces(l, j); k < len(l) && l[k] == ':' {
				kind = Key
			}
			out = append(out, span(kind, sanitize.Line(l[i:j])))
			i = j
		case c == '{' || c == '}' || c == '[' || c == ']' || c == ',' || c == ':':
			out = append(out, span(Punct, l[i:i+1]))
			i++
		default:
			j := i
			for j < len(l) && !strings.ContainsRune(" ,]}:", rune(l[j])) {
				j++
			}
			kind := Number
			if c == 't' || c == 'f' || c == 'n' {
				kind = Literal
			}
			out = append(out, span(kind, sanitize.Line(l[i:j])))
			i = j
		}
	}
	return out
}

// stringEnd returns the index just past the string literal starting at l[i] == '"'.
func stringEnd(l string, i int) int {
	for j := i + 1; j < len(l); j++ {
		switch l[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(l)
}

func skipSpaces(l string, i int) int {
	for i < len(l) && l[i] == ' ' {
		i++
	}
	return i
}
