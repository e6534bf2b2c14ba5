package eventlist

import (
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/ui/present"
)

// fetchKind says which part of the history a page is for.
type fetchKind uint8

const (
	fetchNewest  fetchKind = iota // replace the window with the newest events
	fetchOldest                   // replace the window with the oldest events
	fetchOlder                    // prepend events older than the window
	fetchNewer                    // append events newer than the window
	fetchRefresh                  // re-read the window's events, from anchor on
)

// PageMsg carries a page read from the history for the list generation it answers.
type PageMsg struct {
	gen    uint64
	kind   fetchKind
	anchor uint64 // the edge seq the page continues from (fetchOlder/fetchNewer)
	rows   []present.Row
	more   bool // more matching events exist beyond the page
	err    error
}

// fetch reads one page in a tea.Cmd; it only touches values copied into it.
func fetch(r store.Reader, loc *time.Location, now func() time.Time, query string, gen uint64, kind fetchKind, anchor uint64, limit int) tea.Cmd {
	return func() tea.Msg {
		o := store.ListOptions{Query: query, Limit: limit}
		switch kind {
		case fetchOldest:
			o.OldestFirst = true
		case fetchOlder:
			o.Cursor = anchor
		case fetchNewer:
			o.Cursor, o.OldestFirst = anchor, true
		case fetchRefresh:
			o.Cursor, o.OldestFirst = anchor-1, true // the cursor is exclusive
		}
		page, err := r.List(o)
		msg := PageMsg{gen: gen, kind: kind, anchor: anchor, more: page.Next != 0, err: err}
		if err != nil {
			return msg
		}
		msg.rows = make([]present.Row, 0, len(page.Events))
		for _, ev := range page.Events {
			deliveries := 0
			if ev.DuplicateOf != "" && ev.DedupKey != "" {
				if info, err := r.Dedup(ev.DedupKey); err == nil {
					deliveries = info.Count
				}
			}
			msg.rows = append(msg.rows, present.NewRow(ev, loc, now(), deliveries))
		}
		if !o.OldestFirst {
			slices.Reverse(msg.rows) // the window is kept oldest at the top
		}
		return msg
	}
}
