package ui

import (
	"charm.land/bubbles/v2/key"

	"github.com/dexra/dexra-tui/ui/detail"
	"github.com/dexra/dexra-tui/ui/editor"
	"github.com/dexra/dexra-tui/ui/eventlist"
	"github.com/dexra/dexra-tui/ui/menu"
	"github.com/dexra/dexra-tui/ui/picker"
)

// KeyMap is every key the console answers, with its help text.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	NextTab, PrevTab                        key.Binding
	Tabs                                    [6]key.Binding
	Open, Back                              key.Binding
	Filter, Apply, Clear                    key.Binding
	Trigger, CopyCurl, CopyBody, CopyID     key.Binding
	Secret                                  key.Binding
	Replay, Edit, ReplayFailed, Answer      key.Binding
	CopyURL, Check, Export                  key.Binding
	Send, CancelEdit                        key.Binding
	SendSample, CancelSample                key.Binding // the trigger picker's
	Choose, CloseMenu                       key.Binding // a menu's (a, x…)
	Compose, Timeline, JumpToSent           key.Binding
	Help, Quit, ForceQuit                   key.Binding
}

// DefaultKeyMap returns the console's keys.
func DefaultKeyMap() KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	k := KeyMap{
		Up:           b("↑/k", "up", "up", "k"),
		Down:         b("↓/j", "down", "down", "j"),
		PageUp:       b("pgup", "page up", "pgup"),
		PageDown:     b("pgdn", "page down", "pgdown"),
		Top:          b("g/home", "oldest", "g", "home"),
		Bottom:       b("G/end", "newest, follow", "G", "end"),
		NextTab:      b("tab", "next tab", "tab"),
		PrevTab:      b("shift+tab", "previous tab", "shift+tab"),
		Open:         b("enter", "detail", "enter"),
		Back:         b("esc", "back", "esc"),
		Filter:       b("/", "filter", "/"),
		Apply:        b("enter", "keep filter", "enter"),
		Clear:        b("esc", "clear filter", "esc"),
		Trigger:      b("t", "trigger", "t"),
		CopyCurl:     b("y", "copy curl", "y"),
		CopyBody:     b("Y", "copy body", "Y"),
		CopyID:       b("i", "copy event ID", "i"),
		Secret:       b("s", "secret", "s"),
		Replay:       b("r", "replay", "r"),
		Edit:         b("e", "edit+replay", "e"),
		ReplayFailed: b("R", "replay failed", "R"),
		Answer:       b("a", "listener answer menu (500, 429, timeout…)", "a"),
		CopyURL:      b("u", "copy public URL", "u"),
		Check:        b("H", "check handler", "H"),
		Export:       b("x", "export", "x"),
		Send:         b("ctrl+s", "send", "ctrl+s"),
		CancelEdit:   b("esc", "cancel", "esc"),
		SendSample:   b("enter", "send", "enter"),
		CancelSample: b("esc", "cancel", "esc"),
		Choose:       b("enter", "choose", "enter"),
		CloseMenu:    b("esc", "close", "esc"),
		Compose:      b("c", "compose", "c"),
		Timeline:     b("7", "timeline of a message", "7"),
		JumpToSent:   b("m", "open the sent message", "m"),
		Help:         b("?", "help", "?"),
		Quit:         b("q", "quit", "q"),
		ForceQuit:    b("ctrl+c", "quit", "ctrl+c"),
	}
	names := []string{"body", "headers", "signature", "schema", "raw", "forwards"}
	for i := range k.Tabs {
		n := string(rune('1' + i))
		k.Tabs[i] = b("1-6", names[i], n)
	}
	return k
}

func (k KeyMap) list() eventlist.KeyMap {
	return eventlist.KeyMap{Up: k.Up, Down: k.Down, PageUp: k.PageUp, PageDown: k.PageDown, Top: k.Top, Bottom: k.Bottom}
}

func (k KeyMap) detail() detail.KeyMap {
	return detail.KeyMap{Up: k.Up, Down: k.Down, PageUp: k.PageUp, PageDown: k.PageDown, Top: k.Top, Bottom: k.Bottom}
}

func (k KeyMap) editor() editor.KeyMap {
	return editor.KeyMap{Send: k.Send, Cancel: k.CancelEdit}
}

func (k KeyMap) menu() menu.KeyMap {
	return menu.KeyMap{Up: k.Up, Down: k.Down, Choose: k.Choose, Cancel: k.CloseMenu}
}

func (k KeyMap) picker() picker.KeyMap {
	return picker.KeyMap{Up: k.Up, Down: k.Down, Choose: k.SendSample, Cancel: k.CancelSample}
}

// ShortHelp is the one-line help of the list.
func (k KeyMap) ShortHelp() []key.Binding {
	tabs := key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab/1-6", "tabs"))
	return []key.Binding{k.Filter, k.Replay, k.Edit, k.Trigger, k.Compose, k.Export, k.CopyCurl, k.Help, k.Quit, k.Open, k.ReplayFailed, tabs, k.CopyBody, k.Secret}
}

// FullHelp is the help screen, one column per group.
func (k KeyMap) FullHelp() [][]key.Binding {
	tabs := key.NewBinding(key.WithKeys("1"), key.WithHelp("1-6", "tabs (body … forwards)"))
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Open, k.Back, k.NextTab, k.PrevTab, tabs},
		{k.Filter, k.Apply, k.Clear, k.Trigger, k.CopyCurl, k.CopyBody, k.CopyID, k.CopyURL},
		{k.Replay, k.Edit, k.ReplayFailed, k.Answer, k.Check, k.Export, k.Secret, k.Help, k.Quit, k.ForceQuit},
		{k.Compose, k.Timeline, k.JumpToSent},
	}
}
