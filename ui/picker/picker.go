// Package picker is the trigger picker: a list of the catalog's event types, one of
// which is sent to the listener as a signed sample.
package picker

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/payloads/catalog"
	"github.com/dexra/dexra-tui/ui/frame"
	"github.com/dexra/dexra-tui/ui/sanitize"
	"github.com/dexra/dexra-tui/ui/theme"
)

// KeyMap is the picker's keys.
type KeyMap struct {
	Up, Down, Choose, Cancel key.Binding
}

// ChosenMsg says which event type to send.
type ChosenMsg struct{ Event catalog.EventType }

// Picker is the trigger picker component.
type Picker struct {
	items  []catalog.EventType
	sel    int
	open   bool
	height int
	keys   KeyMap
	styles *theme.Styles
}

// New returns a closed picker over items.
func New(items []catalog.EventType, styles *theme.Styles, keys KeyMap) *Picker {
	return &Picker{items: items, styles: styles, keys: keys}
}

// SetStyles draws with new styles from now on.
func (p *Picker) SetStyles(s *theme.Styles) { p.styles = s }

// Open shows the picker.
func (p *Picker) Open() { p.open = true }

// IsOpen reports whether the picker is shown.
func (p *Picker) IsOpen() bool { return p.open }

// Len is the number of event types offered.
func (p *Picker) Len() int { return len(p.items) }

// Update handles keys while open: move, choose (which closes it), cancel.
func (p *Picker) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if p.open {
			return p.handleKey(msg)
		}
	}
	return nil
}

func (p *Picker) handleKey(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(k, p.keys.Up):
		p.sel = max(p.sel-1, 0)
	case key.Matches(k, p.keys.Down):
		p.sel = min(p.sel+1, max(len(p.items)-1, 0))
	case key.Matches(k, p.keys.Cancel):
		p.open = false
	case key.Matches(k, p.keys.Choose):
		p.open = false
		if p.sel < len(p.items) {
			ev := p.items[p.sel]
			return func() tea.Msg { return ChosenMsg{Event: ev} }
		}
	}
	return nil
}

// Click chooses the item on line y of the picker's view.
func (p *Picker) Click(y int) tea.Cmd {
	i := p.first() + y - 2
	if !p.open || i < 0 || i >= len(p.items) {
		return nil
	}
	p.sel = i
	p.open = false
	ev := p.items[i]
	return func() tea.Msg { return ChosenMsg{Event: ev} }
}

// SetSize sets the height the picker is drawn in.
func (p *Picker) SetSize(height int) { p.height = height }

// first is the index of the first item shown, so the selection stays in view.
func (p *Picker) first() int { return max(0, p.sel-(p.height-3)) }

// View renders the picker in width×height cells.
func (p *Picker) View(width, height int) string {
	lines := []string{
		p.styles.TitleActive.Render("SEND A SIGNED SAMPLE") + p.styles.Muted.Render("  enter sends · esc cancels"),
		"",
	}
	if len(p.items) == 0 {
		lines = append(lines, p.styles.Muted.Render("the catalog has no event types"))
	}
	nameW := 0
	for _, it := range p.items {
		nameW = max(nameW, len(it.Name()))
	}
	for i := p.first(); i < len(p.items); i++ {
		it := p.items[i]
		line := frame.Cell(sanitize.Line(it.Name()), nameW+2) + sanitize.Line(it.Description)
		if i == p.sel {
			line = p.styles.Selected.Render(frame.Cell("› "+line, width))
		} else {
			line = "  " + line
		}
		lines = append(lines, line)
	}
	return strings.Join(frame.Box(strings.Join(lines, "\n"), width, height), "\n")
}
