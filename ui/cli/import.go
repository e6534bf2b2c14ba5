package cli

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/store/exchange"
)

func (a *App) importCommand() *cobra.Command {
	var rf readFlags
	var format string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "import PATH",
		Short: "Read a jsonl export, fixtures or a HAR file into the history",
		Long: `Read events into the history, keeping their IDs; an ID already stored is skipped and
reported. The whole input is checked first: an invalid file or entry is named and nothing is
imported. HAR files of other tools (browser devtools, webhook.site) are taken as far as they carry a
request; their signatures are checked with the configured secrets. Imported events carry the
header X-Dexra-Tui-Imported-From naming the file. The history must not be held by a running
listener or console.`,
		Example: `  dexra-tui import history.jsonl
  dexra-tui import testdata/webhooks            # a fixtures directory
  dexra-tui import capture.har --format har`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("import needs one PATH: a jsonl file, a fixture file or directory, or a HAR file")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.importEvents(rf, args[0], format, asJSON)
		},
	}
	rf.register(cmd.Flags())
	cmd.Flags().StringVar(&format, "format", "auto", "auto, jsonl, fixtures or har")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the summary as JSON")
	a.completeReadFlags(cmd, &rf)
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(formatNames(exchange.ImportFormats), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// importSummary is what an import did.
type importSummary struct {
	File     string   `json:"file"`
	Format   string   `json:"format"`
	Read     int      `json:"read"`
	Imported int      `json:"imported"`
	Skipped  []string `json:"skipped_ids,omitempty"` // already in the history
}

func (a *App) importEvents(rf readFlags, path, formatFlag string, asJSON bool) error {
	format, err := exchange.ParseFormat(formatFlag, exchange.ImportFormats)
	if err != nil {
		return usagef("--format: %v", err)
	}
	cfg, err := a.loadConfig(rf.config)
	if err != nil {
		return err
	}
	// The whole input is held until it is stored: collecting garbage less often while
	// it is decoded and stored saves a quarter of the time, for memory the machine has.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	events, format, err := readImport(path, format, cfg)
	if err != nil {
		return err
	}
	exchange.MarkImported(events, path)

	db, err := a.historyPath(rf)
	if err != nil {
		return err
	}
	st, err := store.Open(db, store.Options{Timeout: time.Second, Retention: cfg.Retention})
	if err != nil {
		if errors.Is(err, store.ErrLocked) {
			return fmt.Errorf("%w; import writes the history itself: stop that process, import, then start it again", err)
		}
		return err
	}
	sum := importSummary{File: path, Format: string(format), Read: len(events)}
	errs := st.AppendBatch(events)
	var failed []error
	for i, err := range errs {
		switch {
		case err == nil:
			sum.Imported++
		case errors.Is(err, store.ErrDuplicateID):
			sum.Skipped = append(sum.Skipped, events[i].ID)
		default:
			failed = append(failed, err)
		}
	}
	if err := st.Close(); err != nil {
		failed = append(failed, err)
	}
	if asJSON {
		if err := writeJSON(a.Stdout, sum, false); err != nil {
			return err
		}
	} else {
		line := fmt.Sprintf("imported %d of %d event(s) from %s (%s)", sum.Imported, sum.Read, path, format)
		if len(sum.Skipped) > 0 {
			line += fmt.Sprintf("; %d already in the history, skipped: %s", len(sum.Skipped), listSome(sum.Skipped, 10))
		}
		fmt.Fprintln(a.Stdout, clean(line))
	}
	if len(failed) > 0 {
		return fmt.Errorf("importing %s: %d event(s) not stored: %w", path, len(failed), errors.Join(failed...))
	}
	return nil
}

// readImport reads and checks the whole input before anything is stored.
func readImport(path string, format exchange.Format, cfg Config) ([]*payloads.Event, exchange.Format, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, format, fmt.Errorf("import: %w", err)
	}
	var data []byte
	if !info.IsDir() {
		if data, err = os.ReadFile(path); err != nil {
			return nil, format, fmt.Errorf("import: %w", err)
		}
	}
	if format == exchange.Auto {
		if format, err = exchange.Detect(path, data); err != nil {
			return nil, format, err
		}
	}
	derive := func(ev *payloads.Event) {
		scheme, _ := cfg.signingFor(ev.Path)
		if scheme == "" {
			scheme = cfg.Scheme
		}
		payloads.Analyze(ev, payloads.VerifyConfig{Scheme: scheme, Secrets: cfg.secretsFor(ev.Path), Tolerance: cfg.Tolerance})
	}
	var events []*payloads.Event
	switch format {
	case exchange.JSONL:
		events, err = exchange.ReadJSONL(data, path)
	case exchange.HAR:
		events, err = exchange.ReadHAR(data, path, derive)
	case exchange.Fixtures:
		events, err = exchange.ReadFixtures(path, derive)
	default:
		err = usagef("--format %s cannot be imported (auto, jsonl, fixtures or har)", format)
	}
	if err != nil {
		return nil, format, fmt.Errorf("import: nothing imported: %w", err)
	}
	return events, format, nil
}

func listSome(ids []string, n int) string {
	if len(ids) <= n {
		return strings.Join(ids, ", ")
	}
	return strings.Join(ids[:n], ", ") + fmt.Sprintf(", … (%d more)", len(ids)-n)
}
