// Package menu is a small overlay menu: a few choices, and optionally a text input
// for a value of one's own that is checked before it is taken, its error shown inline.
package menu

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/dexra/dexra-tui/ui/frame"
	"github.com/dexra/dexra-tui/ui/sanitize"
	"github.com/dexra/dexra-tui/ui/theme"
)

// KeyMap is the menu's keys; digits 1-9 also choose the item of that number.
type KeyMap struct {
	Up, Down, Choose, Cancel key.Binding
}

// Item is one choice: Value is what choosing it yields, Label how it is shown.
type Item struct {
	Value, Label string
}

// ChosenMsg says the menu named Name was closed on Value.
type ChosenMsg struct {
	Name  string
	Value string
}

// Config is what a menu offers.
type Config struct {
	Name  string // set on every ChosenMsg
	Title string
	Items []Item
	// Custom labels a last item that opens the input; "" offers no input.
	Custom      string
	Syntax      string // shown above the input while it is typed in
	Placeholder string
	// Check says why a typed value cannot be taken; nil takes anything but "".
	Check func(string) error
}

// Menu is the component; the zero value is closed and offers nothing.
type Menu struct {
	cfg     Config
	open    bool
	sel     int
	current string // the value in force, marked with •
	editing bool
	input   textinput.Model
	err     error
	keys    KeyMap
	styles  *theme.Styles
}

// New returns a closed menu.
func New(styles *theme.Styles, keys KeyMap) *Menu {
	in := textinput.New()
	in.Prompt = "› "
	m := &Menu{keys: keys, styles: styles, input: in}
	m.SetStyles(styles)
	return m
}

// SetStyles draws with new styles from now on.
func (m *Menu) SetStyles(s *theme.Styles) {
	m.styles = s
	st := m.input.Styles()
	st.Focused.Prompt, st.Blurred.Prompt = s.TitleActive, s.Title
	st.Focused.Placeholder, st.Blurred.Placeholder = s.Muted, s.Muted
	st.Cursor.Blink = false // a steady cursor: no timer messages while typing
	m.input.SetStyles(st)
}

// Open shows cfg's choices with current marked and selected.
func (m *Menu) Open(cfg Config, current string) tea.Cmd {
	m.cfg, m.open, m.current, m.sel, m.err = cfg, true, current, 0, nil
	m.editing = false
	m.input.Placeholder = cfg.Placeholder
	m.input.Blur()
	found := false
	for i, it := range cfg.Items {
		if it.Value == current {
			m.sel, found = i, true
		}
	}
	if !found && current != "" && cfg.Custom != "" {
		m.sel = len(cfg.Items) // a value of one's own is in force
		m.input.SetValue(current)
	} else {
		m.input.SetValue("")
	}
	if len(cfg.Items) == 0 && cfg.Custom != "" {
		return m.edit()
	}
	return nil
}

// IsOpen reports whether the menu is shown.
func (m *Menu) IsOpen() bool { return m.open }

// Editing reports whether the input has the keys.
func (m *Menu) Editing() bool { return m.editing }

// Name is the open menu's name.
func (m *Menu) Name() string { return m.cfg.Name }

func (m *Menu) count() int {
	n := len(m.cfg.Items)
	if m.cfg.Custom != "" {
		n++
	}
	return n
}

func (m *Menu) edit() tea.Cmd {
	m.editing, m.err = true, nil
	m.input.CursorEnd()
	return m.input.Focus()
}

// Update handles keys and pastes while open.
func (m *Menu) Update(msg tea.Msg) tea.Cmd {
	if !m.open {
		return nil
	}
	if m.editing {
		return m.editKey(msg)
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch {
	case key.Matches(k, m.keys.Up):
		m.sel = max(m.sel-1, 0)
	case key.Matches(k, m.keys.Down):
		m.sel = min(m.sel+1, max(m.count()-1, 0))
	case key.Matches(k, m.keys.Cancel):
		m.open = false
	case key.Matches(k, m.keys.Choose):
		return m.choose(m.sel)
	default:
		if s := k.String(); len(s) == 1 && s[0] >= '1' && s[0] <= '9' {
			if i := int(s[0] - '1'); i < m.count() {
				return m.choose(i)
			}
		}
	}
	return nil
}

func (m *Menu) choose(i int) tea.Cmd {
	m.sel = i
	if i >= len(m.cfg.Items) {
		return m.edit()
	}
	return m.close(m.cfg.Items[i].Value)
}

func (m *Menu) close(v string) tea.Cmd {
	m.open, m.editing = false, false
	m.input.Blur()
	name := m.cfg.Name
	return func() tea.Msg { return ChosenMsg{Name: name, Value: v} }
}

func (m *Menu) editKey(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, m.keys.Cancel):
			m.editing, m.err = false, nil
			m.input.Blur()
			if len(m.cfg.Items) == 0 {
				m.open = false
			}
			return nil
		case key.Matches(k, m.keys.Choose):
			v := strings.TrimSpace(m.input.Value())
			if err := m.check(v); err != nil {
				m.err = err
				return nil
			}
			return m.close(v)
		}
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	m.err = nil
	return cmd
}

func (m *Menu) check(v string) error {
	if m.cfg.Check != nil {
		return m.cfg.Check(v)
	}
	if v == "" {
		return errEmpty
	}
	return nil
}

type emptyError struct{}

func (emptyError) Error() string { return "type a value, or esc" }

var errEmpty error = emptyError{}

// errLines is the input's error wrapped at word boundaries to width, at most 4 lines.
func (m *Menu) errLines(width int) []string {
	if m.err == nil {
		return nil
	}
	wrapped := lipgloss.NewStyle().Width(max(width, 1)).Render(sanitize.Line(m.err.Error()))
	lines := strings.Split(wrapped, "\n")
	return lines[:min(len(lines), 4)]
}

// View renders the menu as a bordered box at most w×h cells: while the input is
// typed in, only the title, the syntax, the input and its error are shown.
func (m *Menu) View(w, h int) string {
	st := m.styles
	bw := min(64, w-2)
	inner := bw - 4 // border and one space each side
	hint := "enter chooses · esc closes"
	if m.editing {
		hint = "enter takes it · esc goes back"
	}
	lines := []string{frame.Cell(st.TitleActive.Render(sanitize.Line(m.cfg.Title))+"  "+st.Muted.Render(hint), inner)}
	if m.editing {
		lines = append(lines, wrap(st.Muted, m.cfg.Syntax, inner)...)
		m.input.SetWidth(max(inner-4, 1))
		lines = append(lines, frame.Cell(m.input.View(), inner))
		for _, l := range m.errLines(inner) {
			lines = append(lines, frame.Cell(st.Error.Render(l), inner))
		}
		return m.box(lines, bw, h)
	}
	labels := make([]string, 0, m.count())
	for _, it := range m.cfg.Items {
		labels = append(labels, it.Label)
	}
	if m.cfg.Custom != "" {
		custom := m.cfg.Custom
		if v := m.input.Value(); v != "" && m.sel == len(m.cfg.Items) {
			custom = "• " + v // the value of one's own in force
		}
		labels = append(labels, custom)
	}
	if h-2 >= len(labels)+2 {
		lines = append(lines, "") // room for a blank line under the title
	}
	first := max(0, m.sel-(h-2-len(lines)-1)) // the selection stays in view
	for i := first; i < len(labels); i++ {
		mark := "  "
		if i < len(m.cfg.Items) && m.cfg.Items[i].Value == m.current {
			mark = "• "
		}
		line := frame.Cell(string(rune('1'+i))+" "+mark+sanitize.Line(labels[i]), inner)
		if i == m.sel {
			line = st.Selected.Render(line)
		}
		lines = append(lines, line)
	}
	return m.box(lines, bw, h)
}

// box borders lines, keeping at most h-2 of them.
func (m *Menu) box(lines []string, bw, h int) string {
	lines = lines[:min(len(lines), max(h-2, 1))]
	box := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(m.styles.Separator.GetForeground()).Padding(0, 1).Width(bw)
	return box.Render(strings.Join(lines, "\n"))
}

// wrap is text wrapped at word boundaries to width, in style.
func wrap(style lipgloss.Style, text string, width int) []string {
	if text == "" {
		return nil
	}
	return strings.Split(style.Width(max(width, 1)).Render(sanitize.Line(text)), "\n")
}

// SetValueForTest replaces what is typed in the input (tests type paths this way).
func (m *Menu) SetValueForTest(v string) { m.input.SetValue(v) }
