package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/dexra/dexra-tui/ui/frame"
	"github.com/dexra/dexra-tui/ui/sanitize"
	"github.com/dexra/dexra-tui/ui/theme"
)

// View draws the console in the alternate screen with the mouse on.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "dexra-tui"
	return v
}

func (m *Model) render() string {
	if m.width == 0 || m.height == 0 {
		return ""
	}
	s := m.screen
	if s.TooSmall {
		return m.tooSmall()
	}
	lines := make([]string, 0, m.height)
	lines = append(lines, m.header(s.Header.W))
	lines = append(lines, m.body()...)
	lines = append(lines, m.statusLine(s.Status.W), m.helpLine(s.Help.W))
	return strings.Join(lines, "\n")
}

func (m *Model) tooSmall() string {
	msg := []string{
		m.styles.App.Render("dexra-tui"),
		fmt.Sprintf("needs a terminal of at least %d×%d", minWidth, minHeight),
		fmt.Sprintf("this one is %d×%d: make it larger", m.width, m.height),
		m.styles.Muted.Render("q quits"),
	}
	var wrapped []string
	for _, l := range msg { // wrapped, not cut: the sizes and the advice must stay readable
		wrapped = append(wrapped, strings.Split(ansi.Wrap(l, m.width, ""), "\n")...)
	}
	top := max((m.height-len(wrapped))/2, 0)
	out := make([]string, 0, m.height)
	for i := 0; i < top; i++ {
		out = append(out, "")
	}
	for _, l := range wrapped {
		l = strings.TrimRight(l, " ")
		pad := max((m.width-frame.Width(l))/2, 0)
		out = append(out, strings.Repeat(" ", pad)+l)
	}
	return strings.Join(frame.Box(strings.Join(out, "\n"), m.width, m.height), "\n")
}

// body is the list and detail, or an overlay (help, trigger picker) in their place.
func (m *Model) body() []string {
	s := m.screen
	b := s.Body
	switch {
	case m.compose.form != nil:
		return m.composeBody(b.W, b.H)
	case m.editor.IsOpen():
		return strings.Split(m.editor.View(b.W, b.H), "\n")
	case m.picker.IsOpen():
		return strings.Split(m.picker.View(b.W, b.H), "\n")
	case m.showHelp:
		return m.helpBody(b.W, b.H)
	case m.check.open:
		return m.checkBody(b.W, b.H)
	}
	list := strings.Split(m.list.View(s.List.W, s.List.H), "\n")
	var det []string
	if m.stats.Total == 0 && m.list.Query() == "" && m.list.SelectedID() == "" {
		det = frame.Box(m.welcome(s.Detail.W), s.Detail.W, s.Detail.H)
	} else {
		det = strings.Split(m.detail.View(s.Detail.W, s.Detail.H), "\n")
	}
	var out []string
	if !s.SideBySide {
		rule := m.styles.Separator.Render(strings.Repeat("─", s.Sep.W))
		out = append(append(list, rule), det...)
	} else {
		sep := m.styles.Separator.Render("│")
		out = make([]string, b.H)
		for i := range out {
			out[i] = list[i] + sep + det[i]
		}
	}
	if m.menu.IsOpen() {
		return overlay(out, m.menu.View(b.W, b.H), b.W, b.H)
	}
	return out
}

// welcome tells a new user how to get a first event in.
func (m *Model) welcome(width int) string {
	st := m.styles
	url := sanitize.Line(m.opts.ListenURL)
	lines := []string{
		st.TitleActive.Render("Waiting for webhooks"),
		"",
		st.Label.Render("t") + "  send a signed sample event to the listener",
		st.Label.Render("s") + "  show the webhook secret, to paste into the platform's dashboard",
		st.Label.Render("?") + "  every key",
		"",
		"Point the platform (or curl) at " + url + "/dexatel, " + url + "/dexra or any other path.",
	}
	if line := m.publicWelcome(); line != "" {
		lines = append(lines, "", line)
	}
	wrap := lipgloss.NewStyle().Width(max(width-1, 1))
	return wrap.Render(strings.Join(lines, "\n"))
}

// helpBody is the help screen in w×h cells: a title line, then the keys and the
// filter language, scrolled by m.helpOffset when they do not fit.
func (m *Model) helpBody(w, h int) []string {
	lines := m.helpLines(w)
	rows := max(h-1, 1)
	offset := max(min(m.helpOffset, len(lines)-rows), 0)
	hint := "  ? or esc closes"
	if len(lines) > rows {
		hint = fmt.Sprintf("  ↑↓ pgdn scroll · ? esc close  %d%%", offset*100/(len(lines)-rows))
	}
	title := m.styles.TitleActive.Render("KEYS") + m.styles.Muted.Render(hint)
	shown := lines[offset:min(offset+rows, len(lines))]
	return frame.Box(title+"\n"+strings.Join(shown, "\n"), w, h)
}

// helpLines is every key and the filter language, in as many columns as fit w.
func (m *Model) helpLines(w int) []string {
	filterHelp := []string{
		"",
		m.styles.TitleActive.Render("FILTER"),
		"  type:X source:X         event type / source",
		"  sig:pass|fail|missing|unchecked",
		"  path:X                  path contains X",
		"  dup:yes|no              redeliveries of an earlier event",
		"  corr:X                  correlation key (e.g. a message_id)",
		"  dir:in|out              received, or sent (send, check)",
		"  word  \"two words\"       path or body contains it",
		"  -term                   negates a term; terms combine with AND",
	}
	groups := m.keys.FullHelp()
	unbounded := m.help
	unbounded.SetWidth(0) // measure the columns uncut
	keys := unbounded.FullHelpView(groups)
	if lipgloss.Width(keys) > w { // two rows of two columns
		keys = unbounded.FullHelpView(groups[:2]) + "\n\n" + unbounded.FullHelpView(groups[2:])
	}
	if lipgloss.Width(keys) > w { // one column
		parts := make([]string, len(groups))
		for i, g := range groups {
			parts[i] = unbounded.FullHelpView([][]key.Binding{g})
		}
		keys = strings.Join(parts, "\n\n")
	}
	return append(append([]string{""}, strings.Split(keys, "\n")...), filterHelp...)
}

// statusLine shows the filter being typed or applied, and the latest toast.
func (m *Model) statusLine(width int) string {
	st := m.styles
	var left string
	progress := false // a replay, an export or a check: it keeps half the line beside a message
	switch {
	case m.filtering:
		left = m.input.View()
		if m.filterErr != nil {
			left += "  " + st.Error.Render(m.filterErrorText())
		} else if m.list.Query() != "" {
			left += "  " + st.Muted.Render(m.matchText())
		}
	case m.replay != nil:
		left, progress = m.replayStatus(width), true
	case m.export != nil && !m.export.asking: // a run still asking may have been closed with esc
		left, progress = m.exportStatus(width), true
	case m.check.running:
		left, progress = m.checkStatus(), true
	case m.list.Query() != "":
		left = st.TitleActive.Render("filter ") + m.filterText() + st.Muted.Render("  "+m.matchText()+" · / edits · esc clears")
	}
	if m.toast == "" {
		return frame.Cell(left, width)
	}
	style := st.Toast
	if m.toastIsError {
		style = st.Error
	}
	if left == "" {
		return frame.Cell(style.Render(fitToast(m.toast, width)), width)
	}
	// A filter summary yields to the message; a filter being typed stays in view.
	keep := 0
	switch {
	case m.filtering:
		keep = max(frame.Width(m.input.View())+1, minStatusLeft) // +1: the … of what is cut after it
	case progress:
		keep = width / 2
	}
	rw := min(frame.Width(m.toast), max(width-keep-1, width/2))
	if !m.filtering && !progress && width-rw-1 < minStatusLeft { // too little left to read: the message takes the line
		return frame.Cell(style.Render(fitToast(m.toast, width)), width)
	}
	return frame.Cell(left, width-rw-1) + " " + frame.Cell(style.Render(fitToast(m.toast, rw)), rw)
}

// minStatusLeft is the fewest cells of the status line's left part worth showing
// beside a message ("filter sig:…").
const minStatusLeft = 12

// helpLine is the one-line help of the current mode, drawn once per mode and width.
func (m *Model) helpLine(width int) string {
	mode := 0
	bindings := m.keys.ShortHelp()
	switch {
	case m.compose.form != nil:
		mode, bindings = m.composeHelpMode(), m.composeHelp()
	case m.editor.IsOpen():
		mode, bindings = 4, []key.Binding{m.keys.Send, m.keys.CancelEdit}
	case m.picker.IsOpen():
		mode, bindings = 1, []key.Binding{m.keys.Up, m.keys.Down, m.keys.SendSample, m.keys.CancelSample}
	case m.menu.IsOpen() && !m.menu.Editing():
		mode = -1 // a mode of its own, outside compose's 6 and up
		bindings = []key.Binding{m.keys.Up, m.keys.Down, m.keys.Choose, m.keys.CloseMenu}
	case m.menu.IsOpen():
		take := key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "take it"))
		mode, bindings = 5, []key.Binding{take, m.keys.Back}
	case m.filtering:
		mode, bindings = 2, []key.Binding{m.keys.Apply, m.keys.Clear}
	case m.focus == focusDetail:
		mode, bindings = 3, []key.Binding{m.keys.Up, m.keys.Down, m.keys.PageDown, m.keys.NextTab, m.keys.Back, m.keys.Help, m.keys.Quit}
	}
	k := helpKey{mode: mode, width: width, styles: m.styles}
	if k != m.helpDrawnKey {
		m.helpDrawn, m.helpDrawnKey = frame.Cell(m.help.ShortHelpView(bindings), width), k
	}
	return m.helpDrawn
}

// helpKey is what the one-line help's drawing depends on.
type helpKey struct {
	mode, width int
	styles      *theme.Styles
}
