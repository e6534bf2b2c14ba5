// Package theme holds the console's styles: built once for a dark or light terminal
// (or without colour for NO_COLOR) and rebuilt when the terminal reports its background.
package theme

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/lipgloss/v2"
)

// Styles is every style the console draws with.
type Styles struct {
	NoColor bool

	Header      lipgloss.Style
	App         lipgloss.Style
	Listening   lipgloss.Style
	Sandbox     lipgloss.Style
	Production  lipgloss.Style
	Muted       lipgloss.Style
	Title       lipgloss.Style
	TitleActive lipgloss.Style
	Separator   lipgloss.Style
	Selected    lipgloss.Style
	Cursor      lipgloss.Style // selected row while the list does not have focus
	Dup         lipgloss.Style
	Error       lipgloss.Style
	Toast       lipgloss.Style
	TabActive   lipgloss.Style
	TabInactive lipgloss.Style
	Label       lipgloss.Style
	Secret      lipgloss.Style

	Pass, Fail, Missing, Unchecked lipgloss.Style

	JSONKey, JSONString, JSONNumber, JSONLiteral, JSONPunct lipgloss.Style
	HexOffset, HexASCII                                     lipgloss.Style

	// ProgressFull and ProgressEmpty colour the replay progress bar; nil draws it
	// without colour.
	ProgressFull, ProgressEmpty color.Color

	Help help.Styles
}

// New builds the styles for a dark or light background; noColor keeps only bold,
// faint and reverse so the console stays readable under NO_COLOR.
func New(isDark, noColor bool) Styles {
	if noColor {
		return plain()
	}
	ld := lipgloss.LightDark(isDark)
	c := func(light, dark string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(dark)) }
	fg := func(light, dark string) lipgloss.Style { return lipgloss.NewStyle().Foreground(c(light, dark)) }
	muted := fg("#6C6C6C", "#8A8A8A")
	return Styles{
		Header:        lipgloss.NewStyle(),
		App:           lipgloss.NewStyle().Bold(true).Foreground(c("#5A3FC0", "#B9A4FF")),
		Listening:     fg("#1D7A35", "#5FD77F"),
		Sandbox:       lipgloss.NewStyle().Bold(true).Foreground(c("#FFFFFF", "#101010")).Background(c("#2F6FB5", "#7FB6F0")),
		Production:    lipgloss.NewStyle().Bold(true).Foreground(c("#FFFFFF", "#FFFFFF")).Background(c("#B3261E", "#D93A2F")),
		Muted:         muted,
		Title:         lipgloss.NewStyle().Bold(true).Foreground(c("#505050", "#A8A8A8")),
		TitleActive:   lipgloss.NewStyle().Bold(true).Foreground(c("#5A3FC0", "#B9A4FF")),
		Separator:     fg("#C8C8C8", "#444444"),
		Selected:      lipgloss.NewStyle().Foreground(c("#101010", "#F5F5F5")).Background(c("#D7CCFF", "#4B3C8C")),
		Cursor:        lipgloss.NewStyle().Background(c("#E8E8E8", "#303030")),
		Dup:           fg("#8A5A00", "#E0B050"),
		Error:         lipgloss.NewStyle().Bold(true).Foreground(c("#B3261E", "#FF6B61")),
		Toast:         fg("#1D7A35", "#5FD77F"),
		TabActive:     lipgloss.NewStyle().Bold(true).Foreground(c("#FFFFFF", "#101010")).Background(c("#5A3FC0", "#B9A4FF")),
		TabInactive:   muted,
		Label:         lipgloss.NewStyle().Bold(true),
		Secret:        fg("#8A5A00", "#E0B050"),
		Pass:          fg("#1D7A35", "#5FD77F"),
		Fail:          lipgloss.NewStyle().Bold(true).Foreground(c("#B3261E", "#FF6B61")),
		Missing:       fg("#8A5A00", "#E0B050"),
		Unchecked:     muted,
		JSONKey:       fg("#2F6FB5", "#7FB6F0"),
		JSONString:    fg("#1D7A35", "#98D98E"),
		JSONNumber:    fg("#8A5A00", "#E0B050"),
		JSONLiteral:   fg("#A0307A", "#E58FD0"),
		JSONPunct:     muted,
		HexOffset:     muted,
		HexASCII:      fg("#2F6FB5", "#7FB6F0"),
		ProgressFull:  c("#5A3FC0", "#B9A4FF"),
		ProgressEmpty: c("#C8C8C8", "#444444"),
		Help:          help.DefaultStyles(isDark),
	}
}

func plain() Styles {
	none := lipgloss.NewStyle()
	bold := none.Bold(true)
	faint := none.Faint(true)
	rev := none.Reverse(true)
	return Styles{
		NoColor: true, Header: none, App: bold, Listening: none, Sandbox: rev, Production: rev.Bold(true),
		Muted: faint, Title: bold, TitleActive: bold.Underline(true), Separator: faint,
		Selected: rev, Cursor: none.Underline(true), Dup: none, Error: bold, Toast: bold,
		TabActive: rev, TabInactive: none, Label: bold, Secret: bold,
		Pass: none, Fail: bold, Missing: none, Unchecked: faint,
		JSONKey: bold, JSONString: none, JSONNumber: none, JSONLiteral: none, JSONPunct: none,
		HexOffset: faint, HexASCII: none,
		Help: help.Styles{
			ShortKey: bold, ShortDesc: none, ShortSeparator: faint, Ellipsis: faint,
			FullKey: bold, FullDesc: none, FullSeparator: faint,
		},
	}
}
