package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/fixture"
	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/tunnel"
)

// replayFixtures sends fixture files to the app and checks each answer against the
// fixture's expectation: replay --fixtures, the CI use. No history is opened.
func (a *App) replayFixtures(ctx context.Context, fs *pflag.FlagSet, o replayOptions, pos []string) error {
	switch {
	case o.fixtures == "":
		return usagef("--report needs --fixtures PATH")
	case len(pos) > 0 || fs.Changed("filter") || o.failed:
		return usagef("replay --fixtures takes no event IDs, --filter or --failed")
	case len(o.to) == 0:
		return usagef("replay --fixtures needs --to URL (where your app listens)")
	case o.concurrency < 1:
		return usagef("--concurrency must be 1 or more")
	case o.timeout <= 0:
		return usagef("--timeout must be positive")
	}
	var junitFile string
	if o.report != "" {
		kind, file, ok := strings.Cut(o.report, "=")
		if !ok || kind != "junit" || file == "" {
			return usagef("--report: %q is not junit=FILE", o.report)
		}
		junitFile = file
	}
	mode, err := tunnel.ParseReplayMode(o.mode)
	if err != nil || mode == tunnel.ReplayEdited {
		return usagef("--mode: %q is not captured or resign", o.mode)
	}
	targets, err := tunnel.ParseForwardTargets(o.to)
	if err != nil {
		return usagef("--to: %v", err)
	}
	fixtures, err := fixture.LoadPath(o.fixtures)
	if err != nil {
		return err
	}
	if len(fixtures) == 0 {
		return fmt.Errorf("no fixtures (*.json) under %s", o.fixtures)
	}
	for _, f := range fixtures {
		// Named as within the directory given, as people see them in their repository.
		if rel, err := filepath.Rel(o.fixtures, f.File); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
			f.File = filepath.ToSlash(rel)
		}
	}
	cfg, err := a.loadConfig(o.config)
	if err != nil {
		return err
	}

	results := make([]fixtureResult, len(fixtures))
	byID := map[string]int{}
	start := time.Now()
	// Consecutive fixtures of one mode share a run, so the order of the files is kept.
	for i := 0; i < len(fixtures); {
		m := fixtureMode(fixtures[i], mode)
		j := i
		var items []tunnel.ReplayItem
		for ; j < len(fixtures) && fixtureMode(fixtures[j], mode) == m; j++ {
			ev := fixtures[j].Event()
			ev.ID = fixtures[j].File // unique, and what the summary names
			byID[ev.ID] = j
			results[j] = fixtureResult{fixture: fixtures[j], mode: m}
			items = append(items, tunnel.ReplayItem{Event: ev})
		}
		rp, err := tunnel.NewReplayer(tunnel.ReplayConfig{
			History:     newFixtureHistory(),
			Targets:     targets,
			Mode:        m,
			Secret:      o.secret,
			Secrets:     tunnel.ListenerSecrets(cfg.Secrets, cfg.routes()),
			Tolerance:   cfg.Tolerance,
			Concurrency: o.concurrency,
			Timeout:     o.timeout,
			Progress: func(p tunnel.ReplayProgress) {
				for _, r := range p.Results {
					k := byID[r.EventID]
					results[k].attempts = append(results[k].attempts, r)
				}
			},
		})
		if err != nil {
			return err
		}
		if _, err := rp.Replay(ctx, items); err != nil {
			return err
		}
		i = j
	}
	elapsed := time.Since(start)

	failed := 0
	for i := range results {
		if !results[i].ok() {
			failed++
		}
		if err := a.printFixtureResult(results[i], o.asJSON); err != nil {
			return err
		}
	}
	if err := a.printFixtureSummary(len(results), failed, elapsed, o.asJSON); err != nil {
		return err
	}
	if junitFile != "" {
		if err := writeFixtureJUnit(junitFile, results, elapsed); err != nil {
			return err
		}
	}
	if failed > 0 {
		return exitError{1}
	}
	return nil
}

// fixtureMode is the mode a fixture is sent in: the flag's, else its resign flag's.
func fixtureMode(f *fixture.Fixture, flag tunnel.ReplayMode) tunnel.ReplayMode {
	if flag != tunnel.ReplayAuto {
		return flag
	}
	if f.Signature.Resign {
		return tunnel.ReplayResign
	}
	return tunnel.ReplayCaptured
}

// fixtureResult is one fixture and its replays (one per target it was routed to).
type fixtureResult struct {
	fixture  *fixture.Fixture
	mode     tunnel.ReplayMode
	attempts []tunnel.ReplayResult
}

// ok: every replay was sent and answered as the fixture expects.
func (r fixtureResult) ok() bool {
	if len(r.attempts) == 0 {
		return false
	}
	for _, a := range r.attempts {
		if a.Err != nil || a.Attempt.Error != "" || !r.fixture.ExpectOK(a.Attempt.Status) {
			return false
		}
	}
	return true
}

func (r fixtureResult) expected() string {
	if e := r.fixture.Expect; e != nil && e.Status != 0 {
		return fmt.Sprint(e.Status)
	}
	return "2xx"
}

// problem says why r failed, "" when it did not.
func (r fixtureResult) problem() string {
	if len(r.attempts) == 0 {
		return "not sent"
	}
	var out []string
	for _, a := range r.attempts {
		switch {
		case a.Err != nil:
			out = append(out, a.Err.Error())
		case a.Attempt.Error != "":
			out = append(out, a.Attempt.Target+": "+a.Attempt.Error)
		case !r.fixture.ExpectOK(a.Attempt.Status):
			out = append(out, fmt.Sprintf("%s answered %d, expected %s", a.Attempt.Target, a.Attempt.Status, r.expected()))
		}
		if a.Attempt.Warning != "" && len(out) > 0 {
			out[len(out)-1] += " (" + a.Attempt.Warning + ")"
		}
	}
	return strings.Join(out, "; ")
}

func (r fixtureResult) latency() time.Duration {
	var d time.Duration
	for _, a := range r.attempts {
		d += a.Attempt.Latency
	}
	return d
}

type fixtureLine struct {
	Fixture   string  `json:"fixture"`
	Mode      string  `json:"mode"`
	Status    []int   `json:"status"`
	Expected  string  `json:"expected"`
	OK        bool    `json:"ok"`
	Problem   string  `json:"problem,omitempty"`
	LatencyMS float64 `json:"latency_ms"`
}

func (a *App) printFixtureResult(r fixtureResult, asJSON bool) error {
	line := fixtureLine{Fixture: r.fixture.File, Mode: string(r.mode), Expected: r.expected(), OK: r.ok(),
		Problem: r.problem(), LatencyMS: float64(r.latency().Microseconds()) / 1000, Status: []int{}}
	for _, at := range r.attempts {
		line.Status = append(line.Status, at.Attempt.Status)
	}
	if asJSON {
		return writeJSON(a.Stdout, line, false)
	}
	verdict := "ok  "
	if !line.OK {
		verdict = "FAIL"
	}
	status := "---"
	if len(line.Status) > 0 && line.Status[0] != 0 {
		status = fmt.Sprint(line.Status[0])
	}
	text := fmt.Sprintf("%s %s %s (%s, expected %s) %s", verdict, status, line.Fixture, line.Mode, line.Expected, r.latency().Round(time.Millisecond))
	if line.Problem != "" {
		text += ": " + line.Problem
	}
	_, err := fmt.Fprintln(a.Stdout, clean(text))
	return err
}

func (a *App) printFixtureSummary(total, failed int, elapsed time.Duration, asJSON bool) error {
	if asJSON {
		var l struct {
			Summary struct {
				Fixtures  int     `json:"fixtures"`
				OK        int     `json:"ok"`
				Failed    int     `json:"failed"`
				ElapsedMS float64 `json:"elapsed_ms"`
			} `json:"summary"`
		}
		l.Summary.Fixtures, l.Summary.OK, l.Summary.Failed = total, total-failed, failed
		l.Summary.ElapsedMS = float64(elapsed.Microseconds()) / 1000
		return writeJSON(a.Stdout, l, false)
	}
	_, err := fmt.Fprintf(a.Stdout, "%d fixture(s): %d ok, %d failed in %s\n", total, total-failed, failed, elapsed.Round(time.Millisecond))
	return err
}

func writeFixtureJUnit(file string, results []fixtureResult, elapsed time.Duration) error {
	suite := junitSuite{Name: "dexra-tui replay --fixtures", Tests: len(results),
		Time: seconds(elapsed), Timestamp: time.Now().UTC().Format("2006-01-02T15:04:05")}
	for _, r := range results {
		src, typ := r.fixture.Source, r.fixture.Type
		c := junitCase{Name: r.fixture.File, Classname: "fixtures." + orDash(src) + "." + orDash(typ), Time: seconds(r.latency())}
		if !r.ok() {
			p := &junitProblem{Message: xmlSafe(r.problem()), Type: "status", Text: xmlSafe(r.problem())}
			if sentNothing(r) {
				p.Type = "not sent"
				c.Error = p
				suite.Errors++
			} else {
				c.Failure = p
				suite.Failures++
			}
		}
		suite.Cases = append(suite.Cases, c)
	}
	return writeJUnitFile(file, suite)
}

func sentNothing(r fixtureResult) bool {
	for _, a := range r.attempts {
		if a.Err == nil && a.Attempt.Status != 0 {
			return false
		}
	}
	return true
}

// xmlSafe drops the characters XML 1.0 cannot hold (an app's error text may have them).
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r != 0xfffe && r != 0xffff {
			return r
		}
		return -1
	}, s)
}

// fixtureHistory is the replayer's history for fixtures: nothing stored, attempts
// kept in memory (the results are printed, not recorded).
type fixtureHistory struct {
	mu       sync.Mutex
	attempts map[string][]payloads.Attempt
}

func newFixtureHistory() *fixtureHistory {
	return &fixtureHistory{attempts: map[string][]payloads.Attempt{}}
}

func (h *fixtureHistory) List(store.ListOptions) (store.Page, error) { return store.Page{}, nil }
func (h *fixtureHistory) Get(id string) (*payloads.Event, error) {
	return nil, fmt.Errorf("fixture %s: %w", id, store.ErrNotFound)
}
func (h *fixtureHistory) Stats() (store.Stats, error)           { return store.Stats{}, nil }
func (h *fixtureHistory) Dedup(string) (store.DedupInfo, error) { return store.DedupInfo{}, nil }
func (h *fixtureHistory) AddAttempt(id string, a payloads.Attempt) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.attempts[id] = append(h.attempts[id], a)
	return nil
}

var _ tunnel.History = (*fixtureHistory)(nil)
