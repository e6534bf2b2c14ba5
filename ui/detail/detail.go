// Package detail is the console's detail pane: the selected event in five tabs (Body,
// Headers, Signature, Schema, Raw), each scrollable.
package detail

import (
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/ui/present"
	"github.com/dexra/dexra-tui/ui/theme"
)

// KeyMap is the pane's scrolling (tabs are switched by the caller).
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
}

// Detail is the detail pane component.
type Detail struct {
	reader store.Reader
	loc    *time.Location
	styles *theme.Styles
	keys   KeyMap

	id      string // the event shown or being loaded
	gen     uint64
	tab     int
	loading bool
	title   string
	tabs    [present.NumTabs][]string
	err     error
	focused bool

	vp viewport.Model

	// The last drawing of the content and what it was drawn from.
	drawn    string
	drawnKey viewKey
	version  uint64 // bumped whenever the content lines change
}

// viewKey is everything the content's drawing depends on.
type viewKey struct {
	version       uint64
	offset        int
	width, height int
}

// changed notes that the content lines changed.
func (d *Detail) changed() { d.version++ }

// New returns an empty detail pane.
func New(r store.Reader, loc *time.Location, styles *theme.Styles, keys KeyMap) *Detail {
	vp := viewport.New()
	vp.SoftWrap = true
	vp.MouseWheelEnabled = false // the caller routes the wheel by position
	return &Detail{reader: r, loc: loc, styles: styles, keys: keys, vp: vp}
}

// Load shows event id ("" clears the pane).
func (d *Detail) Load(id string) tea.Cmd {
	d.gen++
	d.id, d.err = id, nil
	if id == "" {
		d.loading, d.title, d.tabs = false, "", [present.NumTabs][]string{}
		d.vp.SetContentLines(nil)
		d.changed()
		return nil
	}
	d.loading = true
	return load(d.reader, d.layout(), d.styles, id, d.gen)
}

// SetStyles draws with new styles from now on (styles are never changed in place:
// a load on its way keeps the ones it started with).
func (d *Detail) SetStyles(s *theme.Styles) tea.Cmd {
	d.styles = s
	d.changed()
	return d.Reload()
}

// Reload renders the shown event again.
func (d *Detail) Reload() tea.Cmd {
	if d.id == "" {
		return nil
	}
	d.gen++
	return load(d.reader, d.layout(), d.styles, d.id, d.gen)
}

// ID is the event the pane shows.
func (d *Detail) ID() string { return d.id }

// Tab is the active tab.
func (d *Detail) Tab() int { return d.tab }

// SetTab switches to tab i (wrapping around).
func (d *Detail) SetTab(i int) {
	i = (i%present.NumTabs + present.NumTabs) % present.NumTabs
	if i == d.tab {
		return
	}
	d.tab = i
	d.vp.SetContentLines(d.tabs[i])
	d.vp.GotoTop()
	d.changed()
}

// SetFocused says whether scroll keys go to the pane.
func (d *Detail) SetFocused(f bool) { d.focused = f }

// SetSize sets the pane size: a title line, a tab line, then the scrolled content. A
// new width renders the event again (a hex dump adapts its rows to it).
func (d *Detail) SetSize(width, height int) tea.Cmd {
	widthChanged := width != d.vp.Width()
	d.vp.SetWidth(max(width, 1))
	d.vp.SetHeight(max(height-2, 1))
	if widthChanged {
		return d.Reload()
	}
	return nil
}

func (d *Detail) layout() present.Options {
	return present.Options{Location: d.loc, Width: d.vp.Width()}
}

// Scroll moves the content by n lines (negative is up).
func (d *Detail) Scroll(n int) {
	if n < 0 {
		d.vp.ScrollUp(-n)
	} else {
		d.vp.ScrollDown(n)
	}
}

// Update handles loaded events and, when focused, scroll keys.
func (d *Detail) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case LoadedMsg:
		d.applyLoaded(msg)
	case tea.KeyPressMsg:
		d.handleKey(msg)
	}
	return nil
}

func (d *Detail) applyLoaded(msg LoadedMsg) {
	if msg.gen != d.gen || msg.id != d.id {
		return // an answer for an event no longer selected
	}
	d.loading = false
	if msg.err != nil {
		d.err = msg.err
		return
	}
	offset := d.vp.YOffset()
	d.title, d.tabs = msg.title, msg.tabs
	d.vp.SetContentLines(d.tabs[d.tab])
	d.vp.SetYOffset(offset)
	d.changed()
}

func (d *Detail) handleKey(msg tea.KeyPressMsg) {
	switch {
	case key.Matches(msg, d.keys.Up):
		d.vp.ScrollUp(1)
	case key.Matches(msg, d.keys.Down):
		d.vp.ScrollDown(1)
	case key.Matches(msg, d.keys.PageUp):
		d.vp.PageUp()
	case key.Matches(msg, d.keys.PageDown):
		d.vp.PageDown()
	case key.Matches(msg, d.keys.Top):
		d.vp.GotoTop()
	case key.Matches(msg, d.keys.Bottom):
		d.vp.GotoBottom()
	}
}
