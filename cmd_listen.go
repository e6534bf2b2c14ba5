package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

func (a *app) listen(ctx context.Context, args []string) error {
	fs := newFlagSet("listen")
	var sf serverFlags
	sf.register(fs)
	asJSON := fs.Bool("json", false, "one JSON object per committed event")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("listen takes no arguments (got %q)", pos[0])
	}
	cfg, err := sf.resolve(a, fs)
	if err != nil {
		return err
	}
	srv, err := startServer(cfg, func(err error) {
		fmt.Fprintf(a.stderr, "dexra-tui: removing old events failed (retention): %v\n", err)
	})
	if err != nil {
		return err
	}
	sub := srv.events
	a.announce(srv)

	// Shutdown runs beside the printer: the hub closes after the last in-flight
	// request is committed, so the loop below prints every event, then ends.
	stopped := make(chan error, 1)
	go func() {
		var serveErr error
		select {
		case err := <-srv.failed():
			if !errors.Is(err, http.ErrServerClosed) {
				serveErr = fmt.Errorf("listener stopped: %w", err)
			}
		case <-ctx.Done():
		}
		closeErr := srv.close()
		stopped <- errors.Join(serveErr, closeErr)
	}()
	var printErr error
	for ev := range sub.C() {
		if printErr == nil {
			if err := writeEvent(a.stdout, ev, *asJSON); err != nil {
				printErr = fmt.Errorf("printing events: %w", err)
			}
		}
	}
	if n, lostErr := sub.Lost(); n > 0 {
		printErr = errors.Join(printErr, fmt.Errorf("%d event(s) not printed: reading them back from the history: %w; see them with dexra-tui events", n, lostErr))
	}
	err = errors.Join(<-stopped, printErr)
	fmt.Fprintln(a.stderr, "dexra-tui: stopped; history closed")
	return err
}

// announce tells the person where the listener is and, once, the secret it generated.
func (a *app) announce(srv *server) {
	fmt.Fprintf(a.stderr, "dexra-tui: listening on %s (history %s)\n", srv.url, srv.cfg.DB)
	if srv.generated != "" {
		fmt.Fprintf(a.stderr, "dexra-tui: generated a webhook secret and saved it to %s:\n\n    %s\n\npaste it into the platform's webhook settings.\n", srv.cfg.File, srv.generated)
	} else {
		fmt.Fprintf(a.stderr, "dexra-tui: verifying with %d secret(s), scheme %s\n", len(srv.cfg.Secrets), srv.cfg.Scheme)
	}
}
