package ui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/ui/present"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// commitsMsg carries the history's commit state.
type commitsMsg struct{ health store.Health }

// refreshCommits reads the history's commit state (a lock, but not in Update); it
// runs with the periodic health poll.
func (m *Model) refreshCommits() tea.Cmd {
	read := m.opts.CommitHealth
	if read == nil {
		return nil
	}
	return func() tea.Msg { return commitsMsg{health: read()} }
}

// commitsArrived keeps the state for the header and says in the status line when a
// spell of failing commits begins or ends.
func (m *Model) commitsArrived(msg commitsMsg) tea.Cmd {
	was := m.commits.Failing
	m.commits = msg.health
	switch {
	case msg.health.Failing && !was:
		return m.showToast("the history cannot commit ("+commitReason(msg.health)+"): the listener answers 503 until it heals; free disk space", true)
	case !msg.health.Failing && was:
		return m.showToast("history commits work again: the listener answers 2xx", false)
	}
	return nil
}

// commitText is the header's part while commits fail ("" otherwise): never left out,
// since every webhook is refused meanwhile; short leaves the reason out.
func (m *Model) commitText(short ...bool) string {
	h := m.commits
	if !h.Failing {
		return ""
	}
	s := "✗ commits failing: " + commitReason(h)
	if len(short) > 0 && short[0] {
		s = "✗ commits failing"
	}
	if h.Refused > 0 {
		s += fmt.Sprintf(" · %s refused", present.Count(h.Refused))
	}
	return m.styles.Error.Render(s)
}

// commitReason is the failure's innermost words ("no space left on device").
func commitReason(h store.Health) string {
	if h.Err == nil {
		return "unknown error"
	}
	err := h.Err
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok || u.Unwrap() == nil {
			break
		}
		err = u.Unwrap()
	}
	return sanitize.Line(err.Error())
}
