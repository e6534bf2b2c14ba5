// Package present is the one boundary where stored events become text for the
// console: every string taken from an event (body, headers, path, summary, reasons)
// passes through ui/sanitize here, and nowhere else turns event data into text.
package present

// Kind says how a span of text is drawn.
type Kind uint8

const (
	Plain Kind = iota
	Muted
	Label
	Key
	String
	Number
	Literal
	Punct
	Offset
	ASCII
	Pass
	Fail
	Missing
	Unchecked
	Error
	Dup
)

// Span is sanitized text drawn one way.
type Span struct {
	Kind Kind
	Text string
}

// Line is one line of a document.
type Line []Span

// Doc is a scrollable document (one detail tab).
type Doc []Line

// Tabs of the detail pane, in the order keys 1–6 select them.
const (
	TabBody = iota
	TabHeaders
	TabSignature
	TabSchema
	TabRaw
	TabForwards
	NumTabs
)

// TabNames are the tab titles.
var TabNames = [NumTabs]string{"Body", "Headers", "Signature", "Schema", "Raw", "Forwards"}

// TabShortNames are the tab titles where the full ones do not fit.
var TabShortNames = [NumTabs]string{"Body", "Hdrs", "Sig", "Schema", "Raw", "Fwd"}

// Display limits: a body larger than these is shown in part, with a line saying so.
const (
	MaxPretty = 256 << 10 // JSON pretty-printed with colour
	MaxText   = 256 << 10 // text and raw views
	MaxHex    = 64 << 10  // hex dump
)

func span(k Kind, text string) Span { return Span{Kind: k, Text: text} }

// text returns a line of one plain span.
func text(s string) Line { return Line{span(Plain, s)} }

// field is a "Label   value" line.
func field(label string, value ...Span) Line { return fieldW(10, label, value...) }

// fieldW is a field whose label takes w cells, and always a space after it.
func fieldW(w int, label string, value ...Span) Line {
	return append(Line{span(Label, padRight(label, max(w, len(label)+1)))}, value...)
}

func padRight(s string, n int) string {
	for len(s) < n {
		s += " "
	}
	return s
}
