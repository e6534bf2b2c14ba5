package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dexra/dexra-tui/payloads/catalog"
	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/ui"
)

// consoleCommand is the root command: with no subcommand it runs the listener
// in-process with the live view over it.
func (a *App) consoleCommand() *cobra.Command {
	var sf serverFlags
	cmd := &cobra.Command{
		Use:   "dexra-tui",
		Short: "A terminal console for webhooks: receive, verify, keep, forward and replay them",
		Long: `dexra-tui receives a messaging platform's webhooks on a local listener, verifies each
signature and says why one fails, keeps every event in a history, and shows them live.
Run without a command for the console; the commands below do the same headless.`,
		Example: `  dexra-tui                                   # the console on 127.0.0.1:4242
  dexra-tui --addr 127.0.0.1:5101 --forward-to http://localhost:3000/webhooks
  dexra-tui listen --json                     # headless, one JSON line per event
  dexra-tui trigger dexatel.delivery          # send a signed sample to the running listener`,
		Args: unknownCommand,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := sf.resolve(a, cmd.Flags())
			if err != nil {
				return err
			}
			return a.console(cmd.Context(), cfg)
		},
	}
	sf.register(cmd.Flags())
	a.completeServerFlags(cmd)
	return cmd
}

// unknownCommand: the root takes no arguments, so one is a misspelt command.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q", args[0])
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf("; did you mean %s?", strings.Join(s, " or "))
	}
	return usagef("%s (see dexra-tui --help for the commands)", msg)
}

// console runs the listener in-process with the live view over it.
func (a *App) console(ctx context.Context, cfg Config) error {
	if !a.StdinIsTerminal || !a.StdoutIsTerminal {
		return errors.New("the console needs a terminal (stdin and stdout); without one, run dexra-tui listen (add --json for one line per event)")
	}
	notices := make(chan ui.Notice, 64)
	recorded := ui.NewRecordedAttempts()
	srv, err := startServer(cfg, serverHooks{log: newNoticeLogger(notices), forwarded: recorded.Notify})
	if err != nil {
		return err
	}
	secret := srv.cfg.Secrets[0]
	profiles := a.consoleProfiles(srv.cfg)
	_, webhookSecret := srv.cfg.signingFor("/dexatel")
	sb, err := startConsoleSandbox(profiles, srv.url, webhookSecret, newNoticeLogger(notices))
	if err != nil {
		return errors.Join(err, srv.close())
	}
	runErr := ui.Run(ctx, ui.Options{
		Reader:   srv.store,
		Notices:  notices,
		Recorded: recorded,
		SaveForwardTarget: func(target string) error {
			return saveForwardTarget(srv.cfg.File, target)
		},
		Events:          srv.events.C(),
		ListenURL:       srv.url,
		ListenerStopped: stoppedOnItsOwn(srv.failed()),
		Profile:         srv.cfg.Profile,
		Secret:          secret,
		Trigger: func(ctx context.Context, et catalog.EventType) (tunnel.TriggerResult, error) {
			scheme, secret := srv.cfg.signingFor(et.Path)
			return tunnel.Trigger(ctx, tunnel.TriggerRequest{URL: srv.url, Event: et, Scheme: scheme, Secret: secret})
		},
		Forwarder:     srv.forwarder,
		Responder:     srv.responder,
		CommitHealth:  srv.store.Health,
		Public:        srv.public,
		CheckSigning:  srv.cfg.checkSigning,
		ExportSecrets: configuredSecrets(srv.cfg),
		Version:       a.version(),
		Compose:       ui.ComposeOptions{Profiles: profiles, Recorder: srv.store},
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
	var sandboxErr error
	if sb != nil {
		sandboxErr = sb.Close() // before the listener its webhooks go to
	}
	closeErr := errors.Join(sandboxErr, srv.close())
	if srv.generated.secret != "" {
		fmt.Fprintf(a.Stderr, "dexra-tui: the webhook secret generated on this run is saved in %s\n", srv.cfg.File)
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

// checkSigning is how the console's handler check signs probes for a forward target:
// the config's scheme and secret for the target's path, as dexra-tui check does.
func (c Config) checkSigning(target string) (scheme, secret string, event *catalog.EventType) {
	path := "/"
	if u, err := url.Parse(target); err == nil && u.Path != "" {
		path = u.Path
	}
	routeScheme, secret := c.signingFor(path)
	if secret == "" && len(c.Secrets) > 0 {
		secret = c.Secrets[0]
	}
	return checkScheme("", routeScheme, nil), secret, nil
}
