//go:build !race

package cli

import (
	"os"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/store/storetest"
)

// history1M is the cached history of 1,000,000 realistic events; the measurements
// over it run only when DEXRA_TUI_PERF=1 (building it takes a minute or two).
func history1M(tb testing.TB) string {
	tb.Helper()
	if os.Getenv("DEXRA_TUI_PERF") != "1" {
		tb.Skip("set DEXRA_TUI_PERF=1 (without -race) to measure events over 1,000,000 events")
	}
	return storetest.History(tb, 1_000_000)
}

// eventsToDevNull runs the real command in-process, its output to /dev/null.
func eventsToDevNull(tb testing.TB, args ...string) time.Duration {
	tb.Helper()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	defer null.Close()
	return timeRun(tb, tb.TempDir(), null, args...)
}

// baselineEventsJSON is the output path of `events --limit 0 --json` before (main
// 2fa7674) over today's List: each event encoded by encoding/json and written on its
// own. (The whole command before, the binary built at 2fa7674, is compared in the
// report of issue 14.)
func baselineEventsJSON(tb testing.TB, db string) time.Duration {
	tb.Helper()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	defer null.Close()
	start := time.Now()
	s, err := store.Open(db, store.Options{ReadOnly: true})
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	for cursor := uint64(0); ; {
		page, err := s.List(store.ListOptions{Cursor: cursor, Limit: pageSize})
		if err != nil {
			tb.Fatal(err)
		}
		for _, ev := range page.Events {
			if err := writeJSON(null, toLine(ev), false); err != nil {
				tb.Fatal(err)
			}
		}
		if page.Next == 0 {
			return time.Since(start)
		}
		cursor = page.Next
	}
}

// TestEventsJSON1M: `dexra-tui events --limit 0 --json` of 1,000,000 events to
// /dev/null in under 4 s (the bar), run in-process as the binary runs it,
// best of three, beside the previous output path in alternating rounds.
//
//	DEXRA_TUI_PERF=1 go test ./ui/cli -run TestEventsJSON1M -v
func TestEventsJSON1M(t *testing.T) {
	db := history1M(t)
	best, baseline, cpu := time.Hour, time.Hour, time.Hour
	for range 3 {
		baseline = min(baseline, baselineEventsJSON(t, db))
		cpu0 := cpuTime()
		best = min(best, eventsToDevNull(t, "events", "--db", db, "--limit", "0", "--json"))
		cpu = min(cpu, cpuTime()-cpu0)
	}
	t.Logf("events --limit 0 --json of 1,000,000 events: %v (cpu %v; bar 4s); the previous path: %v (%.1fx)",
		best.Round(time.Millisecond), cpu.Round(time.Millisecond), baseline.Round(time.Millisecond), baseline.Seconds()/best.Seconds())
	if best >= 4*time.Second {
		t.Errorf("events --limit 0 --json of 1,000,000 events took %v, want under 4s", best)
	}
}

// TestEventsFilterNothing1M: `events --filter zqxjkv --limit 0` (a bare word no event
// holds) over 1,000,000 events in under 1 s, best of three.
func TestEventsFilterNothing1M(t *testing.T) {
	db := history1M(t)
	best, cpu := time.Hour, time.Hour
	for range 3 {
		cpu0 := cpuTime()
		best = min(best, eventsToDevNull(t, "events", "--db", db, "--filter", "zqxjkv", "--limit", "0"))
		cpu = min(cpu, cpuTime()-cpu0)
	}
	t.Logf("events --filter zqxjkv --limit 0 over 1,000,000 events: %v (cpu %v, both cores; bar 1s)", best.Round(time.Millisecond), cpu.Round(time.Millisecond))
	if best >= time.Second {
		t.Errorf("events --filter zqxjkv --limit 0 took %v, want under 1s", best)
	}
}
