package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/dexra/dexra-tui/payloads/catalog"
	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/ui"
)

// console runs the listener in-process with the live view over it.
func (a *app) console(ctx context.Context, args []string) error {
	fs := newFlagSet("dexra-tui")
	var sf serverFlags
	sf.register(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unknown command %q (see dexra-tui help)", pos[0])
	}
	cfg, err := sf.resolve(a, fs)
	if err != nil {
		return err
	}
	if !a.stdinIsTerminal {
		return errors.New("the console needs a terminal; for headless capture run dexra-tui listen")
	}
	srv, err := startServer(cfg, nil)
	if err != nil {
		return err
	}
	secret := srv.cfg.Secrets[0]
	runErr := ui.Run(ctx, ui.Options{
		Reader:          srv.store,
		Events:          srv.events.C(),
		ListenURL:       srv.url,
		ListenerStopped: stoppedOnItsOwn(srv.failed()),
		Profile:         srv.cfg.Profile,
		Secret:          secret,
		Trigger: func(ctx context.Context, et catalog.EventType) (tunnel.TriggerResult, error) {
			scheme, secret := srv.cfg.signingFor(et.Path)
			return tunnel.Trigger(ctx, tunnel.TriggerRequest{URL: srv.url, Event: et, Scheme: scheme, Secret: secret})
		},
		Forwarder: srv.forwarder,
		Responder: srv.responder,
		Replay: tunnel.ReplayConfig{
			History:   srv.store,
			Targets:   srv.cfg.Forward,
			Secrets:   tunnel.ListenerSecrets(srv.cfg.Secrets, srv.cfg.routes()),
			Tolerance: srv.cfg.Tolerance,
			Appender:  srv.store,
			Hub:       srv.hub,
			Forward:   srv.forwarder,
		},
	})
	srv.events.Close() // nobody reads them any more
	closeErr := srv.close()
	if srv.generated != "" {
		fmt.Fprintf(a.stderr, "dexra-tui: the webhook secret generated on this run is saved in %s\n", srv.cfg.File)
	}
	return errors.Join(runErr, closeErr)
}

// stoppedOnItsOwn passes on the error that ended the listener, unless it was closed
// (Serve then returns nil).
func stoppedOnItsOwn(serveErr <-chan error) <-chan error {
	out := make(chan error, 1)
	go func() {
		if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
			out <- err
		}
	}()
	return out
}
