package ui

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/ui/frame"
	"github.com/dexra/dexra-tui/ui/theme"
)

// countCap bounds how many matches the filter count reads before saying "N+".
const countCap = 10_000

func newFilterInput(styles *theme.Styles) textinput.Model {
	in := textinput.New()
	in.Prompt = "/ "
	in.Placeholder = "sig:fail type:delivery source:dexatel path:/x dup:yes corr:ID word -term"
	return restyleFilterInput(in, styles)
}

func restyleFilterInput(in textinput.Model, styles *theme.Styles) textinput.Model {
	st := in.Styles()
	st.Focused.Prompt = styles.TitleActive
	st.Focused.Placeholder = styles.Muted
	st.Blurred.Prompt = styles.Title
	st.Blurred.Placeholder = styles.Muted
	st.Cursor.Blink = false // a steady cursor: no timer messages while typing
	in.SetStyles(st)
	return in
}

// startFilter opens the filter input on the active filter.
func (m *Model) startFilter() tea.Cmd {
	m.filtering = true
	m.input.SetValue(m.list.Query())
	m.input.CursorEnd()
	m.fitFilterInput()
	return m.input.Focus()
}

// fitFilterInput sizes the input to its text (or placeholder), leaving room for the
// match count or the error after it.
func (m *Model) fitFilterInput() {
	n := frame.Width(m.input.Value()) + 1 // cells, not runes: 日 takes two
	if m.input.Value() == "" {
		n = frame.Width(m.input.Placeholder)
	}
	m.input.SetWidth(max(min(n, m.width*2/3), 1))
	m.input.SetCursor(m.input.Position()) // SetWidth alone keeps the scroll the old, narrower width needed
}

// filterKey edits the filter; every edit that parses is applied after a short pause.
func (m *Model) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Clear):
		return m.clearFilter()
	case key.Matches(msg, m.keys.Apply):
		m.filtering = false
		m.input.Blur()
		if m.filterErr == nil && m.input.Value() != m.list.Query() {
			return m.setQuery(m.input.Value())
		}
		return nil
	}
	return m.editFilter(msg)
}

// pasteFilter inserts pasted text into the filter being typed.
func (m *Model) pasteFilter(msg tea.PasteMsg) tea.Cmd {
	if !m.filtering {
		return nil
	}
	return m.editFilter(msg)
}

// editFilter hands a key or paste to the input and parses what it holds now.
func (m *Model) editFilter(msg tea.Msg) tea.Cmd {
	before := m.input.Value()
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	m.fitFilterInput()
	if m.input.Value() == before {
		return cmd
	}
	m.filterEdit++
	if _, err := store.ParseFilter(m.input.Value()); err != nil {
		m.filterErr = err // the list keeps showing the last valid filter
		return cmd
	}
	m.filterErr = nil
	return tea.Batch(cmd, m.schedule(filterDebounce, applyFilterMsg{edit: m.filterEdit}))
}

// applyFilter applies the typed filter if nothing was typed since it was scheduled.
func (m *Model) applyFilter(msg applyFilterMsg) tea.Cmd {
	if msg.edit != m.filterEdit || m.filterErr != nil || m.input.Value() == m.list.Query() {
		return nil
	}
	return m.setQuery(m.input.Value())
}

// clearFilter closes the input and shows every event again.
func (m *Model) clearFilter() tea.Cmd {
	m.filtering, m.filterErr = false, nil
	m.filterEdit++
	m.input.SetValue("")
	m.input.Blur()
	if m.list.Query() == "" {
		return nil
	}
	return m.setQuery("")
}

func (m *Model) setQuery(q string) tea.Cmd {
	m.countGen++
	m.counting, m.countDirty, m.countErr = false, false, nil
	m.count, m.countCap = 0, false
	return tea.Batch(m.afterList(m.list.SetQuery(q)), m.refreshCount())
}

// refreshCount recounts the matches of the active filter, one count at a time.
func (m *Model) refreshCount() tea.Cmd {
	q := m.list.Query()
	if q == "" {
		return nil
	}
	if m.counting {
		m.countDirty = true
		return nil
	}
	m.counting = true
	return countMatches(m.opts.Reader, q, m.countGen)
}

func (m *Model) countArrived(msg countMsg) tea.Cmd {
	if msg.gen != m.countGen {
		return nil
	}
	m.counting = false
	m.count, m.countCap, m.countErr = msg.n, msg.capped, msg.err
	if m.countDirty {
		m.countDirty = false
		return m.refreshCount()
	}
	return nil
}

// countMatches counts the events matching q, reading at most countCap of them.
func countMatches(r store.Reader, q string, gen uint64) tea.Cmd {
	return func() tea.Msg {
		n, cursor := 0, uint64(0)
		for {
			page, err := r.List(store.ListOptions{Query: q, Cursor: cursor, Limit: 1000})
			if err != nil {
				return countMsg{gen: gen, err: err}
			}
			n += len(page.Events)
			if page.Next == 0 {
				return countMsg{gen: gen, n: n}
			}
			if n >= countCap {
				return countMsg{gen: gen, n: n, capped: true}
			}
			cursor = page.Next
		}
	}
}
