package ui

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
)

// bigHistoryEvents is the size of the benchmark history (issue 3: a million events).
const bigHistoryEvents = 1_000_000

// bigHistoryPath is where the million-event history is kept between benchmark runs
// (building it takes minutes); DEXRA_TUI_BENCH_DB overrides it.
func bigHistoryPath() string {
	if p := os.Getenv("DEXRA_TUI_BENCH_DB"); p != "" {
		return p
	}
	return filepath.Join(os.TempDir(), "dexra-tui-ui-bench", fmt.Sprintf("history-%d-v1.db", bigHistoryEvents))
}

// openBigHistory opens (building it first if needed) a history of n events made
// through the store's public Append, many at once so they share commits. The
// million-event history is kept between runs: a benchmark that writes must use
// copyBigHistory instead.
func openBigHistory(tb testing.TB, n int) *store.Store {
	tb.Helper()
	path := bigHistoryPath()
	if n != bigHistoryEvents {
		path = filepath.Join(tb.TempDir(), "history.db")
	}
	st, err := store.Open(path, store.Options{Retention: -1})
	if err != nil {
		tb.Fatalf("open benchmark history: %v", err)
	}
	stats, err := st.Stats()
	if err != nil {
		tb.Fatal(err)
	}
	if stats.Total > n {
		tb.Fatalf("benchmark history %s holds %d events, not %d: remove it to rebuild", path, stats.Total, n)
	}
	if stats.Total < n {
		start := time.Now()
		if err := appendSynthetic(st, stats.Total, n); err != nil {
			tb.Fatal(err)
		}
		tb.Logf("built a %d-event history at %s in %v", n, path, time.Since(start).Round(time.Second))
	}
	return st
}

// appendSynthetic appends events from..n-1: a mix of sources, verdicts and sizes.
func appendSynthetic(st *store.Store, from, n int) error {
	const workers = 1000
	jobs := make(chan *payloads.Event, workers)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ev := range jobs {
				if err := st.Append(ev); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := from; i < n; i++ {
		jobs <- syntheticEvent(i, base.Add(time.Duration(i)*100*time.Millisecond))
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

func syntheticEvent(i int, at time.Time) *payloads.Event {
	status := []sig.Status{sig.Pass, sig.Pass, sig.Pass, sig.Fail, sig.Missing, sig.Unchecked}[i%6]
	types := []string{"delivery", "message"}
	body := []byte(fmt.Sprintf(`{"data":{"account_id":"4ca07d94-7b4d-4434-97aa-9ec34772f111","message_id":"4ca07d94-7b4d-4434-97aa-%012d","event":"%s","status":"delivered","timestamp":"2022-03-01 13:00:00"}}`, i, types[i%2]))
	return &payloads.Event{
		ID: fmt.Sprintf("BENCH%012d", i), Received: at, Direction: payloads.Inbound, Method: "POST", Path: "/dexatel",
		Host: "127.0.0.1:4242", Headers: http.Header{"Content-Type": {"application/json"}, "X-Dexatel-Signature": {"00"}},
		Body: body, Size: len(body), BodyKind: payloads.BodyJSON, Source: "dexatel", Type: types[i%2],
		Signature: sig.Verdict{Scheme: "dexatel", Status: status, SecretIndex: -1}, Status: 200,
		DedupKey: fmt.Sprintf("dexatel:%d", i-i%50), // every 50 share a key: redeliveries
		Summary:  "delivered sms",
	}
}

// copyBigHistory opens a private copy of the million-event history, for benchmarks
// that add events to it.
func copyBigHistory(tb testing.TB) *store.Store {
	tb.Helper()
	openBigHistory(tb, bigHistoryEvents).Close()
	dst := filepath.Join(tb.TempDir(), "history.db")
	if err := copyFile(bigHistoryPath(), dst); err != nil {
		tb.Fatalf("copy the benchmark history: %v", err)
	}
	// Write the copy back now, not while latencies are measured: the copy's writeback
	// would slow every fsync and page fault of the run.
	if err := syncFile(dst); err != nil {
		tb.Fatalf("write the benchmark history's copy back: %v", err)
	}
	st, err := store.Open(dst, store.Options{Retention: -1})
	if err != nil {
		tb.Fatal(err)
	}
	return st
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// syncFile writes path's data back to the disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
