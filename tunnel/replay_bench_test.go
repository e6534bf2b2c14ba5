package tunnel

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
)

const (
	benchReplayEvents      = 10_000
	benchReplayConcurrency = 16
)

// BenchmarkReplay replays 10,000 stored, Dexatel-signed ~1 KiB events to a local app
// with concurrency 16 (read each from the history, send it, record the attempt), and
// in the same run posts the same bodies to the same app from 16 bare clients as a
// baseline. Reported: replay_events/s (target >= 2,000), bare_posts/s, ratio.
// Run: go test ./tunnel -run '^$' -bench Replay -benchtime 3x
func BenchmarkReplay(b *testing.B) {
	st, err := store.Open(b.TempDir()+"/history.db", store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	bodies := fillHistory(b, st, benchReplayEvents)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, `{"ok":true}`)
	}))
	defer app.Close()
	targets := mustTargets(b, app.URL+"/hooks")
	rp := newReplayer(b, ReplayConfig{History: st, Targets: targets, Concurrency: benchReplayConcurrency})
	ids, err := MatchingIDs(st, "")
	if err != nil || len(ids) != benchReplayEvents {
		b.Fatalf("%d ids, %v", len(ids), err)
	}

	var replayTime, bareTime time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		sum, err := rp.ReplayIDs(context.Background(), ids...)
		replayTime += time.Since(start)
		if err != nil || sum.OK != benchReplayEvents {
			b.Fatalf("replay: %+v %v", sum, err)
		}
		bareTime += postBare(b, app.URL+"/hooks", bodies)
	}
	b.StopTimer()
	replayRate := float64(b.N*benchReplayEvents) / replayTime.Seconds()
	bareRate := float64(b.N*benchReplayEvents) / bareTime.Seconds()
	b.ReportMetric(replayRate, "replay_events/s")
	b.ReportMetric(bareRate, "bare_posts/s")
	b.ReportMetric(replayRate/bareRate, "ratio")

	ev, err := st.Get(ids[len(ids)-1])
	if err != nil || len(ev.Attempts) != b.N {
		b.Fatalf("the last event has %d attempts after %d runs: %v", len(ev.Attempts), b.N, err)
	}
}

// fillHistory appends n signed events from 64 goroutines (group commit) and returns
// their bodies.
func fillHistory(b *testing.B, st *store.Store, n int) [][]byte {
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = dexatelDelivery(i, 1024)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				now := time.Now().UTC()
				ev := &payloads.Event{Received: now, Direction: payloads.Inbound, Method: "POST", Path: "/dexatel",
					Host: "127.0.0.1:4242", RemoteAddr: "127.0.0.1:5000", Status: 200, Body: bodies[i],
					Headers: http.Header{"X-Dexatel-Signature": {signDexatel(testSecret, bodies[i])}, "Content-Type": {"application/json"}}}
				payloads.Analyze(ev, payloads.VerifyConfig{Secrets: []string{testSecret}})
				if err := st.Append(ev); err != nil {
					b.Error(err)
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return bodies
}

// postBare posts bodies from benchReplayConcurrency clients and returns how long it took.
func postBare(b *testing.B, url string, bodies [][]byte) time.Duration {
	client := newDeliveryClient(benchReplayConcurrency)
	next := make(chan []byte)
	var wg sync.WaitGroup
	start := time.Now()
	for range benchReplayConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for body := range next {
				resp, err := client.Post(url, "application/json", bytes.NewReader(body))
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}()
	}
	for _, body := range bodies {
		next <- body
	}
	close(next)
	wg.Wait()
	return time.Since(start)
}
