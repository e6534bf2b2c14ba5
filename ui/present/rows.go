package present

import (
	"math"
	"strings"
)

// Rows is a document laid out lazily: an index of where each row of the wrapped text
// starts is made once, and a row's text only when it is shown, so a body of any size
// costs one pass and the rows on screen.
type Rows interface {
	Len() int
	Row(i int) Line
}

// Lazy is a tab whose first lines are a small document and the rest are Rows
// (already wrapped to the width they were laid out for).
type Lazy struct {
	Head Doc
	Rows Rows // nil when there is nothing more
}

// row is one wrapped row: the body bytes it shows and the indent before them.
type row struct {
	off, end uint32
	indent   uint16
	flags    uint8
}

// rowInString marks a row that starts inside a JSON string (a long one, wrapped).
const rowInString = 1

// maxBody is the largest body laid out as rows (offsets are 32-bit); larger ones are
// clipped with a note, far beyond what the listener accepts.
const maxBody = math.MaxUint32

// rowBuilder cuts a text into rows of at most width cells as pieces are added.
type rowBuilder struct {
	rows    []row // every row but the open one
	open    row   // the row pieces are added to
	opened  bool
	width   int
	cells   int  // cells used in the open row
	pending bool // the next piece starts a new line
	first   int  // indent drawn before the current line's first row
	hang    int  // indent drawn before its continuation rows
}

func newRowBuilder(width, sizeHint int) *rowBuilder {
	return &rowBuilder{width: max(width, 1), pending: true, rows: make([]row, 0, sizeHint)}
}

// newLine makes the next piece start a line: first cells of indent drawn before it,
// hang before its continuation rows (dropped where it would leave less than half the
// width, as wrap does).
func (b *rowBuilder) newLine(first, hang int) {
	if hang > b.width/2 {
		hang = 0
	}
	b.pending, b.first, b.hang = true, min(first, b.width/2, math.MaxUint16), min(hang, math.MaxUint16)
}

// endLine closes a line; one that got no piece still shows, empty, at off.
func (b *rowBuilder) endLine(off int) {
	if b.pending {
		b.start(off, 0, 0)
	}
}

// add appends the piece text[off:off+size], cells wide; flags say how a row starting
// with it begins.
func (b *rowBuilder) add(off, size, cells int, flags uint8) {
	switch {
	case b.pending:
		b.start(off, b.first, flags)
		b.pending = false
	case b.cells+cells > b.width && b.cells > b.hang:
		b.start(off, b.hang, flags) // wrap: the continuation hangs under the line's text
	}
	b.cells += cells
	b.open.end = uint32(off + size)
}

// add1 is add for a one-byte, one-cell piece, kept small enough to inline.
func (b *rowBuilder) add1(off int) {
	if b.pending || b.cells >= b.width {
		b.add(off, 1, 1, 0)
		return
	}
	b.cells++
	b.open.end = uint32(off + 1)
}

// addRun appends n bytes at off, one cell each, wrapping inside the run as needed.
func (b *rowBuilder) addRun(off, n int, flags uint8) {
	for n > 0 {
		if b.pending || b.cells >= b.width {
			b.add(off, 1, 1, flags)
			off, n = off+1, n-1
			continue
		}
		k := min(n, b.width-b.cells)
		b.cells += k
		b.open.end = uint32(off + k)
		off, n = off+k, n-k
	}
}

func (b *rowBuilder) start(off, indent int, flags uint8) {
	if b.opened {
		b.rows = append(b.rows, b.open)
	}
	b.open = row{off: uint32(off), end: uint32(off), indent: uint16(indent), flags: flags}
	b.opened, b.cells = true, indent
}

// done returns every row.
func (b *rowBuilder) done() []row {
	if b.opened {
		b.rows = append(b.rows, b.open)
		b.opened = false
	}
	return b.rows
}

// indented prepends a row's indent to its spans.
func indented(r row, spans Line) Line {
	if r.indent == 0 {
		return spans
	}
	return append(Line{span(Plain, strings.Repeat(" ", int(r.indent)))}, spans...)
}
