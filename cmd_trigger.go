package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/dexra/dexra-tui/payloads/catalog"
	"github.com/dexra/dexra-tui/tunnel"
)

func (a *app) trigger(ctx context.Context, args []string) error {
	fs := newFlagSet("trigger")
	to := fs.String("to", "", "where to POST (default: the configured listener)")
	scheme := fs.String("scheme", "", "signing scheme (default: the event's own)")
	secret := fs.String("secret", "", "webhook secret (default: the configured one)")
	config := fs.String("config", "", "config file")
	list := fs.Bool("list", false, "list the catalog's events")
	asJSON := fs.Bool("json", false, "print the answer as JSON")
	var sets stringList
	fs.Var(&sets, "set", "override a field of the sample: a.b=value (repeat)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if *list {
		return a.listCatalog()
	}
	if len(pos) != 1 {
		return usagef("trigger needs one EVENT (see dexra-tui trigger --list)")
	}
	event, err := catalog.Find(pos[0])
	if err != nil {
		return usagef("%v", err)
	}
	overrides := map[string]string{}
	for _, s := range sets {
		path, value, ok := strings.Cut(s, "=")
		if !ok || path == "" {
			return usagef("--set %q: want a.b=value", s)
		}
		overrides[path] = value
	}
	cfg, err := loadConfig(a.env, *config)
	if err != nil {
		return err
	}
	if *to == "" {
		*to = "http://" + cfg.Addr
	}
	routeScheme, routeSecret := cfg.signingFor(event.Path)
	if *secret == "" {
		*secret = routeSecret
	}
	if *scheme == "" {
		*scheme = routeScheme
	}
	if *secret == "" {
		return fmt.Errorf("no webhook secret to sign with: pass --secret, set DEXRA_WEBHOOK_SECRET, or run dexra-tui listen once to generate one")
	}
	res, err := tunnel.Trigger(ctx, tunnel.TriggerRequest{URL: *to, Event: event, Scheme: *scheme, Secret: *secret, Sets: overrides})
	if err != nil {
		return fmt.Errorf("%w (is a listener running? start one with dexra-tui listen)", err)
	}
	if *asJSON {
		if err := writeJSON(a.stdout, map[string]any{"url": res.URL, "status": res.Status, "event_id": res.EventID, "event": event.Name()}, false); err != nil {
			return err
		}
	} else {
		line := fmt.Sprintf("%d %s → %s", res.Status, event.Name(), res.URL)
		if res.EventID != "" {
			line += " event " + res.EventID
		}
		fmt.Fprintln(a.stdout, clean(line))
	}
	if res.Status < 200 || res.Status > 299 {
		fmt.Fprintf(a.stderr, "dexra-tui: %s answered %d: %s\n", clean(res.URL), res.Status, clean(strings.TrimSpace(string(res.Body))))
		return exitError{1}
	}
	return nil
}

func (a *app) listCatalog() error {
	w := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	for _, e := range catalog.All() {
		shape := "documented"
		if !e.Documented {
			shape = "shape assumed"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", e.Name(), e.Scheme, shape, e.Description)
	}
	return w.Flush()
}
