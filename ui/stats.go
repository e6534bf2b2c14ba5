package ui

import tea "charm.land/bubbletea/v2"

// refreshStats reads the history's counters, one read at a time.
func (m *Model) refreshStats() tea.Cmd {
	if m.statsLoading {
		m.statsDirty = true
		return nil
	}
	m.statsLoading = true
	r := m.opts.Reader
	return func() tea.Msg {
		st, err := r.Stats()
		return statsMsg{stats: st, err: err}
	}
}

func (m *Model) statsArrived(msg statsMsg) tea.Cmd {
	m.statsLoading = false
	if msg.err != nil {
		m.statsErr = msg.err
	} else {
		m.stats, m.statsErr = msg.stats, nil
	}
	if m.statsDirty {
		m.statsDirty = false
		return m.refreshStats()
	}
	return nil
}
