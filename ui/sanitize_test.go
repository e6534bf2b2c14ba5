package ui

import (
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/dexra/dexra-tui/ui/present"
)

// sgr matches the colour and attribute sequences the console itself draws with.
var sgr = regexp.MustCompile("\x1b\\[[0-9;:]*m")

// assertNoTerminalControl fails if the screen holds anything but text and SGR styling:
// no OSC (clipboard, title), no cursor movement or erase, no \r, C1 or bidi control.
func assertNoTerminalControl(t *testing.T, where, screen string) {
	t.Helper()
	rest := sgr.ReplaceAllString(screen, "")
	for _, r := range rest {
		switch {
		case r == '\n':
		case r < 0x20 || r == 0x7f:
			t.Fatalf("%s: the screen carries control %U:\n%q", where, r, rest)
		case r >= 0x80 && r <= 0x9f:
			t.Fatalf("%s: the screen carries C1 control %U:\n%q", where, r, rest)
		case unicode.Is(unicode.Cf, r):
			t.Fatalf("%s: the screen carries format character %U:\n%q", where, r, rest)
		}
	}
}

func TestHostilePayloadsNeverReachTheTerminal(t *testing.T) {
	for _, noColor := range []bool{false, true} {
		st := openStore(t)
		fill(t, st, fixtureEvents())
		m := testModel(st, noColor)
		start(m, 120, 40)
		for _, id := range []string{"01JNGQ0000000000000000000E", "01JNGQ0000000000000000000G", "01JNGQ0000000000000000000F"} {
			for tab := range present.NumTabs {
				drive(m, m.detail.Load(id)())
				m.detail.SetTab(tab)
				screen := m.View().Content
				assertNoTerminalControl(t, id+" "+present.TabNames[tab], screen)
			}
		}
		// The escapes are shown, not dropped: a reader can see what was sent.
		drive(m, m.detail.Load("01JNGQ0000000000000000000G")())
		m.detail.SetTab(present.TabRaw)
		raw := screenText(m)
		for _, want := range []string{`\x1b]52;c;ZWNobyBwd25lZA==\x07`, `\x1b]2;owned\x07`, `owned\x07\r\x1b[`, `/hook\x1b[2J\u202e`} {
			if !strings.Contains(raw, want) {
				t.Fatalf("raw tab does not show %q escaped:\n%s", want, raw)
			}
		}
		drive(m, m.detail.Load("01JNGQ0000000000000000000E")())
		m.detail.SetTab(present.TabHeaders)
		if got := screenText(m); !strings.Contains(got, `X-Evil: \u202eevil\u009b`) {
			t.Fatalf("headers tab does not show the hostile header escaped:\n%s", got)
		}
		m.detail.SetTab(present.TabBody)
		if got := screenText(m); !strings.Contains(got, `\u009b2J\u202egpj.exe`) {
			t.Fatalf("body tab does not show C1 and bidi escaped:\n%s", got)
		}
	}
}
