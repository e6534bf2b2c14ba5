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
	id    string
	gen   uint64
	title string
	tabs  [present.NumTabs][]string
	err   error
}

// load reads and renders one event in a tea.Cmd; styles are never changed in place.
func load(r store.Reader, opts present.Options, styles *theme.Styles, id string, gen uint64) tea.Cmd {
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
		d := present.NewDetail(ev, opts, dedup)
		msg.title = styles.Line(d.Title)
		for i, doc := range d.Tabs {
			msg.tabs[i] = renderDoc(styles, doc, opts.Width)
		}
		return msg
	}
}

// errorText is a load error safe to show.
func errorText(err error) string { return sanitize.Line(err.Error()) }
