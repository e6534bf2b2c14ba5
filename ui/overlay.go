package ui

import (
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/dexra/dexra-tui/ui/frame"
)

// overlay draws box over base (w×h cells), centred across and a third of the way
// down, composed as Lip Gloss layers; exactly h lines of w cells come back.
func overlay(base []string, box string, w, h int) []string {
	bw, bh := lipgloss.Width(box), lipgloss.Height(box)
	x, y := max((w-bw)/2, 0), max((h-bh)/3, 0)
	c := lipgloss.NewCanvas(w, h)
	c.Compose(lipgloss.NewCompositor(
		lipgloss.NewLayer(strings.Join(base, "\n")),
		lipgloss.NewLayer(box).X(x).Y(y).Z(1),
	))
	return frame.Box(c.Render(), w, h)
}
