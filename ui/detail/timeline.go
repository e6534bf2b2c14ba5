package detail

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/ui/present"
	"github.com/dexra/dexra-tui/ui/theme"
)

// JumpKey is the key that opens the sent message from a webhook about it (the
// console binds it; the Timeline tab names it).
const JumpKey = "m"

// timelineState is the Timeline tab of the event shown: a sent message, or a webhook
// whose correlation key is a message id.
type timelineState struct {
	has    bool
	tab    content
	sentID string // the sent message's event, when the shown event is a webhook about it
}

// loadTimeline reads the timeline of ev's message through the correlation index
// (inside load's tea.Cmd); events with neither direction outbound nor a
// correlation key have none.
func loadTimeline(r store.Reader, ev *payloads.Event, styles *theme.Styles, width int) timelineState {
	outbound := ev.Direction == payloads.Outbound
	if !outbound && ev.Correlation == "" {
		return timelineState{}
	}
	tl := present.MessageTimeline{MessageID: ev.Correlation}
	if ev.Correlation == "" {
		tl.Sent = ev // a send that got no message id: its request and answer
	} else {
		read, err := tunnel.MessageTimeline(r, ev.Correlation)
		if err != nil {
			return timelineState{has: true, tab: content{head: []string{styles.Error.Render("cannot read the timeline: " + errorText(err))}}}
		}
		if read.Sent == nil && !outbound {
			return timelineState{} // a webhook about a message this history did not send
		}
		tl.Sent = read.Sent
		for _, e := range read.Entries {
			tl.Entries = append(tl.Entries, present.TimelineEntry{Event: e.Event, Status: e.Status, Offset: e.Offset, Duplicate: e.Duplicate, OutOfOrder: e.OutOfOrder})
		}
	}
	st := timelineState{has: true, tab: content{head: renderDoc(styles, present.Timeline(ev, tl, JumpKey), width)}}
	if !outbound {
		st.sentID = tl.Sent.ID
	}
	return st
}

// LoadTimeline shows event id on its Timeline tab (the Body tab if it has none).
func (d *Detail) LoadTimeline(id string) tea.Cmd {
	cmd := d.Load(id)
	d.wantTimeline = true
	return cmd
}

// applyTimeline takes a loaded event's timeline; without one, the Timeline tab goes.
func (d *Detail) applyTimeline(tl timelineState) {
	d.tl = tl
	if d.wantTimeline {
		d.wantTimeline = false
		if tl.has {
			d.tab, d.offset = present.TabTimeline, 0
		}
	}
	if !tl.has && d.tab == present.TabTimeline {
		d.tab, d.offset = present.TabBody, 0
	}
}

// HasTimeline says the event shown has a Timeline tab.
func (d *Detail) HasTimeline() bool { return d.tl.has }

// SentID is the sent message's event when the event shown is a webhook about it.
func (d *Detail) SentID() string { return d.tl.sentID }

// ShowTimeline switches to the Timeline tab, when the event has one.
func (d *Detail) ShowTimeline() tea.Cmd {
	if !d.tl.has {
		return nil
	}
	return d.SetTab(present.TabTimeline)
}

// numTabs is how many tabs the event shown has.
func (d *Detail) numTabs() int {
	if d.tl.has {
		return present.NumTabs + 1
	}
	return present.NumTabs
}

// active is the content of the active tab.
func (d *Detail) active() content {
	if d.tab == present.TabTimeline {
		return d.tl.tab
	}
	return d.tabs[d.tab]
}

// tabNames are the titles that fit width: the six of every event, the Timeline's
// (when the event has one) in extra.
func (d *Detail) tabNames(width int) ([present.NumTabs]string, string, []string) {
	if !d.tl.has {
		names, gap := tabLayout(width)
		return names, gap, nil
	}
	for _, name := range []string{present.TimelineName, present.TimelineShortName} {
		room := width - len(fmt.Sprintf(" %d %s", present.TabTimeline+1, name))
		names, gap := tabLayout(room)
		if tabsWidth(names, len(gap)) <= room-pctW {
			return names, gap, []string{name}
		}
	}
	names, gap := tabLayout(width)
	return names, gap, []string{present.TimelineShortName}
}
