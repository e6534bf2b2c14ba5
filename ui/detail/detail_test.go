package detail

import (
	"strings"
	"testing"

	"github.com/dexra/dexra-tui/ui/present"
)

func TestTabAtMatchesTheTabLine(t *testing.T) {
	line := "1 Body  2 Headers  3 Signature  4 Schema  5 Raw"
	for i, name := range present.TabNames {
		x := strings.Index(line, name)
		if got := TabAt(x); got != i {
			t.Errorf("TabAt(%d) on %q = %d, want %d", x, name, got, i)
		}
	}
	if TabAt(len(line)+3) != -1 || TabAt(6) != -1 {
		t.Error("gaps and the end of the line are not tabs")
	}
}

func TestSetTabWraps(t *testing.T) {
	d := New(nil, nil, nil, KeyMap{})
	d.SetTab(-1)
	if d.Tab() != present.TabRaw {
		t.Fatalf("tab before the first is %d, want Raw", d.Tab())
	}
	d.SetTab(present.NumTabs)
	if d.Tab() != present.TabBody {
		t.Fatalf("tab after the last is %d, want Body", d.Tab())
	}
}

func TestWrapHangsUnderTheText(t *testing.T) {
	field := present.Line{{Kind: present.Label, Text: "Reason    "}, {Kind: present.Plain, Text: "one two three four five six"}}
	got := wrap(field[0].Text+field[1].Text, hangingIndent(field), 22)
	want := []string{"Reason    one two", "          three four", "          five six"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("field wrap = %q, want %q", got, want)
	}
	bullet := present.Line{{Kind: present.Muted, Text: "  • "}, {Kind: present.Plain, Text: "wrong secret here"}}
	if got := wrap("  • wrong secret here", hangingIndent(bullet), 17); len(got) != 2 || got[1] != "    here" {
		t.Fatalf("bullet wrap = %q", got)
	}
	if got := wrap("short", 0, 10); len(got) != 1 {
		t.Fatalf("a short line was wrapped: %q", got)
	}
}
