package ui

// Layout limits.
const (
	minWidth        = 60
	minHeight       = 15
	sideBySideWidth = 100
)

// rect is a region of the screen in cells.
type rect struct{ X, Y, W, H int }

// contains reports whether the cell (x, y) lies in r.
func (r rect) contains(x, y int) bool {
	return x >= r.X && x < r.X+r.W && y >= r.Y && y < r.Y+r.H
}

// screen is where everything goes for one terminal size.
type screen struct {
	TooSmall   bool
	SideBySide bool
	Header     rect
	List       rect
	Sep        rect // the rule between list and detail
	Detail     rect
	Body       rect // list, rule and detail together (overlays use it)
	Status     rect
	Help       rect
}

// layout places the panes: side by side from 100 columns, stacked below that, and
// nothing but a message below 60×15.
func layout(width, height int) screen {
	s := screen{}
	if width < minWidth || height < minHeight {
		s.TooSmall = true
		return s
	}
	s.Header = rect{0, 0, width, 1}
	s.Help = rect{0, height - 1, width, 1}
	s.Status = rect{0, height - 2, width, 1}
	s.Body = rect{0, 1, width, height - 3}
	b := s.Body
	if width >= sideBySideWidth {
		s.SideBySide = true
		listW := width / 2
		s.List = rect{0, b.Y, listW, b.H}
		s.Sep = rect{listW, b.Y, 1, b.H}
		s.Detail = rect{listW + 1, b.Y, width - listW - 1, b.H}
		return s
	}
	listH := max(b.H*2/5, 4)
	s.List = rect{0, b.Y, width, listH}
	s.Sep = rect{0, b.Y + listH, width, 1}
	s.Detail = rect{0, b.Y + listH + 1, width, b.H - listH - 1}
	return s
}
