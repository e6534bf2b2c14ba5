package editor

import (
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/dexra/dexra-tui/ui/theme"
)

func newTestEditor() *Editor {
	st := theme.New(true, false)
	return New(&st, KeyMap{
		Send:   key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "send")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	})
}

func run(cmd tea.Cmd) tea.Msg {
	if cmd == nil {
		return nil
	}
	return cmd()
}

func TestEditorSendsTheEditAndCancels(t *testing.T) {
	e := newTestEditor()
	d, _ := Prepare([]byte(`{"a":1}`))
	e.Open("ev1", "title", d, true)
	e.SetSize(40, 10)
	if !e.IsOpen() || e.ID() != "ev1" || e.Value() != d.Text {
		t.Fatalf("open: %v %q %q", e.IsOpen(), e.ID(), e.Value())
	}
	e.Update(tea.KeyPressMsg{Code: tea.KeyEnd, Mod: tea.ModCtrl}) // to the end of the text
	e.Update(tea.PasteMsg{Content: " "})
	msg := run(e.Update(tea.KeyPressMsg{Code: 's', Mod: tea.ModCtrl}))
	sub, ok := msg.(SubmitMsg)
	if !ok || sub.ID != "ev1" || !sub.Changed || string(sub.Body) != `{"a":1}` || e.IsOpen() {
		t.Fatalf("ctrl+s gave %#v (open=%v), want the edit compacted", msg, e.IsOpen())
	}
	if run(e.Update(tea.KeyPressMsg{Code: 'x', Text: "x"})) != nil || e.Value() != d.Text+" " {
		t.Fatal("a closed editor takes no keys")
	}
	e.Open("ev2", "title", d, true)
	if msg := run(e.Update(tea.KeyPressMsg{Code: tea.KeyEscape})); msg != (CanceledMsg{ID: "ev2"}) || e.IsOpen() {
		t.Fatalf("esc gave %#v", msg)
	}
}

func TestEditorViewFitsAndSaysWhetherItIsJSON(t *testing.T) {
	e := newTestEditor()
	d, _ := Prepare([]byte(`{"a":1}`))
	e.Open("ev1", "delivery · dexatel", d, true)
	e.SetSize(50, 8)
	view := e.View(50, 8)
	lines := strings.Split(view, "\n")
	if len(lines) != 8 {
		t.Fatalf("%d lines, want 8", len(lines))
	}
	for _, l := range lines {
		if w := ansi.StringWidth(l); w != 50 {
			t.Fatalf("line %q is %d wide, want 50", ansi.Strip(l), w)
		}
	}
	if !strings.Contains(ansi.Strip(view), "valid JSON") {
		t.Fatalf("view:\n%s", ansi.Strip(view))
	}
	e.Update(tea.KeyPressMsg{Code: 'x', Text: "x"})
	if got := ansi.Strip(e.View(50, 8)); !strings.Contains(got, "not JSON: invalid charac") {
		t.Fatalf("after a stray x:\n%s", got)
	}
}

// esc with unsaved changes asks first; a second esc discards, any other key keeps editing.
func TestEditorAsksBeforeDiscardingChanges(t *testing.T) {
	e := newTestEditor()
	d, _ := Prepare([]byte(`{"a":1}`))
	e.Open("ev1", "title", d, false)
	e.SetSize(60, 10)
	esc := tea.KeyPressMsg{Code: tea.KeyEscape}
	e.Update(tea.PasteMsg{Content: "x"})
	if msg := run(e.Update(esc)); msg != nil || !e.IsOpen() || !strings.Contains(ansi.Strip(e.View(60, 10)), "discard your changes?") {
		t.Fatalf("first esc with changes: %#v open=%v\n%s", msg, e.IsOpen(), ansi.Strip(e.View(60, 10)))
	}
	e.Update(tea.KeyPressMsg{Code: 'y', Text: "y"}) // keeps editing
	if !e.IsOpen() || strings.Contains(ansi.Strip(e.View(60, 10)), "discard your changes?") {
		t.Fatal("another key must keep editing and drop the question")
	}
	run(e.Update(esc))
	if msg := run(e.Update(esc)); msg != (CanceledMsg{ID: "ev1"}) || e.IsOpen() {
		t.Fatalf("second esc: %#v", msg)
	}
	if !strings.Contains(ansi.Strip(newOpen(t, false).View(100, 10)), "no signature to redo") || strings.Contains(ansi.Strip(newOpen(t, false).View(100, 10)), "re-signed") {
		t.Fatal("an event without a scheme must not promise a re-signed send")
	}
	if !strings.Contains(ansi.Strip(newOpen(t, true).View(100, 10)), "re-signed") {
		t.Fatal("an event with a scheme is re-signed")
	}
}

func newOpen(t *testing.T, resigns bool) *Editor {
	e := newTestEditor()
	d, _ := Prepare([]byte(`{"a":1}`))
	e.Open("ev", "title", d, resigns)
	e.SetSize(60, 10)
	return e
}
