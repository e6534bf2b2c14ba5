package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/store/exchange"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

func (a *App) exportCommand() *cobra.Command {
	var o exportOptions
	cmd := &cobra.Command{
		Use:   "export [ID... | --filter Q] --format F [-o PATH]",
		Short: "Write stored events as jsonl, fixtures, HAR, curl, .http or Hurl (secrets redacted)",
		Long: `Write stored events, oldest first, in a format other tools read. Without IDs or --filter,
every event. jsonl is lossless and what import reads back; fixtures is a directory of pretty JSON
files (source/type/<time>-<id>.json) to commit and replay in CI; har opens in browser devtools,
Postman, Insomnia and Bruno; curl is a shell script, http a .http request file (VS Code REST
Client, JetBrains, httpyac), hurl a Hurl file asserting 2xx. Bodies are kept byte for byte.
Authorization, API keys, Telegram's token and the configured webhook secrets are redacted.`,
		Example: `  dexra-tui export --format jsonl -o history.jsonl
  dexra-tui export --filter 'source:dexatel sig:pass' --format fixtures -o testdata/webhooks
  dexra-tui export 01JD3Q --format curl > replay.sh
  dexra-tui export --format hurl --filter type:delivery -o delivery.hurl`,
		ValidArgsFunction: a.completeEventIDs(&o.readFlags, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.export(o, args, cmd.Flags().Changed("filter"))
		},
	}
	fs := cmd.Flags()
	o.readFlags.register(fs)
	fs.StringVar(&o.query, "filter", "", "export every event the filter matches (same language as events --filter)")
	fs.StringVar(&o.format, "format", "jsonl", "jsonl, fixtures, har, curl, http or hurl")
	fs.StringVarP(&o.out, "output", "o", "", "file to write (a directory for fixtures); default standard output")
	fs.StringVar(&o.host, "host", "", "where curl, http and hurl exports send by default (default: the configured listener)")
	a.completeReadFlags(cmd, &o.readFlags)
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(formatNames(exchange.ExportFormats), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

type exportOptions struct {
	readFlags
	query, format, out, host string
}

func formatNames(list []exchange.Format) []string {
	out := make([]string, len(list))
	for i, f := range list {
		out[i] = string(f)
	}
	return out
}

func (a *App) export(o exportOptions, ids []string, filterSet bool) error {
	format, err := exchange.ParseFormat(o.format, exchange.ExportFormats)
	if err != nil {
		return usagef("--format: %v", err)
	}
	if len(ids) > 0 && filterSet {
		return usagef("export takes event IDs or --filter, not both")
	}
	if format.Directory() && o.out == "" {
		return usagef("--format %s writes a directory: pass -o DIR", format)
	}
	if filterSet {
		if _, err := store.ParseFilter(o.query); err != nil {
			return usagef("--filter: %v", err)
		}
	}
	cfg, err := a.loadConfig(o.config)
	if err != nil {
		return err
	}
	host := o.host
	if host == "" {
		host = "http://" + cfg.Addr
	}
	h, closeHistory, err := a.readHistory(o.readFlags)
	if err != nil {
		return err
	}
	defer closeHistory()
	full, err := resolveIDs(h, ids)
	if err != nil {
		return err
	}

	out, finish, err := a.exportTarget(o.out, format)
	if err != nil {
		return err
	}
	w, err := exchange.NewWriter(format, out, o.out, host, a.version())
	if err != nil {
		finish(false)
		return err
	}
	if os.Getenv("GOGC") == "" {
		// As for events: the live heap is two pages of events, garbage is a page per
		// page, and collecting at 5x live instead of 2x saves much of the GC's CPU.
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	n, err := exchange.Export(h, full, o.query, exchange.NewRedactor(configuredSecrets(cfg)...), w, nil)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if ferr := finish(err == nil); err == nil {
		err = ferr
	}
	if err != nil {
		return fmt.Errorf("exporting: %w", err)
	}
	where := o.out
	if where == "" {
		where = "standard output"
	}
	fmt.Fprintf(a.Stderr, "dexra-tui: exported %d event(s) as %s to %s\n", n, format, clean(where))
	if hw, ok := w.(*exchange.HTTPFileWriter); ok && hw.Inexact() > 0 {
		fmt.Fprintf(a.Stderr, "dexra-tui: warning: %d body(ies) cannot be sent byte for byte from an inline .http body; export with -o FILE to get exact body files\n", hw.Inexact())
	}
	return nil
}

// configuredSecrets are every webhook secret the configuration holds, so no export
// carries one.
func configuredSecrets(cfg Config) []string {
	secrets := append([]string(nil), cfg.Secrets...)
	for _, s := range cfg.Sources {
		secrets = append(secrets, s.Secrets...)
	}
	return secrets
}

// exportTarget is where a one-file format goes: a temporary file renamed over -o on
// success (a failed export leaves no half file), or standard output, escaped for a
// terminal. finish(ok) completes it.
func (a *App) exportTarget(path string, format exchange.Format) (io.Writer, func(ok bool) error, error) {
	if format.Directory() {
		return nil, func(bool) error { return nil }, nil
	}
	if path == "" {
		if !a.StdoutIsTerminal {
			return a.Stdout, func(bool) error { return nil }, nil
		}
		// Raw payload bytes could drive the terminal: show them escaped.
		var buf bytes.Buffer
		return &buf, func(ok bool) error {
			if !ok {
				return nil
			}
			fmt.Fprintln(a.Stderr, "dexra-tui: showing the export escaped for the terminal; pass -o FILE or use a pipe for the exact bytes")
			var err error
			if format == exchange.JSONL || format == exchange.HAR {
				_, err = a.Stdout.Write(escapeTerminalRunes(buf.Bytes()))
			} else {
				_, err = io.WriteString(a.Stdout, sanitize.Text(buf.String()))
			}
			return err
		}, nil
	}
	return exchange.CreateFile(path)
}
