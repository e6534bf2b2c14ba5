package frame

import (
	"strings"
	"testing"
)

func TestCellCutsAndPads(t *testing.T) {
	cases := []struct {
		in   string
		w    int
		want string
	}{
		{"abc", 5, "abc  "}, {"abcdef", 4, "abc…"}, {"日本語", 4, "日… "}, {"x", 0, ""},
	}
	for _, c := range cases {
		if got := Cell(c.in, c.w); got != c.want {
			t.Errorf("Cell(%q, %d) = %q, want %q", c.in, c.w, got, c.want)
		}
		if c.w > 0 && Width(Cell(c.in, c.w)) != c.w {
			t.Errorf("Cell(%q, %d) is %d cells", c.in, c.w, Width(Cell(c.in, c.w)))
		}
	}
	if got := CellRight("7", 3); got != "  7" {
		t.Errorf("CellRight = %q", got)
	}
	styled := Cell("\x1b[1mbold text\x1b[m", 4)
	if Width(styled) != 4 || !strings.HasSuffix(styled, "\x1b[m") {
		t.Errorf("a cut styled cell must keep its reset: %q", styled)
	}
}

func TestBoxIsExact(t *testing.T) {
	lines := Box("a\nbb\nccc\ndddd", 3, 3)
	if len(lines) != 3 || lines[0] != "a  " || lines[2] != "ccc" {
		t.Fatalf("Box = %q", lines)
	}
	if got := Box("", 2, 2); got[1] != "  " {
		t.Fatalf("Box pads with blank lines: %q", got)
	}
}
