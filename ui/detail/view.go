package detail

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/dexra/dexra-tui/ui/frame"
	"github.com/dexra/dexra-tui/ui/present"
)

// pctW is the room kept at the end of the tab line for the scroll percentage.
const pctW = 5

// View renders the title, the tab line and the visible content in width×height cells.
func (d *Detail) View(width, height int) string {
	var lines []string
	switch {
	case d.id == "":
		lines = []string{d.styles.Muted.Render("no event selected")}
	case d.err != nil:
		lines = []string{d.styles.Error.Render("cannot show " + d.id + ": " + errorText(d.err))}
	case d.title == "":
		lines = []string{d.styles.Muted.Render("loading…")}
	default:
		lines = []string{d.title, d.tabLine(width)}
		if height > 2 {
			lines = append(lines, d.content())
		}
	}
	return strings.Join(frame.Box(strings.Join(lines, "\n"), width, height), "\n")
}

// content is the drawing of the rows on screen, redrawn only when it would differ.
func (d *Detail) content() string {
	k := viewKey{version: d.version, offset: d.offset, width: d.width, height: d.height}
	if k != d.drawnKey || d.drawn == "" {
		tab := d.active()
		end := min(d.offset+d.height, tab.len())
		lines := make([]string, 0, max(end-d.offset, 0))
		for i := d.offset; i < end; i++ {
			lines = append(lines, tab.line(d.styles, i))
		}
		// lipgloss carries a style across the lines a wrap broke it into, so each line
		// stands alone when the frame cuts it.
		d.drawn = lipgloss.NewStyle().Width(d.width).Height(d.height).Render(strings.Join(lines, "\n"))
		d.drawnKey = k
	}
	return d.drawn
}

func (d *Detail) tabLine(width int) string {
	names, gap, extra := d.tabNames(width)
	parts := make([]string, 0, present.NumTabs+1)
	for i, name := range append(names[:], extra...) {
		label := fmt.Sprintf("%d %s", i+1, name)
		if i == d.tab {
			parts = append(parts, d.styles.TabActive.Render(label))
		} else {
			parts = append(parts, d.styles.TabInactive.Render(label))
		}
	}
	line := strings.Join(parts, gap)
	if pct := d.scrollPercent(); pct != "" {
		line = frame.Cell(line, max(width-pctW, 0)) + d.styles.Muted.Render(frame.CellRight(pct, pctW))
	}
	return line
}

// tabLayout picks the widest tab titles and gap that leave room for the scroll
// percentage in width cells.
func tabLayout(width int) ([present.NumTabs]string, string) {
	for _, gap := range []string{"  ", " "} {
		if tabsWidth(present.TabNames, len(gap)) <= width-pctW {
			return present.TabNames, gap
		}
	}
	return present.TabShortNames, " "
}

func tabsWidth(names [present.NumTabs]string, gap int) int {
	w := gap * (len(names) - 1)
	for i, name := range names {
		w += len(fmt.Sprintf("%d %s", i+1, name))
	}
	return w
}

func (d *Detail) scrollPercent() string {
	total := d.active().len()
	if total <= d.height {
		return ""
	}
	return fmt.Sprintf("%d%%", d.offset*100/(total-d.height))
}

// TabAt returns the tab whose title covers column x of the tab line of a pane width
// cells wide, or -1.
func TabAt(x, width int) int {
	names, gap := tabLayout(width)
	pos := 0
	for i, name := range names {
		w := len(fmt.Sprintf("%d %s", i+1, name))
		if x >= pos && x < pos+w {
			return i
		}
		pos += w + len(gap)
	}
	return -1
}
