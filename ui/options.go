// Package ui is the console: one Bubble Tea program over the history and the
// in-process listener. Run starts it; New builds the root model for tests.
package ui

import (
	"context"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/catalog"
	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/tunnel"
)

// Profile names.
const (
	ProfileSandbox    = "sandbox"
	ProfileProduction = "production"
)

// Options are what the console shows and talks to.
type Options struct {
	// Reader pages the history; the console never holds the whole of it.
	Reader store.Reader
	// IDs finds stored IDs by prefix, so the detail shows as much of an ID as is
	// unique; nil: the Reader's, when it has IDsWithPrefix (a *store.Store does).
	IDs store.IDFinder
	// Tmux says the console runs inside tmux, which drops clipboard (OSC 52) writes
	// unless set-clipboard is on; Run sets it when $TMUX is set.
	Tmux bool
	// Events are committed events, from a hub subscription; only their arrival and
	// received time are used (the list re-reads the history).
	Events <-chan *payloads.Event
	// ListenURL is the listener's base URL (http://127.0.0.1:4242); copied curl
	// commands target it.
	ListenURL string
	// ListenerStopped delivers the error that stopped the listener if it stops on its
	// own; the header then says so instead of "listening". nil: never.
	ListenerStopped <-chan error
	Profile         string // "sandbox" (default) or "production"
	Secret          string // the webhook secret, revealed on a key press
	// Trigger sends a signed sample of event to the listener; nil disables `t`.
	Trigger func(ctx context.Context, event catalog.EventType) (tunnel.TriggerResult, error)
	// Catalog is offered by the trigger picker; nil means catalog.All().
	Catalog []catalog.EventType

	// Forwarder is the running forwarder (nil without --forward-to): the header shows
	// its targets' health and R replays what it failed to deliver.
	Forwarder *tunnel.Forwarder
	// Notices are what the listener and forwarder say an operator needs (failed
	// commits, refused requests, forward failures), shown in the status line.
	Notices <-chan Notice
	// Recorded hears the Forwarder's attempts once they are in the history (its Notify
	// is the ForwardConfig.OnAttempt); nil: rows follow the forwarder's health, which
	// can count an attempt before a read sees it.
	Recorded *RecordedAttempts
	// Replay is how r, e and R send events again: History, Targets (the forward
	// targets), Secrets, Tolerance, Appender and Hub (edited replays record a new
	// event), Forward (the Forwarder). The console sets Mode, Concurrency and
	// Progress per run. Without Targets, r, e and R ask for one (used for this run).
	Replay tunnel.ReplayConfig
	// SaveForwardTarget keeps a forward target typed in the console (r, e or R
	// without one) for the next runs, in the config file; nil: it is for this run only.
	SaveForwardTarget func(url string) error
	// Editor is the command e opens a body in; Run sets it from $VISUAL or $EDITOR.
	// "" edits in the console.
	Editor string

	// Compose is what c sends with (compose.go); no Profiles disables c.
	Compose ComposeOptions

	// Responder is the listener's simulated answer, cycled with `a`; nil disables it.
	Responder *tunnel.Responder

	// CommitHealth is the history's commit state (store.Store.Health): while commits
	// fail (a full disk) the listener answers 503 and the header says so. nil: not shown.
	CommitHealth func() store.Health
	// Public is the listener's tunnel and relays (nil: none): the header shows their
	// state and public URL, u copies it.
	Public PublicSide
	// CheckSigning is how H signs the handler check of a forward target URL: scheme,
	// secret and catalog event (nil: the scheme's default). nil disables H.
	CheckSigning func(target string) (scheme, secret string, event *catalog.EventType)
	// ExportSecrets are every configured webhook secret, redacted from what x exports.
	ExportSecrets []string
	// Version names the creator in HAR exports.
	Version string

	Now      func() time.Time // nil: time.Now (tests pass a fixed clock)
	Location *time.Location   // nil: time.Local; times are shown in it
	// NoColor draws without colour; Run also sets it when NO_COLOR is set.
	NoColor bool
}

func (o *Options) defaults() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	if o.Catalog == nil {
		o.Catalog = catalog.All()
	}
	if f, ok := o.Reader.(store.IDFinder); ok && o.IDs == nil {
		o.IDs = f
	}
	if o.Profile == "" {
		o.Profile = ProfileSandbox
	}
}
