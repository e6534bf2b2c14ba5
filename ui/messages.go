package ui

import (
	"time"

	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/ui/editor"
)

// arrival is when a committed event was received.
type arrival struct {
	seq      uint64
	received time.Time
}

// eventsArrivedMsg is one coalesced batch of committed events from the bridge.
type eventsArrivedMsg struct {
	count    int
	arrivals []arrival
}

// listenerStoppedMsg says the listener stopped on its own, and why.
type listenerStoppedMsg struct{ err error }

// rateSeedMsg carries the arrivals of the last minute already in the history when the
// console started, up to seq.
type rateSeedMsg struct {
	upTo     uint64
	arrivals []arrival
	err      error
}

// statsMsg carries the history's counters.
type statsMsg struct {
	stats store.Stats
	err   error
}

// countMsg carries how many events match the filter of generation gen.
type countMsg struct {
	gen    uint64
	n      int
	capped bool // there are more than n
	err    error
}

// applyFilterMsg applies the filter typed as edit number edit, if nothing was typed since.
type applyFilterMsg struct{ edit uint64 }

// triggeredMsg is the listener's answer to a sample sent with `t`.
type triggeredMsg struct {
	name   string
	result tunnel.TriggerResult
	err    error
}

// copyMsg carries text to put on the clipboard, or why it could not be built.
type copyMsg struct {
	what string
	text string
	err  error
}

// toastExpiredMsg hides toast number id.
type toastExpiredMsg struct{ id uint64 }

// tickMsg advances the console's clock (events per minute).
type tickMsg struct{ now time.Time }

// healthMsg carries the forward targets' health and how many deliveries failed.
type healthMsg struct {
	targets []tunnel.TargetHealth
	failed  int
}

// replayProgressMsg is how far replay run gen got.
type replayProgressMsg struct {
	gen                     uint64
	done, total, ok, failed int
}

// replayDoneMsg says replay run gen ended, with what it did.
type replayDoneMsg struct {
	gen     uint64
	sum     tunnel.ReplaySummary
	results []tunnel.ReplayResult // every result of a one-event run
	edited  *tunnel.EditedReplay
	nothing bool // there was nothing to replay
	retried bool // the forwarder had events waiting to retry: they go now
	err     error
}

// editLoadedMsg carries the event to edit as a draft, and the temp file holding it
// when an external editor opens it.
type editLoadedMsg struct {
	id      string
	title   string // styled, sanitized
	draft   editor.Draft
	resigns bool // the event has a scheme a send re-signs with
	path    string
	err     error
}

// editorExitedMsg says the external editor closed the file at path.
type editorExitedMsg struct {
	id    string
	path  string
	draft editor.Draft
	err   error
}

// toastMsg shows text in the status line.
type toastMsg struct {
	text    string
	isError bool
}

// Notice is a line for the status line from outside the console (the listener's log).
type Notice struct {
	Text    string
	IsError bool
}
