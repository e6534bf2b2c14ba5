package ui

import (
	"fmt"

	"charm.land/bubbles/v2/progress"
	"charm.land/lipgloss/v2"

	"github.com/dexra/dexra-tui/ui/frame"
	"github.com/dexra/dexra-tui/ui/present"
	"github.com/dexra/dexra-tui/ui/theme"
)

// barWidth is the progress bar's width in cells.
const barWidth = 24

// newProgressBar is the replay progress bar in the theme's colours, or drawn with
// full and light blocks when there is no colour. It is drawn with ViewAs: no animation.
func newProgressBar(st *theme.Styles) progress.Model {
	bar := progress.New(progress.WithoutPercentage(), progress.WithWidth(barWidth), progress.WithFillCharacters('█', '░'))
	if st.ProgressFull == nil || st.ProgressEmpty == nil {
		bar.FullColor, bar.EmptyColor = lipgloss.NoColor{}, lipgloss.NoColor{}
		return bar
	}
	bar.FullColor, bar.EmptyColor = st.ProgressFull, st.ProgressEmpty
	return bar
}

// replayStatus is the status line's account of the run in progress.
func (m *Model) replayStatus(width int) string {
	run := m.replay
	st := m.styles
	switch run.kind {
	case replayOne:
		return st.Toast.Render("replaying " + present.ShortID(run.id) + "…")
	case replayEdit:
		return st.Toast.Render("sending the edited body of " + present.ShortID(run.id) + "…")
	}
	p := run.seen
	if p.total == 0 {
		return st.Toast.Render("replaying the failed forwards…")
	}
	counts := fmt.Sprintf(" %s/%s  %d ok", present.Count(p.done), present.Count(p.total), p.ok)
	if p.failed > 0 {
		counts += " · " + st.Fail.Render(fmt.Sprintf("%d failed", p.failed))
	}
	line := st.TitleActive.Render("replaying failed forwards ") + m.bar.ViewAs(float64(p.done)/float64(p.total)) + counts
	return frame.Cell(line, width)
}
