package theme

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/ui/present"
)

// Kind returns the style of a span kind.
func (s *Styles) Kind(k present.Kind) lipgloss.Style {
	switch k {
	case present.Muted, present.Punct:
		return s.Muted
	case present.Label:
		return s.Label
	case present.Key:
		return s.JSONKey
	case present.String:
		return s.JSONString
	case present.Number:
		return s.JSONNumber
	case present.Literal:
		return s.JSONLiteral
	case present.Offset:
		return s.HexOffset
	case present.ASCII:
		return s.HexASCII
	case present.Pass:
		return s.Pass
	case present.Fail, present.Error:
		return s.Fail
	case present.Missing:
		return s.Missing
	case present.Unchecked:
		return s.Unchecked
	case present.Dup:
		return s.Dup
	}
	return lipgloss.Style{}
}

// Line renders a line of spans.
func (s *Styles) Line(l present.Line) string {
	var b strings.Builder
	for _, sp := range l {
		if sp.Kind == present.Plain || sp.Text == "" {
			b.WriteString(sp.Text)
			continue
		}
		b.WriteString(s.Kind(sp.Kind).Render(sp.Text))
	}
	return b.String()
}

// Doc renders every line of a document.
func (s *Styles) Doc(d present.Doc) []string {
	out := make([]string, len(d))
	for i, l := range d {
		out[i] = s.Line(l)
	}
	return out
}

// Verdict returns the style of a verdict's glyph.
func (s *Styles) Verdict(st sig.Status) lipgloss.Style {
	switch st {
	case sig.Pass:
		return s.Pass
	case sig.Fail:
		return s.Fail
	case sig.Missing:
		return s.Missing
	default:
		return s.Unchecked
	}
}

// Forward returns the style of a forward state's glyph.
func (s *Styles) Forward(st present.ForwardState) lipgloss.Style {
	switch st {
	case present.ForwardOK:
		return s.Pass
	case present.ForwardFailed:
		return s.Fail
	}
	return s.Muted
}
