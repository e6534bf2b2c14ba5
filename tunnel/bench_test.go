package tunnel

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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
// and answers 200 with the real listener (verify + durable commit), both loaded by 64
// keep-alive clients posting signed ~1 KiB Dexatel payloads over loopback. Reported:
// bare_req/s, listener_req/s, ratio (listener/bare; target >= 0.5) and the listener's
// p50/p99 answer latency. The listener's time includes the wait, after each round, for
// the history file to hold every event its log acknowledged, so the rate is one the
// whole store sustains. Run: go test ./tunnel -run '^$' -bench Ingest -benchtime 20000x
func BenchmarkIngest(b *testing.B) {
	ps := make([]signedPayload, 1024)
	for i := range ps {
		body := dexatelDelivery(i, 1024)
		ps[i] = signedPayload{body, signDexatel(testSecret, body)}
	}

	bareURL, stopBare := serveBare(b)
	defer stopBare()
	tl := benchListener(b)

	// Alternate rounds so a change in machine load hits both sides alike.
	const rounds = 4
	var bareTime, realTime time.Duration
	var lat []time.Duration
	b.ResetTimer()
	for r := range rounds {
		n := b.N/rounds + boolInt(r < b.N%rounds)
		if n == 0 {
			continue
		}
		d, _ := loadIngest(b, bareURL, ps, n)
		bareTime += d
		d, l := loadIngest(b, tl.URL, ps, n)
		realTime += d + settle(b, tl.Store)
		lat = append(lat, l...)
	}
	b.StopTimer()
	bareRate := float64(b.N) / bareTime.Seconds()
	realRate := float64(b.N) / realTime.Seconds()

	b.ReportMetric(bareRate, "bare_req/s")
	b.ReportMetric(realRate, "listener_req/s")
	b.ReportMetric(realRate/bareRate, "ratio")
	b.ReportMetric(float64(percentile(lat, 50).Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(percentile(lat, 99).Microseconds())/1000, "p99_ms")

	// The listener really verified and committed: spot-check the newest event.
	page, err := tl.Store.List(store.ListOptions{Limit: 1})
	if err != nil || len(page.Events) != 1 || page.Events[0].Signature.Status != sig.Pass {
		b.Fatalf("newest stored event %+v, err %v; want a passing signature", page.Events, err)
	}
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
	tr := &http.Transport{MaxIdleConnsPerHost: benchClients, MaxConnsPerHost: benchClients, DisableCompression: true}
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
	for range benchClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, n/benchClients+1)
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
