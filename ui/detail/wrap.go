package detail

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/dexra/dexra-tui/ui/present"
	"github.com/dexra/dexra-tui/ui/theme"
)

// renderDoc styles a document and wraps it to width at word boundaries, continuation
// lines hanging under the line's text (after a field label, a bullet, or an indent).
func renderDoc(styles *theme.Styles, doc present.Doc, width int) []string {
	out := make([]string, 0, len(doc))
	for _, l := range doc {
		out = append(out, wrap(styles.Line(l), hangingIndent(l), width)...)
	}
	return out
}

// hangingIndent is where a line's continuation starts.
func hangingIndent(l present.Line) int {
	if len(l) > 1 && l[0].Kind == present.Label && strings.HasSuffix(l[0].Text, "  ") {
		return ansi.StringWidth(l[0].Text) // a "Label     value" field
	}
	var text strings.Builder
	for _, s := range l {
		text.WriteString(s.Text)
	}
	t := text.String()
	rest := strings.TrimLeft(t, " ")
	n := len(t) - len(rest)
	if strings.HasPrefix(rest, "• ") {
		n += 2
	}
	return n
}

// wrap breaks a styled line to width, the continuation indented by indent cells.
func wrap(s string, indent, width int) []string {
	if width <= 0 || ansi.StringWidth(s) <= width {
		return []string{s}
	}
	if indent > width/2 {
		indent = 0
	}
	head := ansi.Cut(s, 0, indent)
	body := ansi.Cut(s, indent, ansi.StringWidth(s))
	parts := strings.Split(ansi.Wrap(body, width-indent, ""), "\n")
	pad := strings.Repeat(" ", indent)
	for i := range parts {
		if i == 0 {
			parts[i] = head + parts[i]
		} else {
			parts[i] = pad + parts[i]
		}
	}
	return parts
}
