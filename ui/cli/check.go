package cli

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dexra/dexra-tui/payloads/catalog"
	"github.com/dexra/dexra-tui/tunnel"
)

func (a *App) checkCommand() *cobra.Command {
	var o checkOptions
	cmd := &cobra.Command{
		Use:   "check URL",
		Short: "Probe your webhook handler: does it verify, reject and tolerate what a platform sends",
		Long: `Send the handler at URL ten signed probes built from a catalog sample (a valid event, a
tampered body, another secret, no signature, a malformed signature, a stale timestamp, a
redelivery, an unknown event type, statuses out of order, a concurrent burst) and print a card:
one line per probe with what the handler answered and, for a failure, what is wrong and how
handlers usually fix it. Exit 0 when every probe passes, 1 otherwise.`,
		Example: `  dexra-tui check http://localhost:3000/webhooks/dexatel
  dexra-tui check http://localhost:3000/stripe --scheme stripe --timeout 5s
  dexra-tui check http://localhost:3000/hooks --report junit=check.xml`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("check needs the URL of your handler, e.g. dexra-tui check http://localhost:3000/webhooks")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.check(cmd.Context(), o, args[0])
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.scheme, "scheme", "", "signing scheme: "+strings.Join(tunnel.CheckSchemes(), ", ")+" (default: the config's for URL's path, the --event's own, else dexatel)")
	fs.StringVar(&o.secret, "secret", "", "your handler's webhook secret "+secretFlagHelp)
	fs.StringVar(&o.event, "event", "", "catalog event to build the probes from (default: the scheme's most common)")
	fs.DurationVar(&o.timeout, "timeout", tunnel.DefaultCheckTimeout, "the platform's delivery timeout: a later answer fails")
	fs.IntVar(&o.burst, "burst", tunnel.DefaultCheckBurst, "concurrent events in the burst probe")
	fs.BoolVar(&o.asJSON, "json", false, "one JSON object per probe")
	fs.StringVar(&o.report, "report", "", "also write a report: junit=FILE (JUnit XML for CI)")
	fs.StringVar(&o.config, "config", "", "config file (default $XDG_CONFIG_HOME/dexra-tui/config.toml)")
	_ = cmd.RegisterFlagCompletionFunc("scheme", cobra.FixedCompletions(tunnel.CheckSchemes(), cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("event", completeCatalogEvents)
	return cmd
}

type checkOptions struct {
	scheme, secret, event, report, config string
	timeout                               time.Duration
	burst                                 int
	asJSON                                bool
}

const maxCheckBurst = 1000

func (a *App) check(ctx context.Context, o checkOptions, target string) error {
	junitFile, err := parseCheckReport(o.report)
	if err != nil {
		return err
	}
	if o.timeout <= 0 {
		return usagef("--timeout must be positive, e.g. 10s")
	}
	if o.burst < 1 || o.burst > maxCheckBurst {
		return usagef("--burst must be from 1 to %d", maxCheckBurst)
	}
	if o.scheme != "" && !slices.Contains(tunnel.CheckSchemes(), strings.ToLower(o.scheme)) {
		return usagef("--scheme: check cannot sign with %q (it knows %s)", o.scheme, strings.Join(tunnel.CheckSchemes(), ", "))
	}
	if err := tunnel.CheckTarget(target); err != nil {
		return usageError{msg: "check: " + err.Error()}
	}
	var event *catalog.EventType
	if o.event != "" {
		e, err := catalog.Find(o.event)
		if err != nil {
			return usagef("--event: %v", err)
		}
		event = &e
	}
	cfg, err := a.loadConfig(o.config)
	if err != nil {
		return err
	}
	path := "/"
	if u, err := url.Parse(target); err == nil && u.Path != "" {
		path = u.Path
	}
	routeScheme, routeSecret := cfg.signingFor(path)
	scheme := checkScheme(o.scheme, routeScheme, event)
	secret := o.secret
	if secret == "" {
		secret = routeSecret
	}
	if secret == "" {
		return fmt.Errorf("no webhook secret to sign the probes with: pass your handler's secret with --secret or DEXRA_WEBHOOK_SECRET")
	}
	if event == nil {
		if e, ok := tunnel.DefaultCheckEvent(scheme); ok {
			event = &e
		}
	}
	report, err := tunnel.Check(ctx, tunnel.CheckRequest{URL: target, Scheme: scheme, Secret: secret, Event: event, Timeout: o.timeout, Burst: o.burst})
	switch {
	case errors.Is(err, tunnel.ErrBadTarget):
		return usageError{msg: "check: " + err.Error()}
	case errors.Is(err, tunnel.ErrCheckUnreachable):
		return fmt.Errorf("%w (is your app running? start it, or pass the URL it listens on)", err)
	case err != nil:
		return err
	}
	if o.asJSON {
		err = writeCheckJSON(a.Stdout, report)
	} else {
		err = writeCheckCard(a.Stdout, report)
	}
	if err != nil {
		return err
	}
	if junitFile != "" {
		if err := writeJUnit(junitFile, report); err != nil {
			return err
		}
	}
	if !report.Passed() {
		return exitError{1}
	}
	return nil
}

// checkScheme is the flag's scheme, else the config's for the path, else the event's,
// else dexatel (the documented form is the default wherever one is needed).
func checkScheme(flag, route string, event *catalog.EventType) string {
	known := tunnel.CheckSchemes()
	for _, s := range []string{flag, route} {
		if s = strings.ToLower(strings.TrimSpace(s)); slices.Contains(known, s) {
			return s
		}
	}
	if event != nil && slices.Contains(known, event.Scheme) {
		return event.Scheme
	}
	return "dexatel"
}

// parseCheckReport reads --report: "" or junit=FILE.
func parseCheckReport(v string) (junitFile string, err error) {
	if v == "" {
		return "", nil
	}
	format, file, ok := strings.Cut(v, "=")
	if !ok || format != "junit" || file == "" {
		return "", usagef("--report: want junit=FILE, got %q", v)
	}
	return file, nil
}
