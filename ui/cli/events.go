package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/ui/present"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// readFlags locate the history for the read commands.
type readFlags struct{ db, config string }

func (r *readFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&r.db, "db", "", "history file (default $DEXRA_TUI_DB, the config's db, or $XDG_DATA_HOME/dexra-tui/history.db)")
	fs.StringVar(&r.config, "config", "", "config file (default $XDG_CONFIG_HOME/dexra-tui/config.toml)")
}

// historyPath is the history the flags, environment and config name.
func (a *App) historyPath(r readFlags) (string, error) {
	cfg, err := a.loadConfig(r.config)
	if err != nil {
		return "", err
	}
	if r.db != "" {
		return r.db, nil
	}
	if cfg.DB == "" {
		return "", errNoHome
	}
	return cfg.DB, nil
}

// history is what the read commands use: the store itself, or the control socket of
// the process that holds it.
type history interface {
	tunnel.History
	store.IDFinder
}

// openHistory opens the history to record on it (replay's attempts) directly, or
// reaches it through the control socket of the process that holds it.
func (a *App) openHistory(r readFlags) (history, func() error, error) {
	return a.openHistoryWith(r, false)
}

// readHistory is openHistory for commands that only read: they write neither the
// history nor its log (store.Options.ReadOnly).
func (a *App) readHistory(r readFlags) (history, func() error, error) {
	return a.openHistoryWith(r, true)
}

func (a *App) openHistoryWith(r readFlags, readOnly bool) (history, func() error, error) {
	db, err := a.historyPath(r)
	if err != nil {
		return nil, nil, err
	}
	sock := tunnel.ControlSocketPath(db)
	if client, err := tunnel.DialControl(sock); err == nil {
		return client, client.Close, nil
	}
	if _, err := os.Stat(db); errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("no history at %s yet: start dexra-tui listen (or the console) first, or pass --db", db)
	}
	st, err := store.Open(db, store.Options{Timeout: time.Second, ReadOnly: readOnly, Warn: a.warn})
	if err != nil {
		if errors.Is(err, store.ErrLocked) {
			return nil, nil, fmt.Errorf("%w; its control socket %s does not answer", err, sock)
		}
		return nil, nil, err
	}
	return st, st.Close, nil
}

const pageSize = 1000

func (a *App) eventsCommand() *cobra.Command {
	var rf readFlags
	var query string
	var limit int
	var oldest, asJSON bool
	cmd := &cobra.Command{
		Use:   "events",
		Short: "List stored events, newest first",
		Example: `  dexra-tui events
  dexra-tui events --filter 'sig:fail type:delivery' --limit 0 --json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.events(rf, query, limit, oldest, asJSON)
		},
	}
	rf.register(cmd.Flags())
	cmd.Flags().StringVar(&query, "filter", "", "filter query, e.g. 'sig:fail type:delivery' (keys: "+strings.Join(store.FilterKeys, ", ")+"; -term negates)")
	cmd.Flags().IntVar(&limit, "limit", 50, "how many events; 0 means all")
	cmd.Flags().BoolVar(&oldest, "oldest-first", false, "oldest first")
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object per line")
	a.completeReadFlags(cmd, &rf)
	return cmd
}

func (a *App) events(rf readFlags, query string, limit int, oldest, asJSON bool) error {
	if limit < 0 {
		return usagef("--limit must be 0 (all) or more")
	}
	if _, err := store.ParseFilter(query); err != nil {
		return usagef("--filter: %v", err)
	}
	r, closeReader, err := a.readHistory(rf)
	if err != nil {
		return err
	}
	defer closeReader()
	// A whole history is a million lines: written in blocks, not a write each.
	out := bufio.NewWriterSize(a.Stdout, 64<<10)
	if os.Getenv("GOGC") == "" {
		// The listing's live heap is a page of events and it allocates a page per
		// page: collecting at 5x live, not 2x, takes a third off its CPU (measured
		// over 1M events) for a few MB.
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	err = listEvents(r, out, query, limit, oldest, asJSON)
	if flushErr := out.Flush(); err == nil {
		err = flushErr
	}
	return err
}

// listEvents writes the events of the history that match query to out, a page at a time.
func listEvents(r store.Reader, out io.Writer, query string, limit int, oldest, asJSON bool) error {
	left := limit
	cursor := uint64(0)
	var line []byte
	for {
		n := pageSize
		if limit > 0 && left < n {
			n = left
		}
		page, err := r.List(store.ListOptions{Query: query, Cursor: cursor, Limit: n, OldestFirst: oldest, Brief: true})
		if err != nil {
			return fmt.Errorf("listing events: %w", err)
		}
		for _, ev := range page.Events {
			if asJSON {
				line = appendEventJSON(line[:0], ev)
			} else {
				line = append(append(line[:0], humanLine(ev)...), '\n')
			}
			if _, err := out.Write(line); err != nil {
				return err
			}
		}
		left -= len(page.Events)
		if page.Next == 0 || (limit > 0 && left <= 0) {
			return nil
		}
		cursor = page.Next
	}
}

func (a *App) showCommand() *cobra.Command {
	var rf readFlags
	var asJSON, bodyOnly bool
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Print one event whole: request, verdict and reason, headers, body",
		Long:  "Print one event whole. ID may be any unique prefix of at least 6 characters.",
		Example: `  dexra-tui show 01JD3Q5W9Z8X7Y6V5T4S3R2Q1P
  dexra-tui show 01JD3Q --json
  dexra-tui show 01JD3Q --body > body.json   # the raw bytes exactly`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("show needs one event ID (see dexra-tui events)")
			}
			return nil
		},
		ValidArgsFunction: a.completeEventIDs(&rf, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.show(rf, args[0], asJSON, bodyOnly)
		},
	}
	rf.register(cmd.Flags())
	cmd.Flags().BoolVar(&asJSON, "json", false, "the whole event as JSON")
	cmd.Flags().BoolVar(&bodyOnly, "body", false, "write the raw body bytes exactly")
	a.completeReadFlags(cmd, &rf)
	return cmd
}

func (a *App) show(rf readFlags, arg string, asJSON, bodyOnly bool) error {
	r, closeReader, err := a.readHistory(rf)
	if err != nil {
		return err
	}
	defer closeReader()
	id, err := resolveID(r, arg)
	if err != nil {
		return err
	}
	ev, err := r.Get(id)
	if err != nil {
		return fmt.Errorf("showing %s: %w", clean(id), err)
	}
	if bodyOnly {
		if a.StdoutIsTerminal {
			// Raw bytes could drive the terminal; they go to pipes and files only.
			fmt.Fprintln(a.Stderr, "dexra-tui: showing the body escaped; redirect to a file or pipe for the exact bytes")
			_, err := fmt.Fprintln(a.Stdout, sanitize.Text(string(ev.Body)))
			return err
		}
		_, err := a.Stdout.Write(ev.Body)
		return err
	}
	if err := writeShow(a.Stdout, ev, asJSON); err != nil {
		return err
	}
	if asJSON || ev.Direction != payloads.Outbound || ev.Correlation == "" {
		return nil
	}
	// A sent message: the status webhooks it caused, as one story.
	tl, err := tunnel.MessageTimeline(r, ev.Correlation)
	if err != nil {
		return fmt.Errorf("reading the timeline of message %s: %w", clean(ev.Correlation), err)
	}
	return writeTimeline(a.Stdout, tl)
}

// writeTimeline prints a sent message's webhooks with times relative to the send.
func writeTimeline(w io.Writer, tl tunnel.Timeline) error {
	var b strings.Builder
	fmt.Fprintf(&b, "timeline of message %s\n", clean(tl.MessageID))
	if len(tl.Entries) == 0 {
		b.WriteString("  no webhook about it yet\n")
	}
	for _, e := range tl.Entries {
		what := e.Status
		if what == "" {
			what = e.Event.Type
		}
		line := fmt.Sprintf("  +%.2fs %s %s %s", e.Offset.Seconds(), what, present.Glyph(e.Event.Signature.Status), e.Event.ID)
		if e.Duplicate {
			line += " (duplicate)"
		}
		if e.OutOfOrder {
			line += " (out of order)"
		}
		b.WriteString(clean(line) + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// warn tells the person, on stderr, what the store did on its own.
func (a *App) warn(msg string) { fmt.Fprintf(a.Stderr, "dexra-tui: %s\n", clean(msg)) }
