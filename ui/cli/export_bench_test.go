//go:build !race

// The race detector slows this code several times over: its numbers are measured without it.

package cli

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/internal/cputime"
	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
)

// benchHistory is a history of n signed Dexatel deliveries (as the listener stores
// them), built once per test binary run in dir.
func benchHistory(tb testing.TB, dir string, n int) (home, db string) {
	tb.Helper()
	home = dir
	db = filepath.Join(home, ".local", "share", "dexra-tui", "history.db")
	st, err := store.Open(db, store.Options{Retention: -1})
	if err != nil {
		tb.Fatal(err)
	}
	dexatel, _ := sig.Lookup("dexatel")
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	events := make([]*payloads.Event, n)
	for i := range events {
		body := []byte(fmt.Sprintf("{\n    \"data\": {\n        \"account_id\": \"4ca07d94-%08d\",\n        \"message_id\": \"m-%08d\",\n        \"event\": \"delivery\",\n        \"status\": \"delivered\",\n        \"timestamp\": \"2025-03-01 13:00:00\"\n    }\n}", i, i))
		h, _ := dexatel.Sign(sig.SignInput{Secret: "bench-secret", Body: body})
		h.Set("Content-Type", "application/json")
		h.Set("User-Agent", "Dexatel-Webhooks/1.0")
		at := start.Add(time.Duration(i) * time.Millisecond)
		events[i] = &payloads.Event{ID: payloads.NewID(at), Received: at, Direction: payloads.Inbound, Method: http.MethodPost,
			Path: "/dexatel", Host: "127.0.0.1:4242", RemoteAddr: "127.0.0.1:40000", Headers: h, Body: body, Size: len(body),
			BodyKind: payloads.BodyJSON, Source: "dexatel", Type: "delivery", Correlation: fmt.Sprintf("m-%08d", i),
			Signature: sig.Verdict{Scheme: "dexatel", Status: sig.Pass}, Status: 200, Summary: "delivered"}
	}
	for _, err := range st.AppendBatch(events) {
		if err != nil {
			tb.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		tb.Fatal(err)
	}
	return home, db
}

func timeRun(tb testing.TB, home string, out io.Writer, args ...string) time.Duration {
	tb.Helper()
	var errOut strings.Builder
	a := &App{Stdin: strings.NewReader(""), Stdout: out, Stderr: &errOut, Env: testEnv(map[string]string{"HOME": home})}
	start := time.Now()
	if code := a.Run(context.Background(), args); code != 0 {
		tb.Fatalf("%v: exit %d: %s", args, code, errOut.String())
	}
	return time.Since(start)
}

// cpuTime is this process's CPU time (user+system): unlike wall time it does not
// grow when other processes compete for the cores (0 where the platform cannot tell).
func cpuTime() time.Duration {
	d, _ := cputime.Process()
	return d
}

func timeToFile(tb testing.TB, home, file string, args ...string) time.Duration {
	tb.Helper()
	f, err := os.Create(file)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	return timeRun(tb, home, f, args...)
}

// TestExportImport100k measures, over one history of 100,000 events, `events --json
// --limit 0` (the baseline), `export --format jsonl` and `import` of that export into
// a new history: export and import each under 10 s, export within 1.5x of the baseline.
// It takes a while and wants the machine to itself, so it runs when DEXRA_TUI_PERF=1
// (.ci/run: DEXRA_TUI_PERF=1 go test -run TestExportImport100k ./ui/cli, without -race).
func TestExportImport100k(t *testing.T) {
	t.Parallel()
	if os.Getenv("DEXRA_TUI_PERF") == "" {
		t.Skip("set DEXRA_TUI_PERF=1 (without -race) to measure export and import of 100,000 events")
	}
	const n = 100_000
	t0 := time.Now()
	home, _ := benchHistory(t, t.TempDir(), n)
	t.Logf("built a history of %d events in %s", n, time.Since(t0).Round(time.Millisecond))
	file := filepath.Join(t.TempDir(), "export.jsonl")
	var base, export time.Duration
	// Best of three each, interleaved, so a hiccup of the machine hits neither alone.
	for range 3 {
		// Both write to a file, as a user would.
		b := timeToFile(t, home, filepath.Join(t.TempDir(), "events.json"), "events", "--json", "--limit", "0")
		e := timeToFile(t, home, file, "export", "--format", "jsonl")
		if base == 0 || b < base {
			base = b
		}
		if export == 0 || e < export {
			export = e
		}
	}
	info, _ := os.Stat(file)
	db2 := filepath.Join(t.TempDir(), "imported.db")
	var out strings.Builder
	cpu0 := cpuTime()
	imp := timeRun(t, home, &out, "import", file, "--db", db2)
	impCPU := cpuTime() - cpu0
	if !strings.Contains(out.String(), fmt.Sprintf("imported %d of %d", n, n)) {
		t.Fatalf("import: %s", out.String())
	}
	ratio := float64(export) / float64(base)
	t.Logf("events --json --limit 0: %s; export jsonl: %s (%.2fx, %d MB); import: %s (cpu %s)",
		base.Round(time.Millisecond), export.Round(time.Millisecond), ratio, info.Size()>>20, imp.Round(time.Millisecond), impCPU.Round(time.Millisecond))
	if export > 10*time.Second || imp > 10*time.Second {
		t.Errorf("export %s, import %s: each must take under 10 s", export, imp)
	}
	if ratio > 1.5 {
		t.Errorf("export takes %.2fx the baseline, more than 1.5x", ratio)
	}
}

// BenchmarkExportJSONL and BenchmarkEventsJSON are the same walk of a 20,000-event
// history: the export and its baseline (go test -bench 'ExportJSONL|EventsJSON').
func BenchmarkExportJSONL(b *testing.B) { benchCommand(b, "export", "--format", "jsonl") }
func BenchmarkEventsJSON(b *testing.B)  { benchCommand(b, "events", "--json", "--limit", "0") }

func benchCommand(b *testing.B, args ...string) {
	home, _ := benchHistory(b, b.TempDir(), 20_000)
	b.ResetTimer()
	for b.Loop() {
		timeRun(b, home, io.Discard, args...)
	}
}
