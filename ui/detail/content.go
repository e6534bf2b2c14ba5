package detail

import (
	"github.com/dexra/dexra-tui/ui/present"
	"github.com/dexra/dexra-tui/ui/theme"
)

// content is one tab as the pane draws it: its first lines already styled and
// wrapped, then rows laid out lazily and styled only when on screen.
type content struct {
	head []string
	rows present.Rows
}

func (c content) len() int {
	if c.rows == nil {
		return len(c.head)
	}
	return len(c.head) + c.rows.Len()
}

// line is line i, styled.
func (c content) line(styles *theme.Styles, i int) string {
	if i < len(c.head) {
		return c.head[i]
	}
	return styles.Line(c.rows.Row(i - len(c.head)))
}
