package tunnel

import (
	"fmt"
	"slices"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
)

// Timeline is one sent message's story: the send and every webhook whose correlation
// key is its message id, in arrival order, with times relative to the send.
type Timeline struct {
	MessageID string
	Sent      *payloads.Event // the outbound event; nil if the history does not hold it
	Entries   []TimelineEntry
}

// TimelineEntry is one webhook about the message.
type TimelineEntry struct {
	Event  *payloads.Event
	Status string        // the message status it carries ("" for other events)
	Offset time.Duration // since the send (since the first webhook when the send is not held)
	// Duplicate: it redelivers an earlier webhook (the listener's dedup key).
	Duplicate bool
	// OutOfOrder: a status that happened earlier than one that arrived before it
	// (sent after delivered).
	OutOfOrder bool
}

// MessageTimeline reads the timeline of messageID from the history. It pages through
// the correlation index, so its cost follows the message's events, not the history's.
func MessageTimeline(r store.Reader, messageID string) (Timeline, error) {
	if messageID == "" {
		return Timeline{}, fmt.Errorf("timeline: no message id")
	}
	tl := Timeline{MessageID: messageID}
	var cursor uint64
	var events []*payloads.Event
	for {
		page, err := r.List(store.ListOptions{Query: "corr:" + quoteFilterValue(messageID), OldestFirst: true, WithBody: true, Limit: 500, Cursor: cursor})
		if err != nil {
			return Timeline{}, fmt.Errorf("timeline of message %s: %w", messageID, err)
		}
		events = append(events, page.Events...)
		if page.Next == 0 {
			break
		}
		cursor = page.Next
	}
	for _, ev := range events {
		if ev.Direction == payloads.Outbound && tl.Sent == nil {
			tl.Sent = ev
		}
	}
	var origin time.Time
	if tl.Sent != nil {
		origin = tl.Sent.Received
	}
	highest := -1
	for _, ev := range events {
		if ev == tl.Sent {
			continue
		}
		if origin.IsZero() {
			origin = ev.Received
		}
		e := TimelineEntry{Event: ev, Status: StatusOf(ev.Body), Offset: ev.Received.Sub(origin), Duplicate: ev.DuplicateOf != ""}
		if rank := slices.Index(ProgressStatuses, e.Status); rank >= 0 && !e.Duplicate {
			e.OutOfOrder = rank < highest
			highest = max(highest, rank)
		}
		tl.Entries = append(tl.Entries, e)
	}
	return tl, nil
}
