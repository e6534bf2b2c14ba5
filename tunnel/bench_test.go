package tunnel

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/internal/cputime"
	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
)

const benchClients = 64

type signedPayload struct {
	body      []byte
	signature string
}

// BenchmarkIngest compares, in one run, a bare net/http handler that reads the body
// and answers 200 with the real listener (verify + durable log + history), both loaded
// by keep-alive clients (64, then 8) posting signed, unique ~900 B Dexatel payloads
// over loopback. Reported per client count: bare_req/s, listener_req/s, ratio
// (listener/bare; the bars: >= 0.6 at 64 clients, >= 0.35 at 8) and the listener's
// p50/p99 answer latency, and per side the process's CPU per request (the load
// generator's share included, the same on both sides) and the cores it kept busy (CPU
// time over wall time): a ratio below 1 is either more CPU per request or idle cores
// (waiting for syncs), and these say which. The listener's time includes the wait,
// after each round, for the history file to hold every event its log acknowledged, so
// the rate is one the whole store sustains. Rounds alternate so a change in machine load hits both sides.
// Run: go test ./tunnel -run '^$' -bench 'Ingest$' -benchtime 40000x -count 3
func BenchmarkIngest(b *testing.B) {
	for _, clients := range []int{64, 8} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) { benchIngest(b, clients) })
	}
}

func benchIngest(b *testing.B, clients int) {
	defer restoreGC(debug.SetGCPercent(-1), debug.SetMemoryLimit(-1))
	TuneGC(os.Getenv) // as main does
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	TuneProcs(os.Getenv)
	ps := uniqueDexatelPayloads(b.N, 900)
	bareURL, stopBare := serveBare(b)
	defer stopBare()
	tl := benchListener(b)

	const rounds = 4
	var bareTime, realTime, bareCPU, realCPU time.Duration
	var lat []time.Duration
	b.ResetTimer()
	sent := 0
	for r := range rounds {
		n := b.N/rounds + boolInt(r < b.N%rounds)
		if n == 0 {
			continue
		}
		cpu0, _ := cputime.Process()
		d, _ := loadIngestN(b, clients, bareURL, ps[sent:sent+n], n)
		bareTime += d
		cpu1, _ := cputime.Process()
		d, l := loadIngestN(b, clients, tl.URL, ps[sent:sent+n], n)
		realTime += d + settle(b, tl.Store)
		cpu2, _ := cputime.Process()
		bareCPU, realCPU = bareCPU+cpu1-cpu0, realCPU+cpu2-cpu1
		lat = append(lat, l...)
		sent += n
	}
	b.StopTimer()
	bareRate := float64(b.N) / bareTime.Seconds()
	realRate := float64(b.N) / realTime.Seconds()

	b.ReportMetric(bareRate, "bare_req/s")
	b.ReportMetric(realRate, "listener_req/s")
	b.ReportMetric(realRate/bareRate, "ratio")
	b.ReportMetric(float64(percentile(lat, 50).Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(percentile(lat, 99).Microseconds())/1000, "p99_ms")
	if _, ok := cputime.Process(); ok {
		b.ReportMetric(float64(bareCPU.Microseconds())/float64(b.N), "bare_cpu_us/req")
		b.ReportMetric(float64(realCPU.Microseconds())/float64(b.N), "listener_cpu_us/req")
		b.ReportMetric(bareCPU.Seconds()/bareTime.Seconds(), "bare_cores")
		b.ReportMetric(realCPU.Seconds()/realTime.Seconds(), "listener_cores")
	}

	// The listener really verified and committed every event: count them, and
	// spot-check the newest.
	st, err := tl.Store.Stats()
	if err != nil || st.Total != b.N {
		b.Fatalf("history holds %d events (%v), want %d", st.Total, err, b.N)
	}
	page, err := tl.Store.List(store.ListOptions{Limit: 1})
	if err != nil || len(page.Events) != 1 || page.Events[0].Signature.Status != sig.Pass {
		b.Fatalf("newest stored event %+v, err %v; want a passing signature", page.Events, err)
	}
}

func restoreGC(percent int, limit int64) {
	debug.SetGCPercent(percent)
	debug.SetMemoryLimit(limit)
}

// uniqueDexatelPayloads are n signed delivery reports of about size bytes, each for its
// own message (so each has its own dedup key, as real traffic does).
func uniqueDexatelPayloads(n, size int) []signedPayload {
	ps := make([]signedPayload, n)
	for i := range ps {
		body := dexatelDelivery(i, size)
		ps[i] = signedPayload{body, signDexatel(testSecret, body)}
	}
	return ps
}

// settle waits until the history holds every acknowledged event (reads wait for that)
// and says how long that took.
func settle(b *testing.B, st *store.Store) time.Duration {
	start := time.Now()
	if _, err := st.Stats(); err != nil {
		b.Fatalf("history did not take the acknowledged events: %v", err)
	}
	return time.Since(start)
}

func benchListener(b *testing.B) *testListener {
	st, err := store.Open(filepath.Join(b.TempDir(), "history.db"), store.Options{})
	if err != nil {
		b.Fatalf("open store: %v", err)
	}
	l := NewListener(Config{Addr: "127.0.0.1:0", Verify: payloads.VerifyConfig{Scheme: "auto", Secrets: []string{testSecret}}}, st, NewHub())
	addr, err := l.Listen()
	if err != nil {
		b.Fatal(err)
	}
	go l.Serve()
	b.Cleanup(func() {
		l.Shutdown(context.Background())
		st.Close()
	})
	return &testListener{URL: "http://" + addr, L: l, Store: st}
}

// serveBare is the baseline: read the body, answer 200.
func serveBare(b *testing.B) (string, func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte("{}"))
	})}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }
}

func boolInt(v bool) int {
	if v {
		return 1
	}
	return 0
}

// loadIngest posts n requests from benchClients keep-alive clients and returns how
// long they took and every request's latency.
func loadIngest(b *testing.B, baseURL string, ps []signedPayload, n int) (time.Duration, []time.Duration) {
	return loadIngestN(b, benchClients, baseURL, ps, n)
}

// loadIngestN is loadIngest with that many clients.
func loadIngestN(b *testing.B, clients int, baseURL string, ps []signedPayload, n int) (time.Duration, []time.Duration) {
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var (
		next      atomic.Int64
		mu        sync.Mutex
		latencies = make([]time.Duration, 0, n)
		wg        sync.WaitGroup
		failed    atomic.Value
	)
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, n/clients+1)
			defer func() {
				mu.Lock()
				latencies = append(latencies, mine...)
				mu.Unlock()
			}()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				p := ps[i%int64(len(ps))]
				req, _ := http.NewRequest(http.MethodPost, baseURL+"/dexatel", bytes.NewReader(p.body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Dexatel-Signature", p.signature)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					failed.Store(err.Error())
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mine = append(mine, time.Since(t0))
				if resp.StatusCode != http.StatusOK {
					failed.Store(resp.Status)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if f := failed.Load(); f != nil {
		b.Fatalf("load on %s: %v", baseURL, f)
	}
	return elapsed, latencies
}

func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}
