// Package eventlist is the console's event list: a window of rows paged from the
// history around the selection (never the whole history), with tail -f follow mode.
package eventlist

import (
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/ui/present"
	"github.com/dexra/dexra-tui/ui/theme"
)

// KeyMap is the list's navigation.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
}

// List is the event list component.
type List struct {
	reader store.Reader
	loc    *time.Location
	now    func() time.Time // times of another day show their date
	styles *theme.Styles
	keys   KeyMap

	query string
	rows  []present.Row // the loaded window, oldest first
	top   int           // index of the first visible row
	sel   int           // index of the selected row

	follow             bool // tail -f: keep the newest event selected
	atOldest, atNewest bool // the window reaches the first / last matching event
	gen                uint64
	replacing          bool // a window-replacing page is on its way
	dirty              bool // new events arrived while it was
	extUp, extDown     bool // a page extending the window is on its way
	unseen             int  // events that arrived while paused
	loaded             bool
	err                error

	cache      map[present.Row]string // drawn unselected rows, for cacheCols
	cacheCols  columns
	forwarding bool // rows show their forward status
	refreshing bool // a page re-reading the window is on its way

	visible   int // rows that fit
	focused   bool
	emptyHint string
	note      string // styled text after the title
}

// New returns a list following the newest events.
func New(r store.Reader, loc *time.Location, styles *theme.Styles, keys KeyMap) *List {
	return &List{reader: r, loc: loc, now: time.Now, styles: styles, keys: keys, follow: true, visible: 10, focused: true}
}

// SetClock sets what "today" is for the rows read from now on.
func (l *List) SetClock(now func() time.Time) { l.now = now }

// Init loads the newest page.
func (l *List) Init() tea.Cmd { return l.replace(fetchNewest) }

// pageSize is how many rows a fetch asks for beyond the visible ones.
func (l *List) pageSize() int { return max(l.visible, 20) }

// maxRows bounds the window kept in memory.
func (l *List) maxRows() int { return 6 * l.pageSize() }

func (l *List) replace(kind fetchKind) tea.Cmd {
	l.replacing, l.dirty = true, false
	return fetch(l.reader, l.loc, l.now, l.query, l.gen, kind, 0, 2*l.pageSize())
}

// restart drops every page on its way and loads kind afresh.
func (l *List) restart(kind fetchKind) tea.Cmd {
	l.gen++
	l.extUp, l.extDown = false, false
	return l.replace(kind)
}

// SetSize sets the pane size (the first line is the title).
func (l *List) SetSize(width, height int) tea.Cmd {
	l.visible = max(height-1, 1)
	l.scrollToSelection()
	return l.ensure()
}

// SetFocused says whether keys go to the list.
func (l *List) SetFocused(f bool) { l.focused = f }

// SetForwarding says whether rows show their forward status (↦ delivered, ↛ failed).
func (l *List) SetForwarding(on bool) {
	if on != l.forwarding {
		l.forwarding, l.cache = on, nil
	}
}

// SetNote shows styled text after the title ("" for none); the caller sanitizes it.
func (l *List) SetNote(s string) { l.note = s }

// SetEmptyHint is what an empty, unfiltered list says.
func (l *List) SetEmptyHint(s string) { l.emptyHint = s }

// SetQuery filters the list with the filter language (already parsed by the caller)
// and returns to the newest matching events.
func (l *List) SetQuery(q string) tea.Cmd {
	l.query = q
	l.follow, l.unseen = true, 0
	return l.restart(fetchNewest)
}

// Query is the active filter.
func (l *List) Query() string { return l.query }

// Following reports whether the list follows new events.
func (l *List) Following() bool { return l.follow }

// Unseen is how many events arrived while following was paused.
func (l *List) Unseen() int { return l.unseen }

// Selected returns the selected row.
func (l *List) Selected() (present.Row, bool) {
	if l.sel < 0 || l.sel >= len(l.rows) {
		return present.Row{}, false
	}
	return l.rows[l.sel], true
}

// SelectedID is the selected event's ID, "" when none.
func (l *List) SelectedID() string {
	r, _ := l.Selected()
	return r.ID
}

// EventsArrived tells the list that n events were committed.
func (l *List) EventsArrived(n int) tea.Cmd {
	if l.follow {
		if l.replacing {
			l.dirty = true
			return nil
		}
		return l.replace(fetchNewest)
	}
	l.unseen += n
	l.atNewest = false
	return l.ensure()
}

// Refresh reads the rows of the window again: an event's forward status changes
// after it is listed.
func (l *List) Refresh() tea.Cmd {
	switch {
	case len(l.rows) == 0 || l.replacing || l.refreshing:
		return nil // a page on its way brings fresh rows
	case l.follow:
		return l.replace(fetchNewest)
	}
	l.refreshing = true
	first := l.rows[0].Seq
	return fetch(l.reader, l.loc, l.now, l.query, l.gen, fetchRefresh, first, len(l.rows))
}

// Update handles navigation keys and pages from the history.
func (l *List) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case PageMsg:
		return l.applyPage(msg)
	case tea.KeyPressMsg:
		return l.handleKey(msg)
	}
	return nil
}

func (l *List) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, l.keys.Up):
		return l.Move(-1)
	case key.Matches(msg, l.keys.Down):
		return l.Move(1)
	case key.Matches(msg, l.keys.PageUp):
		return l.Move(-l.visible)
	case key.Matches(msg, l.keys.PageDown):
		return l.Move(l.visible)
	case key.Matches(msg, l.keys.Top):
		return l.GotoOldest()
	case key.Matches(msg, l.keys.Bottom):
		return l.GotoNewest()
	}
	return nil
}

// Move moves the selection by n rows; moving up pauses following.
func (l *List) Move(n int) tea.Cmd {
	if len(l.rows) == 0 {
		return nil
	}
	if n < 0 && l.sel > 0 {
		l.follow = false
	}
	l.sel = min(max(l.sel+n, 0), len(l.rows)-1)
	l.scrollToSelection()
	return l.ensure()
}

// Click selects the row at line y of the pane (0 is the title); it pauses following
// unless the newest event was clicked.
func (l *List) Click(y int) tea.Cmd {
	i := l.top + y - 1
	if y < 1 || i >= len(l.rows) {
		return nil
	}
	l.sel = i
	if !(l.atNewest && i == len(l.rows)-1) {
		l.follow = false
	}
	return l.ensure()
}

// GotoOldest selects the first matching event in the history.
func (l *List) GotoOldest() tea.Cmd {
	l.follow = false
	if l.atOldest {
		l.sel, l.top = 0, 0
		return l.ensure()
	}
	return l.restart(fetchOldest)
}

// GotoNewest selects the newest event and resumes following.
func (l *List) GotoNewest() tea.Cmd {
	l.follow, l.unseen = true, 0
	if l.atNewest && len(l.rows) > 0 {
		l.sel = len(l.rows) - 1
		l.scrollToSelection()
		return l.ensure()
	}
	return l.restart(fetchNewest)
}

func (l *List) applyPage(msg PageMsg) tea.Cmd {
	if msg.gen != l.gen {
		return nil
	}
	switch msg.kind {
	case fetchNewest, fetchOldest:
		l.replacing = false
	case fetchOlder:
		l.extUp = false
	case fetchNewer:
		l.extDown = false
	case fetchRefresh:
		l.refreshing = false
	}
	if msg.err != nil {
		l.err = msg.err
		return nil
	}
	l.err, l.loaded = nil, true
	switch msg.kind {
	case fetchNewest:
		if !l.follow && len(l.rows) > 0 {
			return nil // the user paused while it was on its way
		}
		l.rows, l.atNewest, l.atOldest = msg.rows, true, !msg.more
		l.sel = len(l.rows) - 1
		l.top = max(0, len(l.rows)-l.visible)
		if l.dirty {
			return l.replace(fetchNewest)
		}
	case fetchOldest:
		l.rows, l.atOldest, l.atNewest = msg.rows, true, !msg.more
		l.sel, l.top = 0, 0
	case fetchOlder:
		if len(l.rows) == 0 || l.rows[0].Seq != msg.anchor {
			return nil
		}
		l.prepend(msg.rows, !msg.more)
	case fetchNewer:
		if len(l.rows) == 0 || l.rows[len(l.rows)-1].Seq != msg.anchor {
			return nil
		}
		l.append(msg.rows, !msg.more)
	case fetchRefresh:
		l.substitute(msg.rows)
	}
	l.sel = min(max(l.sel, 0), max(len(l.rows)-1, 0))
	l.scrollToSelection()
	return l.ensure()
}

// substitute replaces the window's rows by the fresh ones with the same seq.
func (l *List) substitute(fresh []present.Row) {
	bySeq := make(map[uint64]present.Row, len(fresh))
	for _, r := range fresh {
		bySeq[r.Seq] = r
	}
	for i, r := range l.rows {
		if f, ok := bySeq[r.Seq]; ok {
			l.rows[i] = f
		}
	}
}

func (l *List) prepend(rows []present.Row, atOldest bool) {
	n := len(rows)
	l.rows = append(rows, l.rows...)
	l.sel += n
	l.top += n
	l.atOldest = atOldest
	// Drop rows far below the view to keep the window bounded.
	if keep := max(l.top+l.visible, l.sel+1) + 2*l.pageSize(); len(l.rows) > l.maxRows() && keep < len(l.rows) {
		l.rows = l.rows[:keep:keep]
		l.atNewest = false
	}
}

func (l *List) append(rows []present.Row, atNewest bool) {
	l.rows = append(l.rows, rows...)
	l.atNewest = atNewest
	if len(l.rows) > l.maxRows() {
		if cut := min(l.top, l.sel) - 2*l.pageSize(); cut > 0 {
			l.rows = append([]present.Row(nil), l.rows[cut:]...)
			l.top -= cut
			l.sel -= cut
			l.atOldest = false
		}
	}
}

// ensure asks for more rows when the selection or the view comes near an edge of the
// window that is not an edge of the history.
func (l *List) ensure() tea.Cmd {
	if len(l.rows) == 0 || l.replacing {
		return nil
	}
	var cmds []tea.Cmd
	margin := l.pageSize()
	if !l.atOldest && !l.extUp && min(l.sel, l.top) < margin {
		l.extUp = true
		cmds = append(cmds, fetch(l.reader, l.loc, l.now, l.query, l.gen, fetchOlder, l.rows[0].Seq, 2*margin))
	}
	if !l.atNewest && !l.extDown && len(l.rows)-max(l.sel+1, l.top+l.visible) < margin {
		l.extDown = true
		cmds = append(cmds, fetch(l.reader, l.loc, l.now, l.query, l.gen, fetchNewer, l.rows[len(l.rows)-1].Seq, 2*margin))
	}
	return tea.Batch(cmds...)
}

func (l *List) scrollToSelection() {
	if l.follow && len(l.rows) > 0 {
		l.sel = len(l.rows) - 1
	}
	if l.sel < l.top {
		l.top = l.sel
	}
	if l.sel >= l.top+l.visible {
		l.top = l.sel - l.visible + 1
	}
	l.top = max(0, min(l.top, len(l.rows)-l.visible))
}
