package editor

import (
	"encoding/json"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/ui/frame"
	"github.com/dexra/dexra-tui/ui/sanitize"
	"github.com/dexra/dexra-tui/ui/theme"
)

// KeyMap is the in-app editor's own keys (the rest edit the text).
type KeyMap struct {
	Send, Cancel key.Binding
}

// SubmitMsg is an edit to send: Body is what to send, Changed false when the text is
// as it was opened.
type SubmitMsg struct {
	ID      string
	Body    []byte
	Changed bool
}

// CanceledMsg says the edit of event ID was abandoned.
type CanceledMsg struct{ ID string }

// Editor is the in-app body editor, shown over the list and detail.
type Editor struct {
	ta     textarea.Model
	keys   KeyMap
	styles *theme.Styles
	open   bool
	id     string
	title  string // sanitized by the caller
	draft  Draft
	// jsonErr says why the text is not JSON any more (JSON drafts only).
	jsonErr string
	// resigns says a send re-signs the edit (the event has a scheme to sign with).
	resigns bool
	// confirming: esc was pressed with unsaved changes; esc again discards them.
	confirming bool
}

// New returns a closed editor.
func New(styles *theme.Styles, keys KeyMap) *Editor {
	ta := textarea.New()
	ta.ShowLineNumbers = false
	ta.Prompt = ""
	ta.MaxHeight = 0 // no line limit but the textarea's own
	ta.MaxWidth = 0
	ta.CharLimit = 0
	e := &Editor{ta: ta, keys: keys}
	e.SetStyles(styles)
	return e
}

// SetStyles draws with new styles from now on.
func (e *Editor) SetStyles(s *theme.Styles) {
	e.styles = s
	st := textarea.DefaultStyles(true)
	for _, state := range []*textarea.StyleState{&st.Focused, &st.Blurred} {
		state.Text = s.Header
		state.CursorLine = s.Cursor
		state.Placeholder = s.Muted
		state.EndOfBuffer = s.Muted
	}
	st.Cursor.Blink = false // a steady cursor: no timer messages while typing
	e.ta.SetStyles(st)
}

// Open shows the draft of event id for editing; title names the event, resigns says
// whether sending re-signs it. The caller checks Draft.InApp first.
func (e *Editor) Open(id, title string, d Draft, resigns bool) tea.Cmd {
	e.open, e.id, e.title, e.draft, e.resigns, e.confirming = true, id, title, d, resigns, false
	e.ta.SetValue(d.Text)
	e.ta.MoveToBegin()
	e.checkJSON()
	return e.ta.Focus()
}

// IsOpen reports whether the editor is shown.
func (e *Editor) IsOpen() bool { return e.open }

// ID is the event being edited.
func (e *Editor) ID() string { return e.id }

// Value is the text as edited so far.
func (e *Editor) Value() string { return e.ta.Value() }

// SetSize fits the text area in a pane of width×height (two lines are the title).
func (e *Editor) SetSize(width, height int) {
	e.ta.SetWidth(max(width, 1))
	e.ta.SetHeight(max(height-2, 1))
}

// Update edits the text; Send and Cancel close the editor.
func (e *Editor) Update(msg tea.Msg) tea.Cmd {
	if !e.open {
		return nil
	}
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, e.keys.Send):
			return e.close(true)
		case key.Matches(k, e.keys.Cancel):
			if e.ta.Value() != e.draft.Text && !e.confirming {
				e.confirming = true // unsaved changes: ask before throwing them away
				return nil
			}
			return e.close(false)
		}
		e.confirming = false // any other key keeps editing
	}
	before := e.ta.Value()
	var cmd tea.Cmd
	e.ta, cmd = e.ta.Update(msg)
	if e.ta.Value() != before {
		e.checkJSON()
	}
	return cmd
}

func (e *Editor) close(send bool) tea.Cmd {
	e.open = false
	e.ta.Blur()
	id := e.id
	if !send {
		return func() tea.Msg { return CanceledMsg{ID: id} }
	}
	body, changed := e.draft.Body(e.ta.Value())
	return func() tea.Msg { return SubmitMsg{ID: id, Body: body, Changed: changed} }
}

// checkJSON notes whether a JSON draft is still JSON.
func (e *Editor) checkJSON() {
	e.jsonErr = ""
	if !e.draft.JSON {
		return
	}
	var v any
	if err := json.Unmarshal([]byte(e.ta.Value()), &v); err != nil {
		e.jsonErr = err.Error()
	}
}

// View draws the title, a hint and the text area in exactly width×height cells.
func (e *Editor) View(width, height int) string {
	st := e.styles
	state := ""
	switch {
	case e.draft.JSON && e.jsonErr == "":
		state = st.Pass.Render("valid JSON")
	case e.draft.JSON:
		state = st.Error.Render("not JSON: " + sanitize.Line(e.jsonErr))
	}
	title := st.TitleActive.Render("EDIT BODY") + "  " + e.title
	if state != "" {
		sw := min(frame.Width(state), width/2)
		title = frame.Cell(title, width-sw-1) + " " + frame.Cell(state, sw)
	}
	sends := " sends it as edited (no signature to redo)"
	if e.resigns {
		sends = " sends it, re-signed, to your app"
	}
	hint := st.Muted.Render(e.keys.Send.Help().Key + sends + " · " + e.keys.Cancel.Help().Key + " cancels")
	if e.confirming {
		hint = st.Error.Render("discard your changes? " + e.keys.Cancel.Help().Key + " again discards them · any other key keeps editing")
	}
	lines := []string{title, hint, e.ta.View()}
	return strings.Join(frame.Box(strings.Join(lines, "\n"), width, height), "\n")
}
