package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/dexra/dexra-tui/payloads/catalog"
	"github.com/dexra/dexra-tui/tunnel"
)

func (a *App) triggerCommand() *cobra.Command {
	var o triggerOptions
	cmd := &cobra.Command{
		Use:   "trigger EVENT",
		Short: "Send a signed sample event (to the running listener by default)",
		Long: `Build a sample of a catalog event (fresh ids and timestamps), sign it, POST it and print
the answer. Without --to it goes to the listener or console that holds the history, wherever it
listens, else to the configured address. EVENT is source.type, or a bare type where unambiguous, or a fixture file (as export --format
fixtures writes them): its exact body (with --set applied) signed afresh with the configured secret
under its scheme, with a fresh message id for Standard Webhooks and Svix.`,
		Example: `  dexra-tui trigger --list
  dexra-tui trigger dexatel.delivery
  dexra-tui trigger message --to http://localhost:3000/hooks --set data.text='hello'
  dexra-tui trigger dexatel.delivery --set-json 'data.tags=["a","b"]'
  dexra-tui trigger ./testdata/webhooks/stripe/charge.failed/20250301T130000.000Z-4q2w5k6a.json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if o.list {
				return noArgs(cmd, args)
			}
			if len(args) != 1 {
				return usagef("trigger needs one EVENT (see dexra-tui trigger --list)")
			}
			return nil
		},
		ValidArgsFunction: completeCatalogEvents,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.list {
				return a.listCatalog()
			}
			return a.trigger(cmd.Context(), o, args[0])
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.to, "to", "", "where to POST (default: the running listener, else the configured address)")
	fs.StringVar(&o.scheme, "scheme", "", "signing scheme (default: the event's own)")
	fs.StringVar(&o.secret, "secret", "", "webhook secret "+secretFlagHelp)
	o.readFlags.register(fs)
	fs.BoolVar(&o.list, "list", false, "list the catalog's events")
	fs.BoolVar(&o.asJSON, "json", false, "print the answer as JSON")
	fs.StringArrayVar(&o.sets, "set", nil, "override a field of the sample, keeping its type: a.b=value (repeat)")
	fs.StringArrayVar(&o.setsJSON, "set-json", nil, "override a field with a JSON value: a.b=[1,2] (repeat)")
	a.completeScheme(cmd, "scheme", false)
	a.completeReadFlags(cmd, &o.readFlags)
	return cmd
}

type triggerOptions struct {
	readFlags
	to, scheme, secret string
	list, asJSON       bool
	sets, setsJSON     []string
}

func (a *App) trigger(ctx context.Context, o triggerOptions, name string) error {
	overrides, err := triggerSets(o)
	if err != nil {
		return err
	}
	if isFixturePath(name) {
		return a.triggerFixture(ctx, o, name, overrides)
	}
	event, err := catalog.Find(name)
	if err != nil {
		return usagef("%v", err)
	}
	cfg, err := a.loadConfig(o.config)
	if err != nil {
		return err
	}
	to, secret, scheme := &o.to, &o.secret, &o.scheme
	if *to == "" {
		*to = a.runningListener(o.readFlags, cfg)
	}
	routeScheme, routeSecret := cfg.signingFor(event.Path)
	if *secret == "" {
		*secret = routeSecret
	}
	if *scheme == "" {
		*scheme = routeScheme
	}
	if *secret == "" {
		return errNoTriggerSecret
	}
	res, err := tunnel.Trigger(ctx, tunnel.TriggerRequest{URL: *to, Event: event, Scheme: *scheme, Secret: *secret, Sets: overrides})
	return a.triggerAnswer(o, event.Name(), res, err)
}

var errNoTriggerSecret = fmt.Errorf("no webhook secret to sign with: pass --secret, set DEXRA_WEBHOOK_SECRET, or run dexra-tui listen once to generate one")

// triggerSets are the --set and --set-json overrides.
func triggerSets(o triggerOptions) ([]catalog.Set, error) {
	var overrides []catalog.Set
	for _, group := range []struct {
		flag string
		args []string
		json bool
	}{{"--set", o.sets, false}, {"--set-json", o.setsJSON, true}} {
		for _, s := range group.args {
			path, value, err := catalog.ParseSet(s)
			if err != nil {
				return nil, usagef("%s: %v", group.flag, err)
			}
			overrides = append(overrides, catalog.Set{Path: path, Value: value, JSON: group.json})
		}
	}
	return overrides, nil
}

// triggerAnswer prints what the receiver answered to the trigger of name.
func (a *App) triggerAnswer(o triggerOptions, name string, res tunnel.TriggerResult, err error) error {
	var setErr *catalog.SetError
	switch {
	case errors.As(err, &setErr):
		flag := "--set"
		if setErr.Set.JSON {
			flag = "--set-json"
		}
		return usagef("%s %s: %v", flag, setErr.Set.Path, setErr.Err)
	case errors.Is(err, tunnel.ErrBadTarget):
		return usageError{msg: "--to: " + err.Error()}
	case isConnectionRefused(err):
		return fmt.Errorf("%w (no listener there: start one with dexra-tui listen, or pass --to)", err)
	case err != nil:
		return err
	}
	asJSON := &o.asJSON
	if *asJSON {
		if err := writeJSON(a.Stdout, map[string]any{"url": res.URL, "status": res.Status, "event_id": res.EventID, "event": name}, false); err != nil {
			return err
		}
	} else {
		line := fmt.Sprintf("%d %s → %s", res.Status, name, res.URL)
		if res.EventID != "" {
			line += " event " + res.EventID
		}
		fmt.Fprintln(a.Stdout, clean(line))
	}
	if res.Status < 200 || res.Status > 299 {
		fmt.Fprintf(a.Stderr, "dexra-tui: %s answered %d: %s\n", clean(res.URL), res.Status, clean(strings.TrimSpace(string(res.Body))))
		return exitError{1}
	}
	return nil
}

func (a *App) listCatalog() error {
	w := tabwriter.NewWriter(a.Stdout, 0, 4, 2, ' ', 0)
	for _, e := range catalog.Samples() {
		shape := "documented"
		if !e.Documented {
			shape = "shape assumed"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", e.Name(), e.Scheme, shape, e.Description)
	}
	return w.Flush()
}

// runningListener is where the process holding the history listens, told through its
// control socket; else the configured address.
func (a *App) runningListener(rf readFlags, cfg Config) string {
	db := cfg.DB
	if rf.db != "" {
		db = rf.db
	}
	if c, err := tunnel.DialControl(tunnel.ControlSocketPath(db)); err == nil {
		defer c.Close()
		if u := c.ListenURL(); u != "" {
			return u
		}
	}
	return "http://" + cfg.Addr
}

// isConnectionRefused: nothing listens where a request was sent.
func isConnectionRefused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED)
}
