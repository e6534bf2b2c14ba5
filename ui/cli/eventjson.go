package cli

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/dexra/dexra-tui/payloads"
)

// appendEventJSON appends ev's --json line (eventLine) and a newline to b: the bytes
// writeJSON(toLine(ev)) writes, without reflection or a buffer per event, for
// listings of a whole history (TestEventJSONMatchesEncoder holds it to them).
func appendEventJSON(b []byte, ev *payloads.Event) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, ev.ID)
	b = append(b, `,"received":"`...)
	b = ev.Received.UTC().AppendFormat(b, time.RFC3339Nano) // digits, letters, - : . + only
	b = append(b, `","direction":`...)
	b = appendJSONString(b, string(ev.Direction))
	b = append(b, `,"method":`...)
	b = appendJSONString(b, ev.Method)
	b = append(b, `,"path":`...)
	b = appendJSONString(b, ev.Path)
	b = append(b, `,"source":`...)
	b = appendJSONString(b, ev.Source)
	b = append(b, `,"type":`...)
	b = appendJSONString(b, ev.Type)
	b = append(b, `,"signature":{"scheme":`...)
	b = appendJSONString(b, ev.Signature.Scheme)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, string(ev.Signature.Status))
	b = append(b, `,"reason":`...)
	b = appendJSONString(b, ev.Signature.Reason)
	b = append(b, `},"duplicate_of":`...)
	b = appendJSONString(b, ev.DuplicateOf)
	b = append(b, `,"correlation":`...)
	b = appendJSONString(b, ev.Correlation)
	b = append(b, `,"size":`...)
	b = strconv.AppendInt(b, int64(ev.Size), 10)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(ev.Status), 10)
	return append(b, "}\n"...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted as encoding/json writes it (HTML-escaped, invalid
// UTF-8 as U+FFFD, U+2028/U+2029 escaped) and then escapeTerminalRunes rewrites it.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default: // other controls and <, >, &
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029' || actsOnTerminal(r):
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
