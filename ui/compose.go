package ui

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/ui/compose"
	"github.com/dexra/dexra-tui/ui/present"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// ComposeOptions are what c sends with.
type ComposeOptions struct {
	// Profiles are offered by the form, in this order; none disables c.
	Profiles []compose.Profile
	// Recorder stores each send as an outbound event (the history; the console's also
	// publishes it, so the list shows it). nil: sends are not recorded.
	Recorder tunnel.Recorder
	HTTP     *http.Client // nil: http.DefaultClient
}

// sendTimeout bounds one send, its retries included.
const sendTimeout = 90 * time.Second

type composePhase uint8

const (
	composeEditing composePhase = iota
	composeSending
	composeAnswered
)

// composeState is the compose form and the send it makes.
type composeState struct {
	form    *compose.Form // nil: closed
	phase   composePhase
	gen     uint64 // of the send in flight; a result for another is dropped
	cancel  context.CancelFunc
	spin    spinner.Model
	result  *tunnel.SendResult
	err     error
	elapsed time.Duration
	// pinned is a sent message the detail keeps showing while new events make the
	// followed list move; a key that moves the list lets it go.
	pinned string
}

// composeSentMsg is a send's outcome, for the generation it answers.
type composeSentMsg struct {
	gen     uint64
	result  *tunnel.SendResult
	err     error
	elapsed time.Duration
}

// openCompose opens the form (c).
func (m *Model) openCompose() tea.Cmd {
	c := m.opts.Compose
	if len(c.Profiles) == 0 {
		return m.showToast("no profile to send with: add [profiles.NAME] with base_url and api_key to the config file", true)
	}
	m.compose.form = compose.New(c.Profiles, m.opts.Profile, m.styles)
	m.compose.form.SetSize(m.screen.Body.W, m.screen.Body.H)
	m.compose.phase, m.compose.result, m.compose.err = composeEditing, nil, nil
	return m.compose.form.Init()
}

// composeKey handles a key while the compose form is open.
func (m *Model) composeKey(msg tea.KeyPressMsg) tea.Cmd {
	c := &m.compose
	switch c.phase {
	case composeSending:
		if key.Matches(msg, m.keys.Back) && c.cancel != nil {
			c.cancel() // the result comes back as canceled
		}
		return nil
	case composeAnswered:
		switch {
		case key.Matches(msg, m.keys.Open) && c.err == nil && c.result != nil && c.result.Recorded == nil:
			return m.openSent(c.result.Event.ID)
		case key.Matches(msg, m.keys.Open):
			c.form.Reopen()
			c.phase = composeEditing
			return c.form.Init()
		case key.Matches(msg, m.keys.Compose):
			return m.openCompose()
		case key.Matches(msg, m.keys.Back, m.keys.Quit):
			c.form = nil
		}
		return nil
	}
	return m.afterForm(c.form.Update(msg))
}

// afterForm acts on the form's state after it took a message: huh completes a form
// in a message of its own, after the key that asked for it.
func (m *Model) afterForm(cmd tea.Cmd) tea.Cmd {
	c := &m.compose
	switch {
	case c.form.Aborted():
		c.form = nil
		return m.showToast("compose canceled: nothing sent", false)
	case c.form.Done() && c.form.NeedsConfirm() && !c.form.Confirmed():
		c.form = nil
		return m.showToast("not sent: the production send was not confirmed", false)
	case c.form.Done():
		return m.startSend()
	}
	return cmd
}

// startSend sends the form's message in a tea.Cmd, with a spinner meanwhile.
func (m *Model) startSend() tea.Cmd {
	c := &m.compose
	msg, err := c.form.Message()
	if err != nil {
		c.phase, c.err, c.result = composeAnswered, err, nil
		return nil
	}
	p := c.form.Profile()
	client := &tunnel.Client{BaseURL: p.BaseURL, Key: p.Key, Recorder: m.opts.Compose.Recorder, HTTP: m.opts.Compose.HTTP}
	c.gen++
	gen := c.gen
	ctx, cancel := context.WithTimeout(m.ctx, sendTimeout)
	c.cancel, c.phase = cancel, composeSending
	c.spin = spinner.New(spinner.WithSpinner(spinner.Dot), spinner.WithStyle(m.styles.Label))
	send := func() tea.Msg {
		defer cancel()
		start := time.Now()
		res, err := client.Send(ctx, msg)
		return composeSentMsg{gen: gen, result: res, err: err, elapsed: time.Since(start)}
	}
	return tea.Batch(c.spin.Tick, send)
}

// composeMsg takes what the compose form and its send produce: the send's outcome,
// spinner ticks, and the form's own messages.
func (m *Model) composeMsg(msg tea.Msg) tea.Cmd {
	c := &m.compose
	switch msg := msg.(type) {
	case composeSentMsg:
		if msg.gen != c.gen {
			return nil
		}
		c.cancel = nil
		c.result, c.err, c.elapsed = msg.result, msg.err, msg.elapsed
		if c.form == nil { // closed while sending: say it in a toast
			return tea.Batch(m.showToast(composeToast(msg.result, msg.err), msg.err != nil), m.afterList(m.list.EventsArrived(1)))
		}
		c.phase = composeAnswered
		if msg.result != nil && msg.result.Recorded == nil {
			// The send is in the history: the list and counters take it in.
			return tea.Batch(m.refreshStats(), m.afterList(m.list.EventsArrived(1)), m.refreshCount())
		}
		return nil
	case spinner.TickMsg:
		if c.form == nil || c.phase != composeSending {
			return nil
		}
		var cmd tea.Cmd
		c.spin, cmd = c.spin.Update(msg)
		return cmd
	}
	if c.form != nil && c.phase == composeEditing {
		return m.afterForm(c.form.Update(msg))
	}
	return nil
}

// composeToast sums up a send in one line.
func composeToast(res *tunnel.SendResult, err error) string {
	if err != nil {
		return "send failed: " + sanitize.Line(err.Error())
	}
	return fmt.Sprintf("sent: message %s %s", sanitize.Line(res.MessageID), sanitize.Line(res.MessageStatus))
}

// openSent closes the form and shows the sent message's Timeline, kept in the detail
// while its webhooks arrive.
func (m *Model) openSent(id string) tea.Cmd {
	m.compose.form = nil
	m.compose.pinned = id
	m.setFocus(focusDetail)
	return m.detail.LoadTimeline(id)
}

// jumpToSent opens the sent message a webhook is about (m).
func (m *Model) jumpToSent() tea.Cmd {
	id := m.detail.SentID()
	if id == "" {
		return m.showToast("this event is not a webhook about a message sent from this history", true)
	}
	return m.openSent(id)
}

// unpin lets the detail follow the list again.
func (m *Model) unpin() { m.compose.pinned = "" }

// pinnedShown says the detail keeps a sent message however the list moves.
func (m *Model) pinnedShown() bool {
	return m.compose.pinned != "" && m.compose.pinned == m.detail.ID()
}

// reloadTimeline reads the shown event's Timeline again when new events arrive.
func (m *Model) reloadTimeline() tea.Cmd {
	if !m.detail.HasTimeline() {
		return nil
	}
	return m.detail.Reload()
}

// composeBody draws the form, or the send in flight, or its answer.
func (m *Model) composeBody(w, h int) []string {
	c := &m.compose
	if c.phase == composeEditing {
		return strings.Split(c.form.View(w, h), "\n")
	}
	st := m.styles
	var left []string
	switch {
	case c.phase == composeSending:
		left = []string{st.TitleActive.Render("SENDING"), "", c.spin.View() + " POST " + sanitize.Line(c.form.Endpoint()) + "…", "", st.Muted.Render("esc cancels")}
	case c.err != nil:
		left = []string{st.Error.Render("NOT SENT"), ""}
		left = append(left, wrapText(st.Error.Render("✗ ")+sanitize.Line(c.err.Error()), compose.FormWidth(w))...)
		if r := c.result; r != nil && len(r.Answer) > 0 {
			left = append(left, "", st.Label.Render("Answer ")+sanitize.Line(strings.TrimSpace(string(r.Answer))))
		}
		left = append(left, "", st.Muted.Render("enter edits the message again · esc closes"))
	default:
		r := c.result
		fw := compose.FormWidth(w)
		left = []string{
			st.Pass.Render("SENT ✓") + "  " + sanitize.Line(r.MessageStatus),
			"",
			st.Label.Render("Message ") + sanitize.Line(r.MessageID),
			st.Label.Render("HTTP    ") + fmt.Sprintf("%d · %s · %s", r.Status, tries(r.Tries), present.Latency(r.Latency)),
		}
		left = append(left, wrapText(st.Label.Render("Answer  ")+sanitize.Line(strings.TrimSpace(string(r.Answer))), fw)...)
		if r.Recorded != nil {
			left = append(left, wrapText(st.Error.Render("not in the history: ")+sanitize.Line(r.Recorded.Error()), fw)...)
			left = append(left, "", st.Muted.Render("c composes another · esc closes"))
		} else {
			left = append(left, st.Label.Render("Stored  ")+"event "+sanitize.Line(r.Event.ID), "", "Its status webhooks arrive in the list.")
			left = append(left, wrapText(st.Label.Render("enter")+" opens its Timeline · "+st.Label.Render("c")+" composes another · "+st.Label.Render("esc")+" closes", fw)...)
		}
	}
	return strings.Split(c.form.Frame(left, w, h), "\n")
}

// composeHelpMode tells the one-line helps of the form's phases apart.
func (m *Model) composeHelpMode() int {
	mode := 6 + 2*int(m.compose.phase)
	if m.compose.err != nil {
		mode++
	}
	return mode
}

// composeHelp is the one-line help while the form is open.
func (m *Model) composeHelp() []key.Binding {
	b := func(k, desc string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, desc)) }
	switch {
	case m.compose.phase == composeSending:
		return []key.Binding{b("esc", "cancel the send")}
	case m.compose.phase == composeAnswered && m.compose.err == nil:
		return []key.Binding{b("enter", "timeline"), b("c", "compose another"), b("esc", "close")}
	case m.compose.phase == composeAnswered:
		return []key.Binding{b("enter", "edit again"), b("esc", "close")}
	}
	return []key.Binding{b("enter", "next"), b("shift+tab", "back"), b("←/→", "choose"), b("esc", "cancel")}
}

func wrapText(s string, w int) []string {
	return strings.Split(lipgloss.NewStyle().Width(max(w-1, 10)).Render(s), "\n")
}

func tries(n int) string {
	if n == 1 {
		return "1 try"
	}
	return fmt.Sprintf("%d tries", n)
}
