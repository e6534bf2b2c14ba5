// Package detail is the console's detail pane: the selected event in five tabs (Body,
// Headers, Signature, Schema, Raw), each scrollable.
package detail

import (
	"time"

	"charm.land/bubbles/v2/key"
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
	ids    store.IDFinder // nil: the title shows the first 10 characters of an ID
	loc    *time.Location
	styles *theme.Styles
	keys   KeyMap

	id      string // the event shown or being loaded
	gen     uint64
	tab     int
	loading bool
	title   string
	tabs    [present.NumTabs]content
	err     error
	// The Timeline tab of a sent message or a webhook about one (timeline.go).
	tl           timelineState
	wantTimeline bool // the event being loaded opens on its Timeline tab
	focused      bool
	forwarding   bool // a forwarder sends new events to the app

	// A large body's schema check runs when its tab is first shown.
	schemaPending, schemaAsked bool

	// The scrolled view of the active tab: its first row shown and the size.
	offset, width, height int

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
	return &Detail{reader: r, loc: loc, styles: styles, keys: keys, width: 1, height: 1}
}

// SetForwarding says whether a forwarder sends new events to the app, which the
// Forwards tab of an event not yet sent tells; call it before the first Load.
func (d *Detail) SetForwarding(on bool) { d.forwarding = on }

// SetIDFinder makes the title show as much of the ID as tells it apart (nil: 10).
func (d *Detail) SetIDFinder(f store.IDFinder) { d.ids = f }

// Load shows event id ("" clears the pane).
func (d *Detail) Load(id string) tea.Cmd {
	d.gen++
	d.id, d.err = id, nil
	if id == "" {
		d.loading, d.title, d.tabs = false, "", [present.NumTabs]content{}
		d.applyTimeline(timelineState{})
		d.offset = 0
		d.changed()
		return nil
	}
	d.loading = true
	return load(d.reader, d.ids, d.layout(), d.styles, id, d.gen)
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
	return load(d.reader, d.ids, d.layout(), d.styles, d.id, d.gen)
}

// ID is the event the pane shows.
func (d *Detail) ID() string { return d.id }

// Tab is the active tab.
func (d *Detail) Tab() int { return d.tab }

// SetTab switches to tab i (wrapping around); a large body's schema check starts
// when its tab is first shown.
func (d *Detail) SetTab(i int) tea.Cmd {
	n := d.numTabs()
	i = (i%n + n) % n
	if i == d.tab {
		return nil
	}
	d.tab = i
	d.offset = 0
	d.changed()
	return d.checkSchemaIfShown()
}

// checkSchemaIfShown starts the deferred schema check when the Schema tab is active.
func (d *Detail) checkSchemaIfShown() tea.Cmd {
	if d.tab != present.TabSchema || !d.schemaPending || d.schemaAsked {
		return nil
	}
	d.schemaAsked = true
	return checkSchema(d.reader, d.styles, d.id, d.gen, d.width)
}

// SetFocused says whether scroll keys go to the pane.
func (d *Detail) SetFocused(f bool) { d.focused = f }

// SetSize sets the pane size: a title line, a tab line, then the scrolled content. A
// new width renders the event again (a hex dump adapts its rows to it).
func (d *Detail) SetSize(width, height int) tea.Cmd {
	widthChanged := max(width, 1) != d.width
	d.width, d.height = max(width, 1), max(height-2, 1)
	d.setOffset(d.offset)
	d.changed()
	if widthChanged {
		return d.Reload()
	}
	return nil
}

func (d *Detail) layout() present.Options {
	return present.Options{Location: d.loc, Width: d.width, Forwarding: d.forwarding}
}

// Scroll moves the content by n lines (negative is up).
func (d *Detail) Scroll(n int) { d.setOffset(d.offset + n) }

// setOffset scrolls to row n, kept between the top and the last full page.
func (d *Detail) setOffset(n int) {
	d.offset = max(min(n, d.active().len()-d.height), 0)
}

// Update handles loaded events and, when focused, scroll keys.
func (d *Detail) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case LoadedMsg:
		return d.applyLoaded(msg)
	case SchemaMsg:
		d.applySchema(msg)
	case tea.KeyPressMsg:
		d.handleKey(msg)
	}
	return nil
}

func (d *Detail) applyLoaded(msg LoadedMsg) tea.Cmd {
	if msg.gen != d.gen || msg.id != d.id {
		return nil // an answer for an event no longer selected
	}
	d.loading = false
	if msg.err != nil {
		d.err = msg.err
		return nil
	}
	d.title, d.tabs = msg.title, msg.tabs
	d.applyTimeline(msg.tl)
	d.schemaPending, d.schemaAsked = msg.schemaDeferred, false
	d.setOffset(d.offset)
	d.changed()
	return d.checkSchemaIfShown()
}

func (d *Detail) applySchema(msg SchemaMsg) {
	if msg.gen != d.gen || msg.id != d.id {
		return
	}
	d.schemaPending = false
	d.tabs[present.TabSchema] = msg.tab
	d.setOffset(d.offset)
	d.changed()
}

func (d *Detail) handleKey(msg tea.KeyPressMsg) {
	switch {
	case key.Matches(msg, d.keys.Up):
		d.Scroll(-1)
	case key.Matches(msg, d.keys.Down):
		d.Scroll(1)
	case key.Matches(msg, d.keys.PageUp):
		d.Scroll(-d.height)
	case key.Matches(msg, d.keys.PageDown):
		d.Scroll(d.height)
	case key.Matches(msg, d.keys.Top):
		d.setOffset(0)
	case key.Matches(msg, d.keys.Bottom):
		d.setOffset(d.active().len())
	}
}
