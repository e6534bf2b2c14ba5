package tunnel

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
)

// BenchmarkIngestWithForward runs BenchmarkIngest's load (64 keep-alive clients,
// signed ~1 KiB Dexatel payloads) against two listeners in alternating rounds: one
// plain, one whose events are also forwarded to a local app with every attempt
// recorded. Reported: listener_req/s, forwarding_req/s, ratio (target >= 0.9), and
// forwarded/s, the rate at which the forwarder had delivered and recorded all of a
// round's events (it works behind the listener, so it may finish later).
// Run: go test ./tunnel -run '^$' -bench IngestWithForward -benchtime 20000x
func BenchmarkIngestWithForward(b *testing.B) {
	ps := make([]signedPayload, 1024)
	for i := range ps {
		body := dexatelDelivery(i, 1024)
		ps[i] = signedPayload{body, signDexatel(testSecret, body)}
	}
	var delivered atomic.Int64
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "{}")
	}))
	defer app.Close()

	plain := benchHubListener(b)
	fwdL := benchHubListener(b)
	f, err := NewForwarder(ForwardConfig{Targets: mustTargets(b, app.URL), Recorder: fwdL.Store,
		OnAttempt: func(ForwardResult) { delivered.Add(1) }})
	if err != nil {
		b.Fatal(err)
	}
	f.Start(fwdL.Hub)
	defer func() {
		fwdL.Hub.Close()
		f.Stop(context.Background())
	}()

	const rounds = 4
	var plainTime, fwdTime, allForwarded time.Duration
	sent := int64(0)
	b.ResetTimer()
	for r := range rounds {
		n := b.N/rounds + boolInt(r < b.N%rounds)
		if n == 0 {
			continue
		}
		d, _ := loadIngest(b, plain.URL, ps, n)
		plainTime += d
		start := time.Now()
		d, _ = loadIngest(b, fwdL.URL, ps, n)
		fwdTime += d
		sent += int64(n)
		for delivered.Load() < sent {
			time.Sleep(time.Millisecond)
		}
		allForwarded += time.Since(start)
	}
	b.StopTimer()
	plainRate := float64(b.N) / plainTime.Seconds()
	fwdRate := float64(b.N) / fwdTime.Seconds()
	b.ReportMetric(plainRate, "listener_req/s")
	b.ReportMetric(fwdRate, "forwarding_req/s")
	b.ReportMetric(fwdRate/plainRate, "ratio")
	b.ReportMetric(float64(b.N)/allForwarded.Seconds(), "forwarded/s")
	if h := f.Health()[0]; h.Delivered != b.N {
		b.Fatalf("health %+v after %d events", h, b.N)
	}
}

// benchHubListener is benchListener with its hub kept, so a forwarder can subscribe.
func benchHubListener(b *testing.B) *testListener {
	st, err := store.Open(filepath.Join(b.TempDir(), "history.db"), store.Options{})
	if err != nil {
		b.Fatalf("open store: %v", err)
	}
	hub := NewHub()
	l := NewListener(Config{Addr: "127.0.0.1:0", Verify: payloads.VerifyConfig{Scheme: "auto", Secrets: []string{testSecret}}}, st, hub)
	addr, err := l.Listen()
	if err != nil {
		b.Fatal(err)
	}
	go l.Serve()
	b.Cleanup(func() {
		l.Shutdown(context.Background())
		hub.Close()
		st.Close()
	})
	return &testListener{URL: "http://" + addr, L: l, Store: st, Hub: hub}
}
