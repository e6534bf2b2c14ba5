package catalog

import (
	"strings"
	"unicode/utf8"
)

// cleanText makes untrusted text one plain line of at most max runes ("…" marks a cut):
// invalid UTF-8, control characters (C0, C1, DEL) and bidi controls become spaces, runs of
// spaces collapse. The terminal layer sanitizes again; this keeps labels and summaries tidy.
func cleanText(s string, max int) string {
	if isClean(s, max) {
		return strings.Clone(s) // s may be a slice of a whole body, which the result must not keep
	}
	return rebuildText(s, max)
}

// isClean reports whether cleanText leaves s as it is: valid UTF-8 without controls,
// single spaces only between other runes, at most max runes.
func isClean(s string, max int) bool {
	n := 0
	space := true // a leading space is dropped
	for i := 0; i < len(s); n++ {
		if n >= max {
			return false
		}
		if c := s[i]; c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f || c == ' ' && space {
				return false
			}
			space = c == ' '
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || isControl(r) {
			return false
		}
		space = false
		i += size
	}
	return !space || s == ""
}

// rebuildText is cleanText for text that needs changing.
func rebuildText(s string, max int) string {
	var b strings.Builder
	b.Grow(min(len(s), max*utf8.UTFMax+len("…")))
	n := 0
	space := false
	for i, w := 0, 0; i < len(s); i += w {
		r, size := utf8.DecodeRuneInString(s[i:])
		w = size
		if r == utf8.RuneError && size == 1 || isControl(r) || r == ' ' {
			space = b.Len() > 0
			continue
		}
		if n >= max {
			return strings.TrimRight(b.String(), " ") + "…"
		}
		if space {
			if n+1 >= max {
				return b.String() + "…"
			}
			b.WriteByte(' ')
			n++
			space = false
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

func isControl(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true // bidi controls
	case r == 0x2028, r == 0x2029, r == 0xfeff:
		return true // line/paragraph separators, BOM
	}
	return false
}

// quoted is cleanText wrapped in double quotes, for message texts in a summary.
func quoted(s string, max int) string { return `"` + cleanText(s, max) + `"` }
