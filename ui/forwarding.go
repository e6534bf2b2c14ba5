package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/ui/present"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// refreshHealth reads the forward targets' health (in memory, but not in Update).
func (m *Model) refreshHealth() tea.Cmd {
	f := m.opts.Forwarder
	if f == nil {
		return nil
	}
	return func() tea.Msg { return healthMsg{targets: f.Health(), failed: len(f.Failed())} }
}

// healthArrived keeps the health for the header and, when attempts were recorded
// since the last look, reads the listed rows and the detail again.
func (m *Model) healthArrived(msg healthMsg) tea.Cmd {
	m.health, m.failedForwards = msg.targets, msg.failed
	note := ""
	if msg.failed > 0 {
		note = m.styles.Fail.Render(present.Count(msg.failed)+" undelivered") + m.styles.Muted.Render(" · R replays")
	}
	m.list.SetNote(note)
	n := 0
	for _, h := range msg.targets {
		n += h.Delivered + h.Failed
	}
	if n == m.attemptsSeen && !m.attemptsDirty {
		return nil
	}
	m.attemptsSeen, m.attemptsDirty = n, false
	return tea.Batch(m.afterList(m.list.Refresh()), m.detail.Reload())
}

// forwardText is each forward target's health for the header ("→ localhost:3000 ok");
// short leaves the targets' URLs and the reasons out.
func (m *Model) forwardText(short bool) string {
	if len(m.health) == 0 {
		return ""
	}
	parts := make([]string, 0, len(m.health))
	for _, h := range m.health {
		s := "→ "
		if !short {
			s += sanitize.Line(h.Target.Label()) + " "
		}
		parts = append(parts, s+m.healthState(h, short))
	}
	return strings.Join(parts, "  ")
}

func (m *Model) healthState(h tunnel.TargetHealth, short bool) string {
	st := m.styles
	var s string
	switch h.State {
	case tunnel.HealthOK:
		s = st.Pass.Render("ok")
	case tunnel.HealthFailing:
		reason := h.LastError
		if reason == "" {
			reason = fmt.Sprint(h.LastStatus)
		}
		if short {
			s = st.Fail.Render("✗")
		} else {
			s = st.Fail.Render("✗ " + sanitize.Line(reason))
		}
	default:
		s = st.Muted.Render("idle")
	}
	if h.Queued > 0 {
		s += st.Muted.Render(" · " + present.Count(h.Queued) + " queued")
	}
	return s
}
