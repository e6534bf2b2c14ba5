package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/tunnel"
)

func (a *App) replayCommand() *cobra.Command {
	var o replayOptions
	cmd := &cobra.Command{
		Use:   "replay ID... | --filter Q | --failed | --fixtures PATH",
		Short: "Send stored events to your app again; exit 1 if any answer is not 2xx",
		Long: `Send stored events again and record each attempt on the event. IDs may be any unique
prefix of at least 6 characters. captured mode sends the same bytes and headers with the
signature as received; resign signs the same bytes now with the configured secret.

--fixtures PATH sends fixture files (a file or a directory, as export --format fixtures writes
them) instead of stored events, without a history: the CI use. Each fixture's expected status
(its "expect" block, default any 2xx) is checked; any other answer exits 1 with a per-fixture
summary, and --report junit=FILE writes a JUnit XML report. Without --mode each fixture is
re-signed when its "resign" flag says so, else sent as captured.`,
		Example: `  dexra-tui replay 01JD3Q5W9Z8X --to http://localhost:3000/webhooks
  dexra-tui replay --filter 'type:delivery sig:pass' --to http://localhost:3000/webhooks --concurrency 16
  dexra-tui replay --failed
  dexra-tui replay --fixtures testdata/webhooks --to 'http://localhost:3000/*' --secret "$WEBHOOK_SECRET" --report junit=report.xml`,
		ValidArgsFunction: a.completeEventIDs(&o.readFlags, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.replay(cmd.Context(), cmd.Flags(), o, args)
		},
	}
	fs := cmd.Flags()
	o.readFlags.register(fs)
	fs.StringVar(&o.query, "filter", "", "replay every event the filter matches, oldest first (same language as events --filter)")
	fs.BoolVar(&o.failed, "failed", false, "replay the events whose forward failed, oldest first, each to the URL it failed on")
	fs.StringVar(&o.fixtures, "fixtures", "", "replay the fixture file or directory PATH instead of stored events (no history needed)")
	fs.StringArrayVar(&o.to, "to", nil, "where to send: URL, or /prefix=URL to route by path (repeat); the event's path is appended")
	fs.StringVar(&o.mode, "mode", "", "captured or resign (default: resign for timestamped schemes when a secret is known, else captured)")
	fs.StringVar(&o.secret, "secret", "", "secret to re-sign with (default: the configured one for the event's path)")
	fs.IntVar(&o.concurrency, "concurrency", 1, "replays in flight at once; 1 keeps strict order")
	fs.DurationVar(&o.timeout, "timeout", tunnel.DefaultDeliveryTimeout, "how long to wait for each answer")
	fs.BoolVar(&o.asJSON, "json", false, "one JSON object per attempt, then a summary object")
	fs.StringVar(&o.report, "report", "", "with --fixtures: write a report, junit=FILE")
	a.completeReadFlags(cmd, &o.readFlags)
	_ = cmd.RegisterFlagCompletionFunc("mode", cobra.FixedCompletions([]string{"captured", "resign"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

type replayOptions struct {
	readFlags
	query, mode, secret string
	fixtures, report    string
	failed, asJSON      bool
	to                  []string
	concurrency         int
	timeout             time.Duration
}

// replay sends stored events again to the developer's app and records each attempt.
func (a *App) replay(ctx context.Context, fs *pflag.FlagSet, o replayOptions, pos []string) error {
	if o.fixtures != "" || fs.Changed("fixtures") || o.report != "" {
		return a.replayFixtures(ctx, fs, o, pos)
	}
	rf, query, failed, to, modeFlag, secret, concurrency, timeout, asJSON := o.readFlags, &o.query, &o.failed, o.to, &o.mode, &o.secret, &o.concurrency, &o.timeout, &o.asJSON
	set := map[string]bool{"filter": fs.Changed("filter")}
	selections := 0
	for _, given := range []bool{len(pos) > 0, set["filter"], *failed} {
		if given {
			selections++
		}
	}
	if selections != 1 {
		return usagef("replay needs exactly one of: event IDs, --filter Q, or --failed")
	}
	mode, err := tunnel.ParseReplayMode(*modeFlag)
	if err != nil {
		return usagef("--mode: %v", err)
	}
	if mode == tunnel.ReplayEdited {
		return usagef("--mode edited needs an editor: open the event in the console and press e")
	}
	if *concurrency < 1 {
		return usagef("--concurrency must be 1 or more")
	}
	if *timeout <= 0 {
		return usagef("--timeout must be positive")
	}
	targets, err := tunnel.ParseForwardTargets(to)
	if err != nil {
		return usagef("--to: %v", err)
	}
	if len(targets) == 0 && !*failed {
		return usagef("replay needs --to URL (where your app listens)")
	}
	if set["filter"] {
		if _, err := store.ParseFilter(*query); err != nil {
			return usagef("--filter: %v", err)
		}
	}

	cfg, err := a.loadConfig(rf.config)
	if err != nil {
		return err
	}
	history, closeHistory, err := a.openHistory(rf)
	if err != nil {
		return err
	}
	defer closeHistory()

	ids, err := resolveIDs(history, pos)
	if err != nil {
		return err
	}
	var items []tunnel.ReplayItem
	asked := false
	if c, ok := history.(*tunnel.ControlClient); ok && *failed {
		// A listener holds the history: its forwarder retries what it still holds, in
		// order, and only what it gave up on is replayed here, so nothing goes twice.
		if retried, givenUp, rerr := c.RetryForwards(); rerr == nil {
			if retried {
				fmt.Fprintln(a.Stderr, "dexra-tui: the listener's forwarder retries its waiting events now, in order")
			}
			if len(targets) > 0 {
				givenUp = distinctIDs(givenUp)
			}
			items, asked = givenUp, true
		}
	}
	if !asked {
		items, err = replayItems(history, ids, *query, *failed, len(targets) > 0)
	}
	if err != nil {
		return err
	}
	if len(items) == 0 {
		fmt.Fprintln(a.Stderr, "dexra-tui: nothing to replay")
		return nil
	}
	out := &replayPrinter{w: a.Stdout, json: *asJSON}
	progress := a.progressLine(len(items))
	rp, err := tunnel.NewReplayer(tunnel.ReplayConfig{
		History:     history,
		Targets:     targets,
		Mode:        mode,
		Secret:      *secret,
		Secrets:     tunnel.ListenerSecrets(cfg.Secrets, cfg.routes()),
		Tolerance:   cfg.Tolerance,
		Concurrency: *concurrency,
		Timeout:     *timeout,
		Progress: func(p tunnel.ReplayProgress) {
			for _, r := range p.Results {
				out.result(r)
			}
			progress(p)
		},
	})
	if err != nil {
		return err
	}
	sum, runErr := rp.Replay(ctx, items)
	progress(tunnel.ReplayProgress{Done: -1})
	if err := out.summary(sum); err != nil {
		return errors.Join(runErr, err)
	}
	if runErr != nil {
		return runErr
	}
	if sum.Failed > 0 {
		return exitError{1}
	}
	return nil
}

// replayItems turns the selection into what to replay: the IDs as given, the filter's
// matches, or the forward-failed events (to the URL each failed on, unless --to).
func replayItems(h store.Reader, ids []string, query string, failed, haveTargets bool) ([]tunnel.ReplayItem, error) {
	switch {
	case failed:
		items, err := tunnel.FailedItems(h, query)
		if err != nil {
			return nil, err
		}
		if haveTargets {
			items = distinctIDs(items) // each goes where --to routes it, once
		}
		return items, nil
	case len(ids) > 0:
		items := make([]tunnel.ReplayItem, len(ids))
		for i, id := range ids {
			items[i] = tunnel.ReplayItem{ID: id}
		}
		return items, nil
	}
	ids, err := tunnel.MatchingIDs(h, query)
	if err != nil {
		return nil, err
	}
	return replayItems(h, ids, "", false, haveTargets)
}

func distinctIDs(items []tunnel.ReplayItem) []tunnel.ReplayItem {
	seen := map[string]bool{}
	var out []tunnel.ReplayItem
	for _, it := range items {
		if !seen[it.ID] {
			seen[it.ID] = true
			out = append(out, tunnel.ReplayItem{ID: it.ID})
		}
	}
	return out
}

// replayPrinter writes one line per attempt and the summary, as text or JSON.
type replayPrinter struct {
	w    io.Writer
	json bool
	err  error
}

type replayLine struct {
	ID        string  `json:"id"`
	Target    string  `json:"target"`
	Mode      string  `json:"mode"`
	Status    int     `json:"status"`
	LatencyMS float64 `json:"latency_ms"`
	OK        bool    `json:"ok"`
	Error     string  `json:"error,omitempty"`
	Warning   string  `json:"warning,omitempty"`
}

type summaryLine struct {
	Summary struct {
		Events    int     `json:"events"`
		Sent      int     `json:"sent"`
		OK        int     `json:"ok"`
		Failed    int     `json:"failed"`
		Stale     int     `json:"stale"`
		ElapsedMS float64 `json:"elapsed_ms"`
		PerSecond float64 `json:"per_second"`
	} `json:"summary"`
}

func (p *replayPrinter) result(r tunnel.ReplayResult) {
	if p.err != nil {
		return
	}
	errText := r.Attempt.Error
	if r.Err != nil {
		errText = r.Err.Error()
	}
	line := replayLine{ID: r.EventID, Target: r.Attempt.Target, Mode: string(r.Mode), Status: r.Attempt.Status,
		LatencyMS: float64(r.Attempt.Latency.Microseconds()) / 1000, OK: r.OK(), Error: errText, Warning: r.Attempt.Warning}
	if p.json {
		p.err = writeJSON(p.w, line, false)
		return
	}
	status := fmt.Sprint(line.Status)
	if line.Status == 0 {
		status = "---"
	}
	text := fmt.Sprintf("%s %s %s → %s %s", status, line.ID, orDash(line.Mode), orDash(line.Target), r.Attempt.Latency.Round(time.Millisecond))
	if line.Error != "" {
		text += " error: " + line.Error
	}
	if line.Warning != "" {
		text += " warning: " + line.Warning
	}
	_, p.err = fmt.Fprintln(p.w, clean(text))
}

func (p *replayPrinter) summary(s tunnel.ReplaySummary) error {
	if p.err != nil {
		return fmt.Errorf("printing the results: %w", p.err)
	}
	if p.json {
		var l summaryLine
		l.Summary.Events, l.Summary.Sent, l.Summary.OK, l.Summary.Failed, l.Summary.Stale = s.Events, s.Sent, s.OK, s.Failed, s.Stale
		l.Summary.ElapsedMS = float64(s.Elapsed.Microseconds()) / 1000
		l.Summary.PerSecond = s.Rate()
		return writeJSON(p.w, l, false)
	}
	text := fmt.Sprintf("replayed %d event(s): %d ok, %d failed", s.Events, s.OK, s.Failed)
	if s.Stale > 0 {
		text += fmt.Sprintf(", %d stale (captured signatures too old: try --mode resign)", s.Stale)
	}
	text += fmt.Sprintf(" in %s (%.0f/s)", s.Elapsed.Round(time.Millisecond), s.Rate())
	_, err := fmt.Fprintln(p.w, text)
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// progressLine returns a reporter that redraws one line on stderr when it is a
// terminal (at most every 100 ms), and does nothing otherwise. Done < 0 ends the line.
func (a *App) progressLine(total int) func(tunnel.ReplayProgress) {
	f, ok := a.Stderr.(*os.File)
	if !ok || !isTerminal(f) {
		return func(tunnel.ReplayProgress) {}
	}
	var mu sync.Mutex
	var last time.Time
	okCount, failed, drawn := 0, 0, false
	return func(p tunnel.ReplayProgress) {
		mu.Lock()
		defer mu.Unlock()
		if p.Done < 0 {
			if drawn {
				fmt.Fprint(f, "\r\x1b[K")
			}
			return
		}
		for _, r := range p.Results {
			if r.OK() {
				okCount++
			} else {
				failed++
			}
		}
		if p.Done < total && time.Since(last) < 100*time.Millisecond {
			return
		}
		last, drawn = time.Now(), true
		fmt.Fprintf(f, "\r\x1b[Kreplaying %d/%d · %d ok · %d failed", p.Done, total, okCount, failed)
	}
}
