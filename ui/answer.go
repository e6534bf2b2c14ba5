package ui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/tunnel"
)

// cycleAnswer switches the listener's answer to the next of tunnel.RespondModes, so a
// developer can watch the platform retry (500, 429, timeout…) and come back to 200.
func (m *Model) cycleAnswer() tea.Cmd {
	rs := m.opts.Responder
	if rs == nil {
		return m.showToast("the listener's answer can only change in the console's own listener", true)
	}
	next := tunnel.RespondModes[0]
	current := rs.Mode().String()
	for i, mode := range tunnel.RespondModes {
		if mode == current {
			next = tunnel.RespondModes[(i+1)%len(tunnel.RespondModes)]
			break
		}
	}
	r, err := tunnel.ParseRespond(next)
	if err != nil { // RespondModes are constants the tests parse
		return m.showToast(err.Error(), true)
	}
	rs.Set(r)
	if r.Normal() {
		return m.showToast("listener answers 200 again (a cycles)", false)
	}
	return m.showToast("listener now answers "+r.String()+" (a cycles; events are still recorded)", false)
}

// answerBadge is shown in the header while the listener misbehaves on purpose.
func (m *Model) answerBadge() string {
	if m.opts.Responder == nil {
		return ""
	}
	if r := m.opts.Responder.Mode(); !r.Normal() {
		return m.styles.Fail.Render("answers " + r.String())
	}
	return ""
}
