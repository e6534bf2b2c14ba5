package ui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/ui/menu"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// menuAnswer names the menu of the listener's answers.
const menuAnswer = "answer"

// answerChoices are the answers offered by `a`, so a developer can watch the platform
// retry (500, 429, timeout…) and come back to 200; "custom" takes any --respond spec.
var answerChoices = []menu.Item{
	{Value: "200", Label: "200 OK        the normal answer"},
	{Value: "500", Label: "500           server error: platforms retry"},
	{Value: "429", Label: "429           too many requests, Retry-After 5"},
	{Value: "503", Label: "503           unavailable, Retry-After 5"},
	{Value: "200,delay=5s", Label: "200 after 5s  a slow handler"},
	{Value: "500,rate=0.3", Label: "500 for 30%   a flaky handler"},
	{Value: "timeout", Label: "timeout       hold 60s, then drop the connection"},
}

// openAnswerMenu offers the listener's answers, the one in force marked.
func (m *Model) openAnswerMenu() tea.Cmd {
	rs := m.opts.Responder
	if rs == nil {
		return m.showToast("the listener's answer can only change in the console's own listener", true)
	}
	return m.menu.Open(menu.Config{
		Name:        menuAnswer,
		Title:       "LISTENER ANSWERS",
		Items:       answerChoices,
		Custom:      "custom…       status, body, headers",
		Syntax:      "STATUS|timeout[,delay=5s][,rate=0.3][,retry-after=S][,header=Name:Value]…[,body=TEXT] (body last)",
		Placeholder: `201,header=X-A:b,body={"ok":true}`,
		Check: func(spec string) error {
			_, err := tunnel.ParseRespond(spec)
			return err
		},
	}, rs.Mode().String())
}

// setAnswer makes the listener answer spec (already checked by the menu).
func (m *Model) setAnswer(spec string) tea.Cmd {
	r, err := tunnel.ParseRespond(spec)
	if err != nil {
		return m.showToast(err.Error(), true)
	}
	m.opts.Responder.Set(r)
	if r.Normal() {
		return m.showToast("listener answers 200 again", false)
	}
	return m.showToast("listener now answers "+sanitize.Line(r.String())+" (events are still recorded)", false)
}

// answerBadge is shown in the header while the listener misbehaves on purpose.
func (m *Model) answerBadge() string {
	if m.opts.Responder == nil {
		return ""
	}
	if r := m.opts.Responder.Mode(); !r.Normal() {
		return m.styles.Fail.Render("answers " + sanitize.Line(r.String()))
	}
	return ""
}
