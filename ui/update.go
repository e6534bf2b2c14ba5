package ui

import (
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/dexra/dexra-tui/ui/sanitize"

	"github.com/dexra/dexra-tui/ui/detail"
	"github.com/dexra/dexra-tui/ui/editor"
	"github.com/dexra/dexra-tui/ui/eventlist"
	"github.com/dexra/dexra-tui/ui/menu"
	"github.com/dexra/dexra-tui/ui/picker"
	"github.com/dexra/dexra-tui/ui/theme"
)

// Update hands each message to its handler.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		return m, m.resize(msg.Width, msg.Height)
	case tea.BackgroundColorMsg:
		return m, m.setBackground(msg.IsDark())
	case tea.KeyPressMsg:
		return m, m.handleKey(msg)
	case tea.PasteMsg:
		if m.compose.form != nil {
			return m, m.composeMsg(msg)
		}
		if m.editor.IsOpen() {
			return m, m.editor.Update(msg)
		}
		if m.menu.IsOpen() {
			return m, m.menu.Update(msg)
		}
		return m, m.pasteFilter(msg)
	case tea.MouseClickMsg:
		return m, m.handleClick(msg.Mouse())
	case tea.MouseWheelMsg:
		return m, m.handleWheel(msg.Mouse())
	case eventsArrivedMsg:
		return m, m.eventsArrived(msg)
	case listenerStoppedMsg:
		m.listenerErr = msg.err
		return m, m.showToast("listener stopped: "+sanitize.Line(msg.err.Error())+"; restart dexra-tui", true)
	case eventlist.PageMsg:
		return m, m.afterList(m.list.Update(msg))
	case detail.LoadedMsg, detail.SchemaMsg:
		return m, m.detail.Update(msg)
	case menu.ChosenMsg:
		return m, m.menuChosen(msg)
	case picker.ChosenMsg:
		return m, m.trigger(msg)
	case statsMsg:
		return m, m.statsArrived(msg)
	case countMsg:
		return m, m.countArrived(msg)
	case applyFilterMsg:
		return m, m.applyFilter(msg)
	case triggeredMsg:
		return m, m.triggered(msg)
	case copyMsg:
		return m, m.copied(msg)
	case healthMsg:
		return m, m.healthArrived(msg)
	case commitsMsg:
		return m, m.commitsArrived(msg)
	case publicMsg:
		return m, m.publicArrived(msg)
	case checkDoneMsg, spinner.TickMsg, exportProgressMsg, exportDoneMsg:
		return m, m.consoleToolMsg(msg)
	case attemptsRecordedMsg:
		return m, tea.Batch(m.afterList(m.list.Refresh()), m.detail.Reload())
	case replayProgressMsg:
		return m, m.replayProgressed(msg)
	case replayDoneMsg:
		return m, m.replayEnded(msg)
	case editLoadedMsg:
		return m, m.editLoaded(msg)
	case editorExitedMsg:
		return m, m.editorExited(msg)
	case editor.SubmitMsg:
		return m, m.editSubmitted(msg)
	case editor.CanceledMsg:
		return m, m.showToast("edit canceled: nothing sent", false)
	case toastMsg:
		return m, m.showToast(msg.text, msg.isError)
	case toastExpiredMsg:
		m.expireToast(msg)
	case rateSeedMsg:
		m.arrivals.seed(msg)
	case tickMsg:
		m.now = m.opts.Now()
		return m, tea.Batch(m.tick(), m.refreshHealth(), m.refreshCommits())
	default:
		return m, m.composeMsg(msg)
	}
	return m, nil
}

// menuChosen acts on the value an overlay menu closed on.
func (m *Model) menuChosen(msg menu.ChosenMsg) tea.Cmd {
	switch msg.Name {
	case menuAnswer:
		return m.setAnswer(msg.Value)
	case menuTarget:
		return m.targetChosen(msg.Value)
	case menuExportScope, menuExportFormat, menuExportPath:
		return m.exportChosen(msg)
	}
	return nil
}

// resize lays the screen out again for the new terminal size.
func (m *Model) resize(w, h int) tea.Cmd {
	m.width, m.height = w, h
	m.screen = layout(w, h)
	s := m.screen
	if s.TooSmall {
		return nil
	}
	m.help.SetWidth(w)
	m.fitFilterInput()
	m.picker.SetSize(s.Body.H)
	m.editor.SetSize(s.Body.W, s.Body.H)
	if m.compose.form != nil {
		m.compose.form.SetSize(s.Body.W, s.Body.H)
	}
	return tea.Batch(m.detail.SetSize(s.Detail.W, s.Detail.H), m.afterList(m.list.SetSize(s.List.W, s.List.H)))
}

// setBackground rebuilds the styles for a dark or light terminal.
func (m *Model) setBackground(dark bool) tea.Cmd {
	if dark == m.isDark {
		return nil
	}
	m.isDark = dark
	styles := theme.New(dark, m.opts.NoColor)
	m.styles = &styles
	m.list.SetStyles(m.styles)
	m.picker.SetStyles(m.styles)
	m.menu.SetStyles(m.styles)
	m.editor.SetStyles(m.styles)
	m.bar = newProgressBar(m.styles)
	m.help.Styles = m.styles.Help
	m.input = restyleFilterInput(m.input, m.styles)
	return m.detail.SetStyles(m.styles)
}

// afterList follows a list change: the detail shows the selected event.
func (m *Model) afterList(cmd tea.Cmd) tea.Cmd {
	if id := m.list.SelectedID(); id != m.detail.ID() && !m.pinnedShown() {
		return tea.Batch(cmd, m.detail.Load(id))
	}
	return cmd
}

// eventsArrived takes one coalesced batch: counters, rate, list and filter count.
func (m *Model) eventsArrived(msg eventsArrivedMsg) tea.Cmd {
	m.arrivals.add(msg.arrivals)
	m.now = m.opts.Now()
	return tea.Batch(m.refreshStats(), m.afterList(m.list.EventsArrived(msg.count)), m.refreshCount(), m.reloadTimeline())
}
