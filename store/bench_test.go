package store

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
)

// BenchmarkAppend: durable appends (a log sync per batch) from many goroutines, which
// share log writes and history commits; goroutines=1 is the no-grouping baseline.
func BenchmarkAppend(b *testing.B) {
	for _, goroutines := range []int{1, 16, 64} {
		b.Run(fmt.Sprintf("goroutines=%d", goroutines), func(b *testing.B) {
			s := openTest(b, Options{Retention: -1})
			var next atomic.Int64
			appendOne := func() error { return s.Append(sampleEvent(int(next.Add(1)))) }
			defer reportCPU(b)()
			start := time.Now()
			if goroutines == 1 {
				for b.Loop() {
					if err := appendOne(); err != nil {
						b.Fatal(err)
					}
				}
			} else {
				// RunParallel starts parallelism × GOMAXPROCS goroutines.
				b.SetParallelism(max(1, goroutines/runtime.GOMAXPROCS(0)))
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := appendOne(); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			settledDB(b, s) // the history holds them all: the rate is sustained
			b.ReportMetric(float64(next.Load())/time.Since(start).Seconds(), "events/s")
		})
	}
}

// BenchmarkAppendDexatel: the listener's load on the store alone (BenchmarkIngest in
// tunnel): 64 goroutines appending ~1 KiB Dexatel deliveries, 1,024 distinct bodies
// (so body-hash dedup keys repeat) and message ids. Reported: events/s, CPU per
// event and pages written per event.
func BenchmarkAppendDexatel(b *testing.B) {
	s := openTest(b, Options{Retention: -1})
	var next atomic.Int64
	defer reportCPU(b)()
	start := time.Now()
	b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := s.Append(dexatelEvent(int(next.Add(1)))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	settledDB(b, s) // the history holds them all: the rate is sustained
	b.ReportMetric(float64(next.Load())/time.Since(start).Seconds(), "events/s")
	st := s.db.Stats()
	b.ReportMetric(float64(st.TxStats.GetWrite())/float64(next.Load()), "pages/event")
}

// dexatelEvent is delivery report i as the listener records it.
func dexatelEvent(i int) *payloads.Event {
	n := i % 1024
	received := testEpoch.Add(time.Duration(i) * time.Microsecond)
	body := fmt.Sprintf(`{"data":{"account_id":"4ca07d94-7b4d-4434-97aa-9ec34772f111","message_id":"4ca07d94-7b4d-4434-97aa-%012d","event":"delivery","status":"delivered","timestamp":"2022-03-01 13:00:00","note":"%s"}}`,
		n, strings.Repeat("x", 800))
	sum := sha256.Sum256([]byte(body))
	return &payloads.Event{
		ID: payloads.NewID(received), Received: received, Direction: payloads.Inbound,
		Method: http.MethodPost, Path: "/dexatel", Host: "127.0.0.1:4242", RemoteAddr: "127.0.0.1:50000",
		Headers: http.Header{
			"Content-Type":        {"application/json"},
			"User-Agent":          {"Go-http-client/1.1"},
			"X-Dexatel-Signature": {hex.EncodeToString(sum[:])},
		},
		Body: []byte(body), Size: len(body), BodyKind: payloads.BodyJSON,
		Source: "dexatel", Type: "delivery", Status: http.StatusOK,
		Signature:   sig.Verdict{Scheme: "dexatel", Status: sig.Pass},
		DedupKey:    "sha256:" + hex.EncodeToString(sum[:]),
		Correlation: fmt.Sprintf("4ca07d94-7b4d-4434-97aa-%012d", n),
		Summary:     "delivered",
	}
}

const benchPage = 50 // about one screen of the console

// historySizes are the history sizes list benchmarks compare: a small baseline and
// the million events the design promises to handle.
func historySizes(b *testing.B) []int {
	if testing.Short() {
		return []int{1_000}
	}
	return []int{1_000, 1_000_000}
}

// BenchmarkListNewestPage: the console's first screen and a page deep in the history.
// The per-page cost should be the same for 1k and 1M events.
func BenchmarkListNewestPage(b *testing.B) {
	for _, n := range historySizes(b) {
		s := openFixture(b, n)
		for _, c := range []struct {
			name string
			o    ListOptions
		}{
			{"newest", ListOptions{Limit: benchPage}},
			{"middle", ListOptions{Limit: benchPage, Cursor: uint64(n / 2)}},
			{"oldest-first", ListOptions{Limit: benchPage, OldestFirst: true}},
		} {
			b.Run(fmt.Sprintf("history=%d/%s", n, c.name), func(b *testing.B) {
				b.ReportAllocs()
				defer reportCPU(b)()
				for b.Loop() {
					page, err := s.List(c.o)
					if err != nil || len(page.Events) != benchPage {
						b.Fatalf("%d events, %v", len(page.Events), err)
					}
				}
			})
		}
	}
}

// BenchmarkListFilteredPage: a page of each kind of query. Index-backed terms cost
// per page, not per history; bare words and unindexed keys cost per candidate skipped.
func BenchmarkListFilteredPage(b *testing.B) {
	queries := []string{
		"sig:fail",                // index, 5%
		"source:dexatel dup:yes",  // smaller index (dup:yes 10%) then Match
		"corr:msg-00000300",       // index, 3 events: no page fills
		"-type:delivery",          // negation: scan of all events
		"path:conversa",           // unindexed key, 15%
		"delivered",               // bare word: loads bodies
		"type:delivery delivered", // index, then bodies of the candidates
	}
	for _, n := range historySizes(b) {
		s := openFixture(b, n)
		for _, q := range queries {
			b.Run(fmt.Sprintf("history=%d/%s", n, q), func(b *testing.B) {
				b.ReportAllocs()
				defer reportCPU(b)()
				for b.Loop() {
					page, err := s.List(ListOptions{Query: q, Limit: benchPage})
					if err != nil || len(page.Events) == 0 {
						b.Fatalf("%d events, %v", len(page.Events), err)
					}
				}
			})
		}
	}
}

// TestMillionHistoryRSS measures a fresh process that opens the 1M-event history and
// reads Stats and the newest page. DEXRA_TUI_LONG=1 runs it (it builds the fixture).
func TestMillionHistoryRSS(t *testing.T) {
	if path := os.Getenv("DEXRA_TUI_TEST_RSS"); path != "" {
		start := time.Now()
		s, err := Open(path, Options{})
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		st, err := s.Stats()
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		page, err := s.List(ListOptions{Limit: benchPage})
		if err != nil || len(page.Events) != benchPage {
			fmt.Println("error:", len(page.Events), err)
			os.Exit(1)
		}
		ready := time.Since(start)
		runtime.GC()
		fmt.Printf("total=%d ready=%s rss_kb=%d\n", st.Total, ready, vmRSSKB())
		s.Close()
		os.Exit(0)
	}
	if os.Getenv("DEXRA_TUI_LONG") != "1" {
		t.Skip("set DEXRA_TUI_LONG=1 (builds a 1,000,000-event fixture on first run)")
	}
	path := fixturePath(t, 1_000_000)
	info, _ := os.Stat(path)
	child := startChild(t, "^TestMillionHistoryRSS$", "DEXRA_TUI_TEST_RSS="+path)
	line, err := child.out.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "total=") {
		t.Fatalf("child: %q %v", line, err)
	}
	t.Logf("history file %d MB; fresh process: %s", info.Size()>>20, strings.TrimSpace(line))
	var total, rss int
	var ready string
	if _, err := fmt.Sscanf(line, "total=%d ready=%s rss_kb=%d", &total, &ready, &rss); err != nil {
		t.Fatal(err)
	}
	if total != 1_000_000 {
		t.Fatalf("total %d", total)
	}
	if rss > 100<<10 {
		t.Errorf("RSS %d MB after opening 1M events, want under 100 MB", rss>>10)
	}
}

func vmRSSKB() int {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			return n
		}
	}
	return -1
}

// BenchmarkEncodeForLog: the CPU an event costs on its way into the log (prepare,
// decide's record, the log record) without the sync: where the checksums' cost shows.
func BenchmarkEncodeForLog(b *testing.B) {
	ev := dexatelEvent(1)
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		p, err := prepareEvent(ev)
		if err != nil {
			b.Fatal(err)
		}
		buf = appendRecord(buf[:0], 7, logEvent(p, 42, ""))
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkChecksumCost: what the history's checksums add per event (the body's and
// the record's, computed at ingest and again at every read), beside the whole encode
// in the same run: the baseline.
func BenchmarkChecksumCost(b *testing.B) {
	ev := dexatelEvent(1)
	p, err := prepareEvent(ev)
	if err != nil {
		b.Fatal(err)
	}
	record := logEvent(p, 42, "").record
	b.Run("encode", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			p, _ := prepareEvent(ev)
			buf = appendRecord(buf[:0], 7, logEvent(p, 42, ""))
		}
	})
	b.Run("checksums", func(b *testing.B) {
		var sink uint32
		for b.Loop() {
			sink += bodySum(ev.Body) + crc32.Checksum(record[5:], crc32c)
		}
		_ = sink
	})
}
