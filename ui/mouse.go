package ui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/ui/detail"
)

// wheelLines is how far one wheel notch scrolls the detail pane.
const wheelLines = 3

// handleClick selects the list row, detail tab or picker item under the pointer.
func (m *Model) handleClick(ms tea.Mouse) tea.Cmd {
	s := m.screen
	if s.TooSmall || ms.Button != tea.MouseLeft || m.editor.IsOpen() {
		return nil
	}
	switch {
	case m.picker.IsOpen():
		if s.Body.contains(ms.X, ms.Y) {
			return m.picker.Click(ms.Y - s.Body.Y)
		}
		return nil
	case m.showHelp:
		return nil
	case s.List.contains(ms.X, ms.Y):
		m.setFocus(focusList)
		return m.afterList(m.list.Click(ms.Y - s.List.Y))
	case s.Detail.contains(ms.X, ms.Y):
		m.setFocus(focusDetail)
		if ms.Y-s.Detail.Y == 1 {
			if tab := detail.TabAt(ms.X-s.Detail.X, s.Detail.W); tab >= 0 {
				return m.detail.SetTab(tab)
			}
		}
	}
	return nil
}

// handleWheel moves the list selection or scrolls the detail under the pointer.
func (m *Model) handleWheel(ms tea.Mouse) tea.Cmd {
	s := m.screen
	if s.TooSmall || m.picker.IsOpen() || m.showHelp || m.editor.IsOpen() {
		return nil
	}
	step := 0
	switch ms.Button {
	case tea.MouseWheelUp:
		step = -1
	case tea.MouseWheelDown:
		step = 1
	default:
		return nil
	}
	switch {
	case s.List.contains(ms.X, ms.Y):
		return m.afterList(m.list.Move(step))
	case s.Detail.contains(ms.X, ms.Y):
		m.detail.Scroll(step * wheelLines)
	}
	return nil
}
