package eventlist

import (
	"fmt"
	"strings"

	"github.com/dexra/dexra-tui/ui/frame"
	"github.com/dexra/dexra-tui/ui/present"
	"github.com/dexra/dexra-tui/ui/sanitize"
	"github.com/dexra/dexra-tui/ui/theme"
)

// Column widths of a row.
const (
	timeW   = 8
	glyphW  = 1
	sourceW = 8
	typeW   = 12
	dupW    = 3
	sizeW   = 5
	// withSource is the least width that shows the source column.
	withSource = 56
)

// View renders the title line and the visible rows in exactly width×height cells.
func (l *List) View(width, height int) string {
	lines := make([]string, 0, height)
	lines = append(lines, l.title(width))
	switch {
	case l.err != nil:
		lines = append(lines, l.styles.Error.Render(frame.Cell("history: "+sanitize.Line(l.err.Error()), width)))
	case !l.loaded:
		lines = append(lines, l.styles.Muted.Render("loading…"))
	case len(l.rows) == 0 && l.query != "":
		lines = append(lines, l.styles.Muted.Render(frame.Cell("no events match "+sanitize.Line(l.query), width)))
	case len(l.rows) == 0:
		lines = append(lines, l.styles.Muted.Render(frame.Cell(l.emptyHint, width)))
	}
	for i := l.top; i < len(l.rows) && len(lines) < height; i++ {
		lines = append(lines, l.cachedRow(i, width))
	}
	return strings.Join(frame.Box(strings.Join(lines, "\n"), width, height), "\n")
}

func (l *List) title(width int) string {
	style := l.styles.Title
	if l.focused {
		style = l.styles.TitleActive
	}
	state := "following"
	if !l.follow {
		state = "paused · G follows"
		if l.unseen > 0 && l.query == "" {
			state = fmt.Sprintf("paused · %s new · G follows", present.Count(l.unseen))
		}
	}
	title := style.Render("EVENTS") + l.styles.Muted.Render(" ("+state+")")
	if l.note != "" {
		title += "  " + l.note
	}
	return frame.Cell(title, width)
}

// cachedRow renders row i, reusing the last drawing of an unselected row with the same
// content: a frame only draws the rows that scrolled in or changed, and the selection.
func (l *List) cachedRow(i, width int) string {
	r := l.rows[i]
	if i == l.sel {
		return l.row(r, true, width)
	}
	if width != l.cacheWidth || l.cache == nil {
		l.cache, l.cacheWidth = make(map[present.Row]string, 2*l.visible), width
	}
	if s, ok := l.cache[r]; ok {
		return s
	}
	if len(l.cache) > 4*l.visible { // keep it about a screenful
		clear(l.cache)
	}
	s := l.row(r, false, width)
	l.cache[r] = s
	return s
}

// SetStyles draws with new styles from now on.
func (l *List) SetStyles(s *theme.Styles) {
	l.styles = s
	l.cache = nil
}

// row renders one event; the selected row is drawn plain in the selection style so
// no inner colour breaks its background.
func (l *List) row(r present.Row, selected bool, width int) string {
	showSource := width >= withSource
	// Six cells and five separating spaces, plus the source and the forward mark,
	// each with its space.
	fixed := timeW + glyphW + typeW + dupW + sizeW + 5
	if showSource {
		fixed += sourceW + 1
	}
	if l.forwarding {
		fixed += glyphW + 1
	}
	sumW := max(width-fixed, 4)
	dup := ""
	if r.Deliveries > 0 {
		dup = fmt.Sprintf("↺%d", r.Deliveries)
	}
	cells := []string{
		frame.Cell(r.Time, timeW),
		present.Glyph(r.Verdict),
	}
	if showSource {
		cells = append(cells, frame.Cell(r.Source, sourceW))
	}
	cells = append(cells,
		frame.Cell(r.Type, typeW),
		frame.Cell(r.Summary, sumW),
		frame.CellRight(dup, dupW),
	)
	if l.forwarding {
		cells = append(cells, present.ForwardGlyph(r.Forward))
	}
	cells = append(cells, frame.CellRight(r.Size, sizeW))
	if selected {
		style := l.styles.Selected
		if !l.focused {
			style = l.styles.Cursor
		}
		return style.Render(frame.Cell(strings.Join(cells, " "), width))
	}
	s := l.styles
	cells[0] = s.Muted.Render(cells[0])
	cells[1] = s.Verdict(r.Verdict).Render(cells[1])
	n := len(cells)
	dupAt := n - 2
	if l.forwarding {
		dupAt = n - 3
		cells[n-2] = s.Forward(r.Forward).Render(cells[n-2])
	}
	cells[dupAt] = s.Dup.Render(cells[dupAt])
	cells[n-1] = s.Muted.Render(cells[n-1])
	return frame.Cell(strings.Join(cells, " "), width)
}
