package present

import (
	"strings"

	"github.com/dexra/dexra-tui/ui/sanitize"
)

// textRows is text laid out in rows: as text (tabs as spaces, newlines break lines) or
// raw (every byte that is not printable escaped, \n shown before each break).
type textRows struct {
	text string
	rows []row
	raw  bool
}

func (t *textRows) Len() int { return len(t.rows) }

func (t *textRows) Row(i int) Line {
	r := t.rows[i]
	piece := t.text[r.off:r.end]
	if t.raw {
		return indented(r, Line{span(Plain, sanitize.Line(piece))})
	}
	return indented(r, Line{span(Plain, sanitize.Text(piece))})
}

// layoutText wraps text to width cells, continuation rows hanging under the line's
// leading spaces; every row breaks on a character boundary, so each escapes alone.
func layoutText(text string, width int, raw bool) *textRows {
	b := newRowBuilder(width, len(text)/max(width, 1)+1)
	for start := 0; ; {
		end, next := len(text), len(text)
		if nl := strings.IndexByte(text[start:], '\n'); nl >= 0 {
			end, next = start+nl, start+nl+1
			if raw {
				end = next // the newline is shown, escaped
			}
		}
		b.newLine(0, leadingCells(text[start:end], raw))
		for i := start; i < end; {
			j := i
			for j < end && text[j] >= 0x20 && text[j] < 0x7f {
				j++
			}
			if j > i {
				b.addRun(i, j-i, 0)
				i = j
				continue
			}
			cells, size := sanitize.Cells(text[i:end], !raw)
			b.add(i, size, cells, 0)
			i += size
		}
		b.endLine(start)
		if next == len(text) && (raw || end == len(text)) {
			break
		}
		start = next
	}
	return &textRows{text: text, rows: b.done(), raw: raw}
}

// leadingCells is the width of a line's leading blanks as shown.
func leadingCells(line string, raw bool) int {
	n := 0
	for i := 0; i < len(line); i++ {
		switch {
		case line[i] == ' ':
			n++
		case line[i] == '\t' && !raw:
			n += 4
		default:
			return n
		}
	}
	return n
}
