// Package frame cuts and pads rendered text to exact cell sizes, so panes laid side
// by side line up whatever their content.
package frame

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Cell returns s cut to w cells (with … when cut) and padded with spaces to exactly w.
func Cell(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := ansi.StringWidth(s)
	if n > w {
		s = ansi.Truncate(s, w, "…")
		n = ansi.StringWidth(s)
	}
	if n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// CellRight is Cell aligned to the right.
func CellRight(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := ansi.StringWidth(s)
	if n > w {
		return Cell(s, w)
	}
	return strings.Repeat(" ", w-n) + s
}

// Box returns exactly h lines of exactly w cells: s's lines cut or padded, then blank
// lines added or extra lines dropped.
func Box(s string, w, h int) []string {
	if h <= 0 {
		return nil
	}
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	out := make([]string, h)
	for i := range out {
		if i < len(lines) {
			out[i] = Cell(lines[i], w)
		} else {
			out[i] = strings.Repeat(" ", max(w, 0))
		}
	}
	return out
}

// Width is the display width of s in cells, ignoring escape sequences.
func Width(s string) int { return ansi.StringWidth(s) }
