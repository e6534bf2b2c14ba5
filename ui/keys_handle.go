package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// handleKey routes a key press: overlays and the filter input first, then the
// console's own keys, then the focused pane.
func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.ForceQuit):
		return tea.Quit
	case m.screen.TooSmall:
		if key.Matches(msg, k.Quit) {
			return tea.Quit
		}
		return nil
	case m.compose.form != nil:
		return m.composeKey(msg)
	case m.editor.IsOpen():
		return m.editor.Update(msg)
	case m.menu.IsOpen():
		return m.menu.Update(msg)
	case m.picker.IsOpen():
		return m.picker.Update(msg)
	case m.showHelp:
		return m.helpKey(msg)
	case m.check.open:
		return m.checkKey(msg)
	case m.filtering:
		return m.filterKey(msg)
	}
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Help):
		m.showHelp, m.helpOffset = true, 0
	case key.Matches(msg, k.Filter):
		return m.startFilter()
	case key.Matches(msg, k.Trigger):
		return m.openPicker()
	case key.Matches(msg, k.Compose):
		return m.openCompose()
	case key.Matches(msg, k.Timeline):
		return m.detail.ShowTimeline()
	case key.Matches(msg, k.JumpToSent):
		return m.jumpToSent()
	case key.Matches(msg, k.CopyCurl):
		return m.copyCurl()
	case key.Matches(msg, k.CopyBody):
		return m.copyBody()
	case key.Matches(msg, k.CopyID):
		return m.copyID()
	case key.Matches(msg, k.Secret):
		return m.toggleSecret()
	case key.Matches(msg, k.Replay):
		return m.replaySelected()
	case key.Matches(msg, k.Edit):
		return m.editSelected()
	case key.Matches(msg, k.ReplayFailed):
		return m.replayFailedForwards()
	case key.Matches(msg, k.Answer):
		return m.openAnswerMenu()
	case key.Matches(msg, k.CopyURL):
		return m.copyPublicURL()
	case key.Matches(msg, k.Check):
		return m.startCheck()
	case key.Matches(msg, k.Export):
		return m.openExport()
	case key.Matches(msg, k.NextTab):
		return m.detail.SetTab(m.detail.Tab() + 1)
	case key.Matches(msg, k.PrevTab):
		return m.detail.SetTab(m.detail.Tab() - 1)
	case key.Matches(msg, k.Open):
		m.setFocus(focusDetail)
	case key.Matches(msg, k.Back):
		return m.back()
	default:
		for i, b := range k.Tabs {
			if key.Matches(msg, b) {
				return m.detail.SetTab(i)
			}
		}
		if m.focus == focusDetail {
			return m.detail.Update(msg)
		}
		m.unpin()
		return m.afterList(m.list.Update(msg))
	}
	return nil
}

func (m *Model) helpKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Quit):
		return tea.Quit
	case key.Matches(msg, m.keys.Help, m.keys.Back):
		m.showHelp = false
	case key.Matches(msg, m.keys.Up):
		m.helpOffset--
	case key.Matches(msg, m.keys.Down):
		m.helpOffset++
	case key.Matches(msg, m.keys.PageUp):
		m.helpOffset -= max(m.screen.Body.H-2, 1)
	case key.Matches(msg, m.keys.PageDown):
		m.helpOffset += max(m.screen.Body.H-2, 1)
	case key.Matches(msg, m.keys.Top):
		m.helpOffset = 0
	case key.Matches(msg, m.keys.Bottom):
		m.helpOffset = 1 << 30 // clamped when drawn
	}
	// Kept within the lines, so scrolling back up answers at once.
	m.helpOffset = max(min(m.helpOffset, len(m.helpLines(m.screen.Body.W))-(m.screen.Body.H-1)), 0)
	return nil
}

// back leaves the detail pane, or clears an active filter.
func (m *Model) back() tea.Cmd {
	if m.focus == focusDetail {
		m.setFocus(focusList)
		m.unpin()
		return m.afterList(nil)
	}
	if m.list.Query() != "" || m.input.Value() != "" {
		return m.clearFilter()
	}
	return nil
}

func (m *Model) setFocus(f focus) {
	m.focus = f
	m.list.SetFocused(f == focusList)
	m.detail.SetFocused(f == focusDetail)
}
