package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	"github.com/dexra/dexra-tui/internal/durationtext"
	"github.com/dexra/dexra-tui/tunnel"
)

func (a *App) listenCommand() *cobra.Command {
	var sf serverFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "listen",
		Short: "Receive webhooks and print each committed event",
		Long: `Receive webhooks on a local listener (any path, any method): each request is verified,
classified and committed to the history before it is answered, and printed.`,
		Example: `  dexra-tui listen
  dexra-tui listen --addr 127.0.0.1:4242 --json
  dexra-tui listen --forward-to http://localhost:3000/webhooks
  dexra-tui listen --respond 500,rate=0.3`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := sf.resolve(a, cmd.Flags())
			if err != nil {
				return err
			}
			return a.listen(cmd.Context(), cfg, asJSON)
		},
	}
	sf.register(cmd.Flags())
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object per committed event")
	a.completeServerFlags(cmd)
	return cmd
}

func (a *App) listen(ctx context.Context, cfg Config, asJSON bool) error {
	out := &eventPrinter{w: a.Stdout, json: asJSON}
	srv, err := startServer(cfg, serverHooks{
		log:       stderrLogger(a.Stderr),
		warn:      func(err error) { fmt.Fprintf(a.Stderr, "dexra-tui: removing old events failed (retention): %v\n", err) },
		forwarded: out.forward,
	})
	if err != nil {
		return err
	}
	sub := srv.events
	a.announce(srv)
	srv.public.reportTo(a.Stderr)

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
			if err := out.event(ev); err != nil {
				printErr = fmt.Errorf("printing events: %w", err)
			}
		}
	}
	if n, lostErr := sub.Lost(); n > 0 {
		printErr = errors.Join(printErr, fmt.Errorf("%d event(s) not printed: reading them back from the history: %w; see them with dexra-tui events", n, lostErr))
	}
	err = errors.Join(<-stopped, printErr)
	fmt.Fprintln(a.Stderr, "dexra-tui: stopped; history closed")
	return err
}

// announce tells the person where the listener is and, once, what it generated.
func (a *App) announce(srv *server) {
	fmt.Fprintf(a.Stderr, "dexra-tui: listening on %s (history %s)\n", srv.url, srv.cfg.DB)
	g := srv.generated
	if g.secret != "" {
		fmt.Fprintf(a.Stderr, "dexra-tui: generated a webhook secret and saved it to %s:\n\n    %s\n\npaste it into the platform's webhook settings.\n", srv.cfg.File, g.secret)
	} else {
		fmt.Fprintf(a.Stderr, "dexra-tui: verifying with %d secret(s), scheme %s\n", len(srv.cfg.Secrets), srv.cfg.Scheme)
	}
	if g.verifyToken != "" {
		fmt.Fprintf(a.Stderr, "dexra-tui: Meta (WhatsApp Cloud) webhook setup: use verify token %s (saved as verify_token)\n", g.verifyToken)
	}
	for _, t := range srv.cfg.Forward {
		fmt.Fprintf(a.Stderr, "dexra-tui: forwarding to %s (%s)\n", clean(forwardDescription(t)), retryText(srv.cfg.ForwardRetryFor))
	}
}

// forwardDescription is a target as the person gave it, with what it receives.
func forwardDescription(t tunnel.ForwardTarget) string {
	switch {
	case t.Prefix != "":
		return t.URL.String() + " (events under " + t.Prefix + ", the rest of their path appended)"
	case t.AppendPath:
		return t.URL.String() + " (each event's path appended)"
	}
	return t.URL.String()
}

func retryText(d time.Duration) string {
	if d < 0 {
		return "failed deliveries are not retried"
	}
	if d == 0 {
		d = tunnel.DefaultRetryFor
	}
	return "failed deliveries are retried in order for " + durationtext.Compact(d)
}
