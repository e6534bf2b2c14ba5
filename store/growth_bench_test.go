package store

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
)

// listenerSecret signs analyzedDelivery's deliveries.
const listenerSecret = "whsec_growth_bench"

var listenerStatuses = [...]string{"sent", "delivered", "read"}

// analyzedDelivery is delivery report i as the listener stores it: a signed ~900 B
// Dexatel body, unique (so its dedup key is a "sha256:" key no other event has),
// analysed by payloads.Analyze; three reports per message id (the correlation).
func analyzedDelivery(i int) *payloads.Event {
	received := testEpoch.Add(time.Duration(i) * time.Microsecond)
	msg := i / 3
	body := fmt.Sprintf(`{"data":{"account_id":"4ca07d94-7b4d-4434-97aa-9ec34772f111","message_id":"4ca07d94-7b4d-4434-97aa-%012d","event":"delivery","status":%q,"timestamp":%q,"from":"+1555010%04d","to":"+1555019%04d","note":"%%s"}}`,
		msg, listenerStatuses[i%3], received.Format(time.RFC3339Nano), msg%10000, (msg*7)%10000)
	body = fmt.Sprintf(body, strings.Repeat("x", max(900-len(body)+2, 0)))
	m := hmac.New(sha256.New, []byte(listenerSecret))
	io.WriteString(m, body)
	ev := &payloads.Event{
		ID: payloads.NewID(received), Received: received, Direction: payloads.Inbound,
		Method: http.MethodPost, Path: "/dexatel", Host: "127.0.0.1:4242", RemoteAddr: "127.0.0.1:50000",
		Headers: http.Header{
			"Content-Type":        {"application/json"},
			"Content-Length":      {strconv.Itoa(len(body))},
			"User-Agent":          {"Go-http-client/1.1"},
			"Accept-Encoding":     {"gzip"},
			"X-Dexatel-Signature": {hex.EncodeToString(m.Sum(nil))},
		},
		Body: []byte(body), Status: http.StatusOK,
	}
	payloads.Analyze(ev, payloads.VerifyConfig{Scheme: "auto", Secrets: []string{listenerSecret}})
	return ev
}

// listenerEvents is analyzedDelivery(from) … analyzedDelivery(from+n-1), made on every core.
func listenerEvents(from, n int) []*payloads.Event {
	evs := make([]*payloads.Event, n)
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				evs[i] = analyzedDelivery(from + i)
			}
		}()
	}
	wg.Wait()
	return evs
}

// grownFixtureVersion names what analyzedDelivery makes; bump it when that changes.
const grownFixtureVersion = 1

// grownFixturePath is a cached history of n listener events (built on first use: it
// is large, kept in the temp dir, out of the repository).
func grownFixturePath(tb testing.TB, n int) string {
	tb.Helper()
	name := fmt.Sprintf("dexra-tui-grown-s%d-f%d-%d.db", schemaVersion, grownFixtureVersion, n)
	return cachedHistory(tb, name, func(s *Store) {
		const chunk = 100_000
		for from := 0; from < n; from += chunk {
			evs := listenerEvents(from, min(chunk, n-from))
			bulkAppend(tb, s, from, len(evs), func(i int) *payloads.Event { return evs[i-from] })
		}
	})
}

// copyFile copies src to dst (a new file).
func copyFile(tb testing.TB, src, dst string) {
	tb.Helper()
	in, err := os.Open(src)
	if err != nil {
		tb.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		tb.Fatal(err)
	}
	// Written back now, not by the history's first commits: a copy's dirty pages
	// (a gigabyte here) would otherwise make its syncs wait seconds in the timed part.
	if err := out.Sync(); err != nil {
		tb.Fatal(err)
	}
	if err := out.Close(); err != nil {
		tb.Fatal(err)
	}
}

// appendParallel appends evs from goroutines goroutines through Store.Append and
// returns once the history holds them all (so the rate is sustained, not the log's).
func appendParallel(tb testing.TB, s *Store, evs []*payloads.Event, goroutines int) time.Duration {
	tb.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	var failed atomic.Pointer[error]
	start := time.Now()
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(evs) {
					return
				}
				if err := s.Append(evs[i]); err != nil {
					failed.CompareAndSwap(nil, &err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := s.log.waitApplied(); err != nil {
		tb.Fatal(err)
	}
	d := time.Since(start)
	if p := failed.Load(); p != nil {
		tb.Fatal(*p)
	}
	return d
}

// BenchmarkAppendGrownHistory: ingest through Store.Append (64 goroutines, listener
// events) into a history already holding 1,000,000 events (a copy of a cached
// fixture) against an empty one, in alternating rounds of the same run (each side first in every other one): the ratio is
// what the history's size costs ingest (issue 14 wants ≥ 0.9). b.N events go to each
// side; DEXRA_TUI_GROWN sets the history size (default 1,000,000).
//
//	go test ./store -run '^$' -bench 'BenchmarkAppendGrownHistory$' -benchtime 40000x -count 3
func BenchmarkAppendGrownHistory(b *testing.B) {
	size := 1_000_000
	if v := os.Getenv("DEXRA_TUI_GROWN"); v != "" {
		var err error
		if size, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	const goroutines, rounds = 64, 8
	fixture := grownFixturePath(b, size)
	dir := b.TempDir()
	grownPath := filepath.Join(dir, "grown.db")
	copyFile(b, fixture, grownPath)
	openStart := time.Now()
	grown, err := Open(grownPath, Options{Retention: -1})
	if err != nil {
		b.Fatal(err)
	}
	openTime := time.Since(openStart)
	defer grown.Close()

	next := size // event numbers past the fixture's: IDs and bodies stay unique
	var emptyTime, grownTime time.Duration
	var emptyPages, grownPages, events int
	b.ResetTimer()
	for r := range rounds {
		n := b.N/rounds + boolInt(r < b.N%rounds)
		if n == 0 {
			continue
		}
		b.StopTimer()
		emptyEvs, grownEvs := listenerEvents(next, n), listenerEvents(next+n, n)
		next += 2 * n
		empty, err := Open(filepath.Join(dir, fmt.Sprintf("empty-%d.db", r)), Options{Retention: -1})
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		b.StartTimer()

		// Each side goes first every other round: what the machine does meanwhile
		// (other benchmarks, the page cache) falls on both alike.
		for side := range 2 {
			if (side+r)%2 == 0 {
				before := pagesWritten(empty)
				emptyTime += appendParallel(b, empty, emptyEvs, goroutines)
				emptyPages += pagesWritten(empty) - before
			} else {
				before := pagesWritten(grown)
				grownTime += appendParallel(b, grown, grownEvs, goroutines)
				grownPages += pagesWritten(grown) - before
			}
		}
		events += n

		b.StopTimer()
		if err := empty.Close(); err != nil {
			b.Fatal(err)
		}
		os.Remove(empty.Path())
		b.StartTimer()
	}
	b.StopTimer()
	emptyRate := float64(events) / emptyTime.Seconds()
	grownRate := float64(events) / grownTime.Seconds()
	b.ReportMetric(emptyRate, "empty_events/s")
	b.ReportMetric(grownRate, "grown_events/s")
	b.ReportMetric(grownRate/emptyRate, "ratio")
	b.ReportMetric(float64(emptyPages)/float64(events), "empty_pages/event")
	b.ReportMetric(float64(grownPages)/float64(events), "grown_pages/event")
	b.ReportMetric(openTime.Seconds(), "grown_open_s")
}

// pagesWritten is how many pages s's commits have written so far.
func pagesWritten(s *Store) int {
	st := s.db.Stats()
	return int(st.TxStats.GetWrite())
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
