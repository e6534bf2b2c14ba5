package tunnel

import (
	"bytes"
	"context"
	"github.com/dexra/dexra-tui/store"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
)

type nopAppender struct{}

func (nopAppender) Append(*payloads.Event) error { return nil }

func BenchmarkExperimentNoStore(b *testing.B) {
	ps := make([]signedPayload, 1024)
	for i := range ps {
		body := dexatelDelivery(i, 1024)
		ps[i] = signedPayload{body, signDexatel(testSecret, body)}
	}
	bareURL, stop := serveBare(b)
	defer stop()
	l := newListener(Config{Addr: "127.0.0.1:0", Verify: payloads.VerifyConfig{Scheme: "auto", Secrets: []string{testSecret}}}, nopAppender{}, NewHub())
	addr, _ := l.Listen()
	go l.Serve()
	defer l.Shutdown(context.Background())
	b.ResetTimer()
	bare, _ := loadIngest(b, bareURL, ps, b.N)
	real, lat := loadIngest(b, "http://"+addr, ps, b.N)
	b.ReportMetric(float64(b.N)/bare.Seconds(), "bare_req/s")
	b.ReportMetric(float64(b.N)/real.Seconds(), "nostore_req/s")
	b.ReportMetric(float64(percentile(lat, 99).Microseconds())/1000, "p99_ms")
}

func BenchmarkExperimentHandler(b *testing.B) {
	body := dexatelDelivery(1, 1024)
	sigv := signDexatel(testSecret, body)
	l := newListener(Config{Verify: payloads.VerifyConfig{Scheme: "auto", Secrets: []string{testSecret}}}, nopAppender{}, NewHub())
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("POST", "/dexatel", bytes.NewReader(body))
		r.Header.Set("X-Dexatel-Signature", sigv)
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		l.serveHTTP(w, r)
	}
}

func BenchmarkExperimentAnalyze(b *testing.B) {
	body := dexatelDelivery(1, 1024)
	sigv := signDexatel(testSecret, body)
	b.ReportAllocs()
	for b.Loop() {
		ev := &payloads.Event{Method: "POST", Path: "/dexatel", Body: body, Headers: http.Header{"X-Dexatel-Signature": {sigv}, "Content-Type": {"application/json"}}}
		payloads.Analyze(ev, payloads.VerifyConfig{Scheme: "auto", Secrets: []string{testSecret}})
	}
}

type timedAppender struct {
	st  appender
	mu  sync.Mutex
	lat []time.Duration
}

func (a *timedAppender) Append(ev *payloads.Event) error {
	t0 := time.Now()
	err := a.st.Append(ev)
	a.mu.Lock()
	a.lat = append(a.lat, time.Since(t0))
	a.mu.Unlock()
	return err
}

func BenchmarkExperimentTimedStore(b *testing.B) {
	ps := make([]signedPayload, 1024)
	for i := range ps {
		body := dexatelDelivery(i, 1024)
		ps[i] = signedPayload{body, signDexatel(testSecret, body)}
	}
	st, err := store.Open(filepath.Join(b.TempDir(), "history.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ta := &timedAppender{st: st}
	l := newListener(Config{Addr: "127.0.0.1:0", Verify: payloads.VerifyConfig{Scheme: "auto", Secrets: []string{testSecret}}}, ta, NewHub())
	addr, _ := l.Listen()
	go l.Serve()
	defer l.Shutdown(context.Background())
	b.ResetTimer()
	real, lat := loadIngest(b, "http://"+addr, ps, b.N)
	b.ReportMetric(float64(b.N)/real.Seconds(), "req/s")
	b.ReportMetric(float64(percentile(lat, 50).Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(percentile(lat, 99).Microseconds())/1000, "p99_ms")
	b.ReportMetric(float64(percentile(ta.lat, 50).Microseconds())/1000, "append_p50_ms")
	b.ReportMetric(float64(percentile(ta.lat, 99).Microseconds())/1000, "append_p99_ms")
}
