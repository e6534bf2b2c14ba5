package ui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// bridgeCooldown is the least time between two batches sent to the program: events
// that arrive faster are coalesced into one message (and one render).
const bridgeCooldown = 100 * time.Millisecond

// bridge is publicBridge without a public side.
func bridge(ctx context.Context, events <-chan *payloads.Event, recorded <-chan struct{}, stopped <-chan error, notices <-chan Notice, send func(tea.Msg)) {
	publicBridge(ctx, events, recorded, stopped, notices, nil, send)
}

// publicBridge is the one goroutine that turns committed events, recorded forward
// attempts, the listener stopping on its own, notices and the public side's changes
// (pub, may be nil) into program messages. The first news after a
// quiet spell is sent at once; later news is gathered and sent at most once per
// cooldown. It returns when ctx ends; a closed events channel (the listener stopped)
// only ends the batches.
func publicBridge(ctx context.Context, events <-chan *payloads.Event, recorded <-chan struct{}, stopped <-chan error, notices <-chan Notice, pub PublicSide, send func(tea.Msg)) {
	var changed <-chan struct{}
	if pub != nil {
		changed = pub.Changed()
	}
	var pending eventsArrivedMsg
	var attempts bool
	var cooldown <-chan time.Time
	flush := func() {
		if pending.count == 0 && !attempts {
			cooldown = nil
			return
		}
		if pending.count > 0 {
			send(pending)
			pending = eventsArrivedMsg{}
		}
		if attempts {
			send(attemptsRecordedMsg{})
			attempts = false
		}
		cooldown = time.After(bridgeCooldown)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				events = nil
				flush()
				continue
			}
			pending.count++
			pending.arrivals = append(pending.arrivals, arrival{seq: ev.Seq, received: ev.Received})
			if cooldown == nil {
				flush()
			}
		case <-recorded:
			attempts = true
			if cooldown == nil {
				flush()
			}
		case <-cooldown:
			flush()
		case err := <-stopped:
			stopped = nil
			flush()
			send(listenerStoppedMsg{err: err})
		case <-changed:
			send(publicMsg{states: pub.States()})
		case n := <-notices:
			send(toastMsg{text: sanitize.Line(n.Text), isError: n.IsError})
		}
	}
}
