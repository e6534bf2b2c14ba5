package detail

import (
	"strings"
	"testing"

	"github.com/dexra/dexra-tui/ui/present"
)

func TestTabAtMatchesTheTabLine(t *testing.T) {
	for _, c := range []struct {
		width int
		line  string
		names [present.NumTabs]string
	}{
		{80, "1 Body  2 Headers  3 Signature  4 Schema  5 Raw  6 Forwards", present.TabNames},
		{59, "1 Body 2 Headers 3 Signature 4 Schema 5 Raw 6 Forwards", present.TabNames},
		{49, "1 Body 2 Hdrs 3 Sig 4 Schema 5 Raw 6 Fwd", present.TabShortNames},
	} {
		names, gap := tabLayout(c.width)
		if got := strings.Join(labels(names), gap); got != c.line {
			t.Fatalf("width %d: tab line %q, want %q", c.width, got, c.line)
		}
		if len(c.line) > c.width-pctW {
			t.Fatalf("width %d: the tab line leaves no room for the scroll percentage", c.width)
		}
		for i, name := range c.names {
			x := strings.Index(c.line, name)
			if got := TabAt(x, c.width); got != i {
				t.Errorf("width %d: TabAt(%d) on %q = %d, want %d", c.width, x, name, got, i)
			}
		}
		if TabAt(len(c.line)+3, c.width) != -1 || TabAt(6, c.width) != -1 {
			t.Errorf("width %d: gaps and the end of the line are not tabs", c.width)
		}
	}
}

func labels(names [present.NumTabs]string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = string(rune('1'+i)) + " " + n
	}
	return out
}

func TestSetTabWraps(t *testing.T) {
	d := New(nil, nil, nil, KeyMap{})
	d.SetTab(-1)
	if d.Tab() != present.TabForwards {
		t.Fatalf("tab before the first is %d, want Forwards", d.Tab())
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
