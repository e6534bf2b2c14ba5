package ui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/store"
)

// rateSeedLimit bounds how many stored events seed the rate at start.
const rateSeedLimit = 10_000

// rateWindow is what "events per minute" looks back over.
const rateWindow = 60

// rate counts arrivals per second over the last minute in a fixed ring.
type rate struct {
	secs   [rateWindow]int64 // the unix second each slot holds
	counts [rateWindow]int
}

// add records one arrival at t.
func (r *rate) add(t time.Time) {
	s := t.Unix()
	i := int(((s % rateWindow) + rateWindow) % rateWindow)
	switch {
	case s < r.secs[i]:
		return // a minute older than what the slot holds: outside any window it serves
	case s > r.secs[i]:
		r.secs[i], r.counts[i] = s, 0
	}
	r.counts[i]++
}

// perMinute is how many arrivals fell in the minute before now.
func (r *rate) perMinute(now time.Time) int {
	n := 0
	end := now.Unix()
	for i := range r.secs {
		if s := r.secs[i]; s > end-rateWindow && s <= end {
			n += r.counts[i]
		}
	}
	return n
}

// arrivals counts events per minute: seeded once from the history, then fed by the
// bridge. Events the seed already counted (seq ≤ seedSeq) are not counted twice.
type arrivals struct {
	rate    rate
	seeded  bool
	seedSeq uint64
	early   []arrival // bridge arrivals before the seed answered
}

func (a *arrivals) add(batch []arrival) {
	if !a.seeded {
		a.early = append(a.early, batch...)
		return
	}
	for _, ar := range batch {
		if ar.seq > a.seedSeq {
			a.rate.add(ar.received)
		}
	}
}

func (a *arrivals) seed(msg rateSeedMsg) {
	a.seeded, a.seedSeq = true, msg.upTo
	for _, ar := range msg.arrivals {
		a.rate.add(ar.received)
	}
	early := a.early
	a.early = nil
	a.add(early)
}

func (a *arrivals) perMinute(now time.Time) int { return a.rate.perMinute(now) }

// seedRate reads the arrivals of the minute before now from the history, newest
// first, in small pages so an idle history costs one short read.
func seedRate(r store.Reader, now time.Time) tea.Cmd {
	return func() tea.Msg {
		st, err := r.Stats()
		if err != nil || st.LastSeq == 0 {
			return rateSeedMsg{err: err}
		}
		msg := rateSeedMsg{upTo: st.LastSeq}
		since := now.Add(-rateWindow * time.Second)
		for cursor, limit := st.LastSeq+1, 64; len(msg.arrivals) < rateSeedLimit; limit = min(limit*4, 4096) {
			page, err := r.List(store.ListOptions{Cursor: cursor, Limit: limit})
			if err != nil {
				msg.err = err
				return msg
			}
			for _, ev := range page.Events {
				if ev.Received.Before(since) {
					return msg
				}
				msg.arrivals = append(msg.arrivals, arrival{seq: ev.Seq, received: ev.Received})
			}
			if page.Next == 0 {
				return msg
			}
			cursor = page.Next
		}
		return msg
	}
}
