package theme

import (
	"strings"
	"testing"

	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/ui/present"
)

func TestNoColorDrawsWithoutColours(t *testing.T) {
	s := New(true, true)
	line := s.Line(present.Line{{Kind: present.Fail, Text: "✗"}, {Kind: present.Key, Text: `"k"`}, {Kind: present.String, Text: `"v"`}})
	line += s.Selected.Render("row") + s.Sandbox.Render("SANDBOX") + s.Verdict(sig.Pass).Render("✓")
	if strings.Contains(line, "38;") || strings.Contains(line, "48;") {
		t.Fatalf("NO_COLOR styles carry colours: %q", line)
	}
	if !strings.Contains(s.Selected.Render("row"), "\x1b[7m") {
		t.Fatal("without colour the selection must still show (reverse video)")
	}
}

func TestDarkAndLightDiffer(t *testing.T) {
	dark, light := New(true, false), New(false, false)
	if dark.Fail.Render("x") == light.Fail.Render("x") || dark.Selected.Render("x") == light.Selected.Render("x") {
		t.Fatal("dark and light terminals get the same colours")
	}
	if dark.Verdict(sig.Fail).Render("✗") != dark.Fail.Render("✗") || dark.Verdict(sig.Missing).Render("?") != dark.Missing.Render("?") {
		t.Fatal("verdict styles are mixed up")
	}
}
