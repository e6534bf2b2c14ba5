package ui

import (
	"errors"
	"os/exec"

	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/ui/editor"
	"github.com/dexra/dexra-tui/ui/present"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// editSelected opens the selected event's body for editing (e): in $EDITOR when one
// is set, in the console otherwise. Sending it is replayEdited's.
func (m *Model) editSelected() tea.Cmd {
	if ask := m.askTarget("e"); ask != nil || m.menu.IsOpen() {
		return ask
	}
	if why := m.replayBlocked(); why != "" {
		return m.showToast(why, true)
	}
	id := m.list.SelectedID()
	if id == "" {
		return m.showToast("no event selected", true)
	}
	r, styles, loc, external := m.opts.Reader, m.styles, m.opts.Location, m.opts.Editor != ""
	return func() tea.Msg {
		msg := editLoadedMsg{id: id}
		ev, err := r.Get(id)
		if err != nil {
			msg.err = err
			return msg
		}
		if ev.Rejected != "" {
			msg.err = errors.New("the listener refused this event and kept no body to edit")
			return msg
		}
		msg.title = styles.Line(present.Title(ev, present.Options{Location: loc}, present.Dedup{}))
		msg.resigns = tunnel.EventScheme(ev) != ""
		if msg.draft, err = editor.Prepare(ev.Body); err != nil {
			msg.err = err
			return msg
		}
		if !external {
			msg.err = msg.draft.InApp()
			return msg
		}
		msg.path, msg.err = editor.WriteTemp(msg.draft)
		return msg
	}
}

// editLoaded hands the draft to the external editor or opens the in-app one.
func (m *Model) editLoaded(msg editLoadedMsg) tea.Cmd {
	if msg.err != nil {
		return m.showToast("cannot edit "+present.ShortID(msg.id)+": "+sanitize.Line(msg.err.Error()), true)
	}
	if msg.path == "" {
		m.editor.SetSize(m.screen.Body.W, m.screen.Body.H)
		return m.editor.Open(msg.id, msg.title, msg.draft, msg.resigns)
	}
	id, path, draft := msg.id, msg.path, msg.draft
	return m.execEditor(editor.Command(m.opts.Editor, path), func(err error) tea.Msg {
		return editorExitedMsg{id: id, path: path, draft: draft, err: err}
	})
}

// editorExited reads the edited file back (removing it) and submits the edit.
func (m *Model) editorExited(msg editorExitedMsg) tea.Cmd {
	return func() tea.Msg {
		text, err := editor.ReadBack(msg.path)
		switch {
		case msg.err != nil:
			return toastMsg{text: "the editor failed, nothing sent: " + sanitize.Line(msg.err.Error()), isError: true}
		case err != nil:
			return toastMsg{text: sanitize.Line(err.Error()), isError: true}
		}
		body, changed := msg.draft.Body(text)
		return editor.SubmitMsg{ID: msg.id, Body: body, Changed: changed}
	}
}

// editSubmitted sends an edited body, unless it was left as it was.
func (m *Model) editSubmitted(msg editor.SubmitMsg) tea.Cmd {
	if !msg.Changed {
		return m.showToast("the body is unchanged: nothing sent (r replays it as it is)", false)
	}
	return m.replayEdited(msg.ID, msg.Body)
}

// runEditor is how the external editor runs: in the terminal, the console paused.
func runEditor(c *exec.Cmd, done tea.ExecCallback) tea.Cmd { return tea.ExecProcess(c, done) }
