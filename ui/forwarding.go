package ui

import (
	"fmt"
	"strings"
	"time"

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
	note, retrying := "", 0
	for _, h := range msg.targets {
		retrying += h.Retrying
	}
	switch {
	case retrying > 0:
		note = m.styles.Fail.Render(present.Count(msg.failed)+" undelivered") + m.styles.Muted.Render(" · retrying · R now")
	case msg.failed > 0:
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
	h = m.withReplays(h)
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
		s = st.Muted.Render(h.StateWord())
	}
	if !h.NextRetry.IsZero() && !short {
		s += st.Muted.Render(" · retry in " + retryIn(h.NextRetry.Sub(m.opts.Now())))
	}
	if n := h.Backlog(); n > 0 {
		s += st.Muted.Render(" · " + present.Count(n) + " waiting")
	}
	return s
}

// noteReplays keeps, per forward target, the latest replay's outcome: the forwarder's
// health only counts live forwards, and a target that answers R is up again.
func (m *Model) noteReplays(results []tunnel.ReplayResult) {
	for _, r := range results {
		if r.Err != nil {
			continue // nothing was sent
		}
		if i := targetOf(m.opts.Replay.Targets, r.Attempt.Target); i >= 0 {
			if prev, ok := m.replayed[i]; !ok || !r.Attempt.At.Before(prev.At) {
				m.replayed[i] = r.Attempt
			}
		}
	}
}

// withReplays is h as of the latest attempt to its target, forward or replay.
func (m *Model) withReplays(h tunnel.TargetHealth) tunnel.TargetHealth {
	i := targetOf(m.opts.Replay.Targets, h.Target.URL.String())
	a, ok := m.replayed[i]
	if i < 0 || !ok || a.At.Before(h.LastAt) {
		return h
	}
	h.LastAt, h.LastStatus, h.LastError = a.At, a.Status, a.Error
	h.State = tunnel.HealthFailing
	if tunnel.AttemptOK(a) {
		h.State = tunnel.HealthOK
	}
	return h
}

// targetOf is the index of the target whose URL url lies under (the longest), or -1.
func targetOf(targets []tunnel.ForwardTarget, url string) int {
	best, bestLen := -1, -1
	for i, t := range targets {
		base := t.URL.Scheme + "://" + t.URL.Host + strings.TrimRight(t.URL.EscapedPath(), "/")
		if rest, ok := strings.CutPrefix(url, base); ok && (rest == "" || strings.ContainsAny(rest[:1], "/?")) && len(base) > bestLen {
			best, bestLen = i, len(base)
		}
	}
	return best
}

// retryIn is a wait as the header says it: "4s", "1m30s".
func retryIn(d time.Duration) string {
	d = max(d, 0).Round(time.Second)
	if d < time.Minute {
		return fmt.Sprintf("%ds", int(d.Seconds()))
	}
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}
