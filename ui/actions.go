package ui

import (
	"context"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/ui/curl"
	"github.com/dexra/dexra-tui/ui/picker"
	"github.com/dexra/dexra-tui/ui/present"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// openPicker shows the trigger picker, if there is a listener to send to.
func (m *Model) openPicker() tea.Cmd {
	if m.opts.Trigger == nil {
		return m.showToast("no listener to trigger: the console runs without one", true)
	}
	m.picker.Open()
	return nil
}

// trigger sends a signed sample of the chosen event type to the listener.
func (m *Model) trigger(msg picker.ChosenMsg) tea.Cmd {
	send, ctx, ev := m.opts.Trigger, m.ctx, msg.Event
	toast := m.showToast("sending "+sanitize.Line(ev.Name())+"…", false)
	return tea.Batch(toast, func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, triggerTimeout)
		defer cancel()
		res, err := send(ctx, ev)
		return triggeredMsg{name: ev.Name(), result: res, err: err}
	})
}

func (m *Model) triggered(msg triggeredMsg) tea.Cmd {
	name := sanitize.Line(msg.name)
	switch {
	case msg.err != nil:
		return m.showToast("trigger "+name+" failed: "+sanitize.Line(msg.err.Error()), true)
	case msg.result.Status/100 != 2:
		return m.showToast(fmt.Sprintf("trigger %s: the listener answered %d", name, msg.result.Status), true)
	}
	return m.showToast(fmt.Sprintf("sent %s → %d", name, msg.result.Status), false)
}

// copyCurl copies the selected event as a runnable curl command.
func (m *Model) copyCurl() tea.Cmd {
	id, r, base := m.list.SelectedID(), m.opts.Reader, m.opts.ListenURL
	if id == "" {
		return m.showToast("no event selected", true)
	}
	return func() tea.Msg {
		ev, err := r.Get(id)
		if err != nil {
			return copyMsg{what: "curl command", err: err}
		}
		return copyMsg{what: "curl command", text: curl.Command(ev, base)}
	}
}

// copyBody copies the selected event's body exactly.
func (m *Model) copyBody() tea.Cmd {
	id, r := m.list.SelectedID(), m.opts.Reader
	if id == "" {
		return m.showToast("no event selected", true)
	}
	return func() tea.Msg {
		ev, err := r.Get(id)
		if err != nil {
			return copyMsg{what: "body", err: err}
		}
		return copyMsg{what: fmt.Sprintf("body (%s bytes)", present.Count(len(ev.Body))), text: string(ev.Body)}
	}
}

// copyID copies the selected event's full ID.
func (m *Model) copyID() tea.Cmd {
	id := m.list.SelectedID()
	if id == "" {
		return m.showToast("no event selected", true)
	}
	return func() tea.Msg { return copyMsg{what: "event ID " + id, text: id} }
}

// copied sends the text to the terminal's clipboard (OSC 52) and says so: the
// terminal may refuse it, so the console does not claim it was copied.
func (m *Model) copied(msg copyMsg) tea.Cmd {
	if msg.err != nil {
		return m.showToast("cannot copy the "+msg.what+": "+sanitize.Line(msg.err.Error()), true)
	}
	return tea.Batch(tea.SetClipboard(msg.text), m.showToast(m.clipboardNote("the "+sanitize.Line(msg.what)), false))
}

// clipboardNote says what was sent to the terminal clipboard and, inside tmux, how
// to let it through.
func (m *Model) clipboardNote(what string) string {
	if m.opts.Tmux {
		return "sent " + what + " to the clipboard (OSC 52); tmux passes it with: tmux set -s set-clipboard on"
	}
	return "sent " + what + " to the terminal clipboard (OSC 52)"
}

// showToast shows a short message in the status line for a few seconds.
func (m *Model) showToast(text string, isError bool) tea.Cmd {
	m.toastID++
	m.toast, m.toastIsError = text, isError
	return m.schedule(toastFor, toastExpiredMsg{id: m.toastID})
}

func (m *Model) expireToast(msg toastExpiredMsg) {
	if msg.id == m.toastID {
		m.toast = ""
	}
}

// toggleSecret shows the webhook secret and puts it on the clipboard, or hides it.
func (m *Model) toggleSecret() tea.Cmd {
	m.reveal = !m.reveal
	if !m.reveal || m.opts.Secret == "" {
		return nil
	}
	return tea.Batch(tea.SetClipboard(m.opts.Secret), m.showToast(m.clipboardNote("the webhook secret"), false))
}
