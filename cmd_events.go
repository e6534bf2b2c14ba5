package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// readFlags locate the history for the read commands.
type readFlags struct{ db, config string }

func (r *readFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&r.db, "db", "", "history file (default $DEXRA_TUI_DB, the config's db, or $XDG_DATA_HOME/dexra-tui/history.db)")
	fs.StringVar(&r.config, "config", "", "config file (default $XDG_CONFIG_HOME/dexra-tui/config.toml)")
}

// openHistory opens the history directly, or reaches it through the control socket
// of the process that holds it (a listener or the console).
func (a *app) openHistory(r readFlags) (tunnel.History, func() error, error) {
	cfg, err := loadConfig(a.env, r.config)
	if err != nil {
		return nil, nil, err
	}
	db := cfg.DB
	if r.db != "" {
		db = r.db
	}
	sock := tunnel.ControlSocketPath(db)
	if client, err := tunnel.DialControl(sock); err == nil {
		return client, client.Close, nil
	}
	if _, err := os.Stat(db); errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("no history at %s yet: start dexra-tui listen (or the console) first, or pass --db", db)
	}
	st, err := store.Open(db, store.Options{Timeout: time.Second})
	if err != nil {
		if errors.Is(err, store.ErrLocked) {
			return nil, nil, fmt.Errorf("%w; its control socket %s does not answer", err, sock)
		}
		return nil, nil, err
	}
	return st, st.Close, nil
}

const pageSize = 1000

func (a *app) events(_ context.Context, args []string) error {
	fs := newFlagSet("events")
	var rf readFlags
	rf.register(fs)
	query := fs.String("filter", "", "filter query, e.g. 'sig:fail type:delivery'")
	limit := fs.Int("limit", 50, "how many events; 0 means all")
	oldest := fs.Bool("oldest-first", false, "oldest first")
	asJSON := fs.Bool("json", false, "one JSON object per line")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("events takes no arguments (got %q); use --filter", pos[0])
	}
	if *limit < 0 {
		return usagef("--limit must be 0 (all) or more")
	}
	if _, err := store.ParseFilter(*query); err != nil {
		return usagef("--filter: %v", err)
	}
	r, closeReader, err := a.openHistory(rf)
	if err != nil {
		return err
	}
	defer closeReader()
	left := *limit
	cursor := uint64(0)
	for {
		n := pageSize
		if *limit > 0 && left < n {
			n = left
		}
		page, err := r.List(store.ListOptions{Query: *query, Cursor: cursor, Limit: n, OldestFirst: *oldest})
		if err != nil {
			return fmt.Errorf("listing events: %w", err)
		}
		for _, ev := range page.Events {
			if err := writeEvent(a.stdout, ev, *asJSON); err != nil {
				return err
			}
		}
		left -= len(page.Events)
		if page.Next == 0 || (*limit > 0 && left <= 0) {
			return nil
		}
		cursor = page.Next
	}
}

func (a *app) show(_ context.Context, args []string) error {
	fs := newFlagSet("show")
	var rf readFlags
	rf.register(fs)
	asJSON := fs.Bool("json", false, "the whole event as JSON")
	bodyOnly := fs.Bool("body", false, "write the raw body bytes exactly")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("show needs one event ID (see dexra-tui events)")
	}
	r, closeReader, err := a.openHistory(rf)
	if err != nil {
		return err
	}
	defer closeReader()
	ev, err := r.Get(pos[0])
	if err != nil {
		return fmt.Errorf("showing %s: %w", clean(pos[0]), err)
	}
	if *bodyOnly {
		if a.stdoutIsTerminal {
			// Raw bytes could drive the terminal; they go to pipes and files only.
			fmt.Fprintln(a.stderr, "dexra-tui: showing the body escaped; redirect to a file or pipe for the exact bytes")
			_, err := fmt.Fprintln(a.stdout, sanitize.Text(string(ev.Body)))
			return err
		}
		_, err := a.stdout.Write(ev.Body)
		return err
	}
	return writeShow(a.stdout, ev, *asJSON)
}
