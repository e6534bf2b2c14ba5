package picker

import (
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/payloads/catalog"
	"github.com/dexra/dexra-tui/ui/theme"
)

func testPicker() *Picker {
	b := func(k string) key.Binding { return key.NewBinding(key.WithKeys(k)) }
	st := theme.New(true, true)
	p := New(catalog.All(), &st, KeyMap{Up: b("k"), Down: b("j"), Choose: b("enter"), Cancel: b("esc")})
	p.SetSize(5)
	return p
}

func TestPickerChoosesAndScrolls(t *testing.T) {
	p := testPicker()
	if p.Update(tea.KeyPressMsg{Code: tea.KeyEnter}) != nil {
		t.Fatal("a closed picker answered a key")
	}
	p.Open()
	for range 4 {
		p.Update(tea.KeyPressMsg{Code: 'j', Text: "j"})
	}
	view := p.View(80, 5)
	if !strings.Contains(view, "dexra.conversation_created") || strings.Contains(view, "dexatel.delivery") {
		t.Fatalf("the selection should have scrolled into view:\n%s", view)
	}
	cmd := p.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	if cmd == nil || p.IsOpen() {
		t.Fatal("enter should choose and close")
	}
	chosen := cmd().(ChosenMsg)
	if chosen.Event.Name() != catalog.All()[4].Name() {
		t.Fatalf("chose %s, want %s", chosen.Event.Name(), catalog.All()[4].Name())
	}
}

func TestPickerClickChoosesTheLine(t *testing.T) {
	p := testPicker()
	p.Open()
	cmd := p.Click(3) // lines 0-1 are the title; line 3 is the second item
	if cmd == nil {
		t.Fatal("click on an item chose nothing")
	}
	if got := cmd().(ChosenMsg).Event.Name(); got != catalog.All()[1].Name() {
		t.Fatalf("clicked %s", got)
	}
}
