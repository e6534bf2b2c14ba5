package detail

import (
	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/ui/present"
	"github.com/dexra/dexra-tui/ui/sanitize"
	"github.com/dexra/dexra-tui/ui/theme"
)

// LoadedMsg carries a rendered event for the load generation it answers.
type LoadedMsg struct {
	id             string
	gen            uint64
	title          string
	tabs           [present.NumTabs]content
	schemaDeferred bool
	tl             timelineState
	err            error
}

// SchemaMsg carries a large body's deferred schema check.
type SchemaMsg struct {
	id  string
	gen uint64
	tab content
}

// load reads and lays out one event in a tea.Cmd: small tabs are styled and wrapped
// here, the body's rows only indexed (they are drawn when shown); styles are never
// changed in place.
func load(r store.Reader, ids store.IDFinder, opts present.Options, styles *theme.Styles, id string, gen uint64) tea.Cmd {
	return func() tea.Msg {
		msg := LoadedMsg{id: id, gen: gen}
		ev, err := r.Get(id)
		if err != nil {
			msg.err = err
			return msg
		}
		var dedup present.Dedup
		if ev.DuplicateOf != "" && ev.DedupKey != "" {
			if info, err := r.Dedup(ev.DedupKey); err == nil {
				dedup = present.Dedup{FirstID: info.FirstID, Deliveries: info.Count}
			}
		}
		if ids != nil {
			// An ID the history cannot tell apart keeps the default length.
			opts.IDLen, _ = present.UniqueIDLen(ev.ID, func(prefix string) (bool, error) {
				found, err := ids.IDsWithPrefix(prefix, 2)
				return len(found) > 1, err
			})
		}
		d := present.NewDetail(ev, opts, dedup)
		msg.title = styles.Line(d.Title)
		msg.schemaDeferred = d.SchemaDeferred
		for i, tab := range d.Tabs {
			msg.tabs[i] = content{head: renderDoc(styles, tab.Head, opts.Width), rows: tab.Rows}
		}
		msg.tl = loadTimeline(r, ev, styles, opts.Width)
		return msg
	}
}

// checkSchema reads the event again and checks its body against the catalog.
func checkSchema(r store.Reader, styles *theme.Styles, id string, gen uint64, width int) tea.Cmd {
	return func() tea.Msg {
		msg := SchemaMsg{id: id, gen: gen}
		ev, err := r.Get(id)
		if err != nil {
			msg.tab = content{head: []string{styles.Error.Render("cannot check the schema of " + sanitize.Line(id) + ": " + errorText(err))}}
			return msg
		}
		msg.tab = content{head: renderDoc(styles, present.Schema(ev), width)}
		return msg
	}
}

// errorText is a load error safe to show.
func errorText(err error) string { return sanitize.Line(err.Error()) }
