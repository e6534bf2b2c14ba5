package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"unicode/utf8"
)

// writeJSON writes v as one JSON value and a newline, safe for a terminal: encoding/json
// leaves C1 controls and bidi formatting characters raw, which a terminal may act on
// (U+009D starts an OSC sequence), so they are written as \u escapes (still valid JSON).
func writeJSON(w io.Writer, v any, indent bool) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if indent {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encoding JSON output: %w", err)
	}
	_, err := w.Write(escapeTerminalRunes(buf.Bytes()))
	return err
}

// escapeTerminalRunes rewrites runes a terminal could act on as \uXXXX. In JSON text
// they can only stand inside strings, where the escape means the same rune.
func escapeTerminalRunes(b []byte) []byte {
	out := make([]byte, 0, len(b))
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if actsOnTerminal(r) {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, b[:size]...)
		}
		b = b[size:]
	}
	return out
}

func actsOnTerminal(r rune) bool {
	return (r >= 0x80 && r <= 0x9f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) ||
		r == 0x200e || r == 0x200f || r == 0x061c
}
