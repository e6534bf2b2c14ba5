// Package sanitize makes untrusted text (payloads, headers, paths, summaries) safe to
// print on a terminal: every character that could control the terminal or hide or
// reorder what is shown is replaced by a visible escape such as \x1b or \u202e.
package sanitize

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Line returns s as one safe line: every control character, including newline and
// tab, is shown escaped, as are invalid UTF-8 bytes.
func Line(s string) string {
	if isPlainASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	writeEscaped(&b, s, false)
	return b.String()
}

// Text returns s as safe multi-line text: newlines are kept, tabs become spaces, and
// everything else that Line escapes is escaped.
func Text(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 16)
	writeEscaped(&b, s, true)
	return b.String()
}

// Bytes is Line for raw bytes that may not be UTF-8.
func Bytes(p []byte) string { return Line(string(p)) }

// Safe reports whether s would be printed unchanged by Line.
func Safe(s string) bool { return Line(s) == s }

// tabWidth is how many spaces a tab becomes in Text.
const tabWidth = 4

func writeEscaped(b *strings.Builder, s string, multiline bool) {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			fmt.Fprintf(b, `\x%02x`, c)
			i++
			continue
		}
		i += size
		switch {
		case multiline && r == '\n':
			b.WriteByte('\n')
		case multiline && r == '\t':
			b.WriteString(strings.Repeat(" ", tabWidth))
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(b, `\x%02x`, r)
		case hidden(r):
			writeRuneEscape(b, r)
		default:
			b.WriteRune(r)
		}
	}
}

func writeRuneEscape(b *strings.Builder, r rune) {
	if r > 0xffff {
		fmt.Fprintf(b, `\U%08x`, r)
		return
	}
	fmt.Fprintf(b, `\u%04x`, r)
}

// hidden reports whether r controls the terminal or is invisible: C1 controls (U+0080–
// U+009F, U+009B is a one-byte CSI), format characters (bidi overrides and isolates,
// zero-width characters, BOM, tags), line and paragraph separators, and blank fillers.
func hidden(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x115f || r == 0x1160 || r == 0x3164 || r == 0xffa0: // Hangul fillers render blank
		return true
	case r == 0x2028 || r == 0x2029:
		return true
	case r >= 0xfff9 && r <= 0xfffb: // interlinear annotation controls
		return true
	}
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Cc, r)
}

func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// Cells returns how many cells the first character of s takes once escaped (by Text
// when multiline, else by Line), and how many bytes of s it is. A newline in
// multiline text is the caller's to handle (it reports 0 cells). Callers use it to
// lay out text piece by piece: escaping a piece that starts and ends on a
// character boundary gives exactly that piece of the escaped whole.
func Cells(s string, multiline bool) (cells, size int) {
	if s == "" {
		return 0, 0
	}
	if c := s[0]; c >= 0x20 && c < 0x7f {
		return 1, 1
	}
	r, size := utf8.DecodeRuneInString(s)
	switch {
	case r == utf8.RuneError && size <= 1:
		return 4, 1 // \xff
	case multiline && r == '\n':
		return 0, size
	case multiline && r == '\t':
		return tabWidth, size
	case r == '\n' || r == '\t' || r == '\r':
		return 2, size
	case r < 0x20 || r == 0x7f:
		return 4, size
	case hidden(r):
		if r > 0xffff {
			return 10, size
		}
		return 6, size
	}
	return ansi.StringWidth(s[:size]), size
}
