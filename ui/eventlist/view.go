package eventlist

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/dexra/dexra-tui/ui/frame"
	"github.com/dexra/dexra-tui/ui/present"
	"github.com/dexra/dexra-tui/ui/sanitize"
	"github.com/dexra/dexra-tui/ui/theme"
)

// Column bounds of a row: the time, source, type and redelivery columns are as wide
// as the widest value among the rows loaded (up to these), the summary takes the rest.
const (
	glyphW     = 1
	maxSourceW = 12
	maxTypeW   = 28
	sizeW      = 5
	minSumW    = 12
	// withSource is the least width that shows the source column.
	withSource = 56
)

// columns is the width of each column for the rows loaded; 0 leaves a column out.
type columns struct {
	width, time, source, typ, dup, sum int
}

// layoutColumns sizes the columns for width cells.
func (l *List) layoutColumns(width int) columns {
	c := columns{width: width, time: 8}
	src, typ := 1, 1
	for _, r := range l.rows {
		c.time = max(c.time, frame.Width(r.Time))
		src = max(src, frame.Width(r.Source))
		typ = max(typ, frame.Width(r.Type))
		if r.Deliveries > 0 {
			c.dup = max(c.dup, frame.Width(dupText(r)))
		}
	}
	fixed := c.time + 1 + glyphW + 1 + sizeW // time, glyph, size and their spaces
	if c.dup > 0 {
		fixed += c.dup + 1
	}
	if l.forwarding {
		fixed += glyphW + 1
	}
	if width >= withSource {
		c.source = min(src, maxSourceW)
		fixed += c.source + 1
	}
	// The type gets what it needs while the summary keeps minSumW, and never less
	// than 8 cells.
	c.typ = max(min(typ, maxTypeW, width-fixed-1-minSumW), min(typ, 8))
	fixed += c.typ + 1
	c.sum = max(width-fixed-1, 4)
	return c
}

func dupText(r present.Row) string { return fmt.Sprintf("↺%d", r.Deliveries) }

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
	cols := l.layoutColumns(width)
	for i := l.top; i < len(l.rows) && len(lines) < height; i++ {
		lines = append(lines, l.cachedRow(i, cols))
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
func (l *List) cachedRow(i int, cols columns) string {
	r := l.rows[i]
	if i == l.sel {
		return l.row(r, true, cols)
	}
	if cols != l.cacheCols || l.cache == nil {
		l.cache, l.cacheCols = make(map[present.Row]string, 2*l.visible), cols
	}
	if s, ok := l.cache[r]; ok {
		return s
	}
	if len(l.cache) > 4*l.visible { // keep it about a screenful
		clear(l.cache)
	}
	s := l.row(r, false, cols)
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
func (l *List) row(r present.Row, selected bool, c columns) string {
	st := l.styles
	paint := func(style lipgloss.Style, text string) string {
		if selected {
			return text
		}
		return style.Render(text)
	}
	summary := frame.Cell(r.Summary, c.sum)
	mark := ""
	if r.Answer != "" { // the listener's own answer, before what the event says
		mark = paint(st.Fail, "⇠"+r.Answer) + " "
	}
	if r.Via != "" { // came through a relay or tunnel, not straight
		mark += paint(st.Muted, "⇄"+r.Via) + " "
	}
	if mark != "" {
		summary = mark + frame.Cell(r.Summary, max(c.sum-frame.Width(mark), 1))
	}
	cells := []string{
		paint(st.Muted, frame.Cell(r.Time, c.time)),
		paint(st.Verdict(r.Verdict), present.Glyph(r.Verdict)),
	}
	if c.source > 0 {
		cells = append(cells, frame.Cell(r.Source, c.source))
	}
	cells = append(cells, frame.Cell(r.Type, c.typ), summary)
	if c.dup > 0 {
		dup := ""
		if r.Deliveries > 0 {
			dup = dupText(r)
		}
		cells = append(cells, paint(st.Dup, frame.CellRight(dup, c.dup)))
	}
	if l.forwarding {
		cells = append(cells, paint(st.Forward(r.Forward), present.ForwardGlyph(r.Forward)))
	}
	cells = append(cells, paint(st.Muted, frame.CellRight(r.Size, sizeW)))
	line := frame.Cell(strings.Join(cells, " "), c.width)
	if selected {
		style := st.Selected
		if !l.focused {
			style = st.Cursor
		}
		return style.Render(line)
	}
	return line
}
