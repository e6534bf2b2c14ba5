package detail

import (
	"fmt"
	"strings"

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

// content is the viewport's drawing, redrawn only when it would differ.
func (d *Detail) content() string {
	k := viewKey{version: d.version, offset: d.vp.YOffset(), width: d.vp.Width(), height: d.vp.Height()}
	if k != d.drawnKey || d.drawn == "" {
		d.drawn, d.drawnKey = d.vp.View(), k
	}
	return d.drawn
}

func (d *Detail) tabLine(width int) string {
	names, gap := tabLayout(width)
	parts := make([]string, present.NumTabs)
	for i, name := range names {
		label := fmt.Sprintf("%d %s", i+1, name)
		if i == d.tab {
			parts[i] = d.styles.TabActive.Render(label)
		} else {
			parts[i] = d.styles.TabInactive.Render(label)
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
	if d.vp.TotalLineCount() <= d.vp.VisibleLineCount() {
		return ""
	}
	return fmt.Sprintf("%d%%", int(d.vp.ScrollPercent()*100))
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
