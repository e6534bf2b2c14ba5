package ui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dexra/dexra-tui/ui/frame"
	"github.com/dexra/dexra-tui/ui/present"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// header is the top line: listener, forward targets' health, profile, counters, rate
// and the secret. When it does not fit, the words go first, then the secret hint and
// the targets' URLs, then the listener URL (a revealed secret always stays).
func (m *Model) header(width int) string {
	st := m.styles
	counts := plural(m.stats.Total, "event") + " · "
	if m.stats.Failing > 0 {
		counts += st.Fail.Render(present.Count(m.stats.Failing) + " ✗")
	} else {
		counts += "0 ✗"
	}
	counts += fmt.Sprintf(" · %s/min", present.Count(m.arrivals.perMinute(m.now)))
	if m.statsErr != nil {
		counts = st.Error.Render("history: " + sanitize.Line(m.statsErr.Error()))
	}
	app := st.App.Render(" dexra-tui")
	url := sanitize.Line(m.opts.ListenURL)
	listening, dot := st.Listening.Render("● listening ")+url, st.Listening.Render("● ")+url
	stopped := ""
	if m.listenerErr != nil { // nothing is received any more: never left out
		listening = st.Error.Render("✗ listener stopped: " + sanitize.Line(m.listenerErr.Error()) + "; restart dexra-tui")
		dot, stopped = st.Error.Render("✗ listener stopped"), st.Error.Render("✗ listener stopped")
	}
	candidates := [][]string{
		{app, listening, m.profileBadge(), counts, m.secretText(false)},
		{app, dot, m.profileBadge(), counts, m.secretText(true)},
		{app, dot, m.profileBadge(), counts},
		{app, m.profileBadge(), counts, m.secretText(true)},
	}
	reveal := 2
	if fwd := m.forwardText(false); fwd != "" {
		// The targets' health goes before the listener's URL, which never changes.
		short := m.forwardText(true)
		candidates = [][]string{
			{app, listening, fwd, m.profileBadge(), counts, m.secretText(false)},
			{app, dot, fwd, m.profileBadge(), counts, m.secretText(true)},
			{app, dot, fwd, m.profileBadge(), counts},
			{app, fwd, m.profileBadge(), counts},
			{app, dot, short, m.profileBadge(), counts},
			{app, short, m.profileBadge(), counts, m.secretText(true)},
		}
		reveal = 3
	}
	if badge := m.answerBadge(); badge != "" { // a deliberate failure is never hidden
		for i := range candidates {
			candidates[i] = append(candidates[i][:2:2], append([]string{badge}, candidates[i][2:]...)...)
		}
	}
	if stopped != "" {
		for i, parts := range candidates {
			if !slices.Contains(parts, listening) && !slices.Contains(parts, dot) {
				candidates[i] = append([]string{parts[0], stopped}, parts[1:]...)
			}
		}
	}
	candidates = m.withHeaderBadges(candidates)
	if m.reveal { // a revealed secret is never the part left out
		for i := reveal; i < len(candidates)-1; i++ {
			candidates[i] = append(candidates[i], m.secretText(true))
		}
	}
	var line string
	for _, parts := range candidates {
		line = strings.Join(parts, "  ")
		if frame.Width(line) <= width {
			break
		}
	}
	return frame.Cell(line, width)
}

func (m *Model) profileBadge() string {
	if strings.EqualFold(m.opts.Profile, ProfileProduction) {
		return m.styles.Production.Render(" PRODUCTION ")
	}
	return m.styles.Sandbox.Render(" " + strings.ToUpper(sanitize.Line(m.opts.Profile)) + " ")
}

func (m *Model) secretText(short bool) string {
	switch {
	case m.opts.Secret == "":
		return m.styles.Muted.Render("no secret")
	case m.reveal:
		return "secret " + m.styles.Secret.Render(sanitize.Line(m.opts.Secret))
	case short:
		return m.styles.Muted.Render("s: secret")
	}
	return m.styles.Muted.Render("secret •••••• (s shows)")
}

// filterText is the applied filter, safe to show.
func (m *Model) filterText() string { return sanitize.Line(m.list.Query()) }

func (m *Model) filterErrorText() string { return sanitize.Line(m.filterErr.Error()) }

// matchText says how many events match the filter.
func (m *Model) matchText() string {
	switch {
	case m.countErr != nil:
		return "count failed: " + sanitize.Line(m.countErr.Error())
	case m.counting && m.count == 0:
		return "counting…"
	case m.countCap:
		return present.Count(m.count) + "+ matches"
	case m.count == 1:
		return "1 match"
	}
	return present.Count(m.count) + " matches"
}

// plural is "1 event", "2 events", "1,204 events".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return present.Count(n) + " " + noun + "s"
}
