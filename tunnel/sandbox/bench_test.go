package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/tunnel"
)

// BenchmarkSends measures sends per second through the API client, 32 at a time:
//
//   - bare-handler is the baseline: a handler that answers the assumed
//     {"message_id","status"} at once (no validation, no webhooks);
//   - sandbox+listener is the sandbox with every status webhook (sms: sent, delivered)
//     delivered to a real listener, which verifies and stores it. The clock runs until
//     the last webhook is stored, and the run fails unless every one passed.
//
// go test -run '^$' -bench Sends -benchtime 5000x ./tunnel/sandbox
func BenchmarkSends(b *testing.B) {
	client := func(base string) *tunnel.Client {
		return &tunnel.Client{BaseURL: base, Key: testKey, HTTP: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	}
	msg := messageOf("sms", "text", "+15551234567")
	run := func(b *testing.B, c *tunnel.Client) {
		b.SetParallelism(16)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := c.Send(context.Background(), msg); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}

	b.Run("bare-handler", func(b *testing.B) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"message_id":"4ca07d94-7b4d-4434-97aa-9ec34772f111","status":"queued"}`))
		}))
		defer srv.Close()
		start := time.Now()
		b.ResetTimer()
		run(b, client(srv.URL))
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "sends/s")
	})

	// The listener alone, as a second baseline: per op the two signed status webhooks
	// an sms message causes, POSTed straight to it at the same concurrency.
	b.Run("listener-only", func(b *testing.B) {
		url, st := startListener(b)
		hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
		scheme, _ := sig.Lookup("dexatel")
		var n atomic.Int64
		start := time.Now()
		b.ResetTimer()
		b.SetParallelism(16)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				id := n.Add(1)
				for _, status := range []string{"sent", "delivered"} {
					body := []byte(fmt.Sprintf(`{"data":{"account_id":"a","message_id":"m-%d","event":"delivery","status":"%s","timestamp":"2026-01-01 00:00:00"}}`, id, status))
					h, _ := scheme.Sign(sig.SignInput{Secret: testSecret, Body: body})
					req, _ := http.NewRequest(http.MethodPost, url+"/", bytes.NewReader(body))
					req.Header = h
					resp, err := hc.Do(req)
					if err != nil || resp.StatusCode != 200 {
						b.Errorf("listener: %v", err)
						return
					}
					resp.Body.Close()
				}
			}
		})
		elapsed := time.Since(start)
		b.StopTimer()
		if stats, _ := st.Stats(); stats.Total != 2*b.N {
			b.Fatalf("stored %d of %d", stats.Total, 2*b.N)
		}
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "sends/s")
		b.ReportMetric(float64(2*b.N)/elapsed.Seconds(), "webhooks/s")
	})

	b.Run("sandbox+listener", func(b *testing.B) {
		url, st := startListener(b)
		sb, api := startSandbox(b, Config{Seed: 1, Key: testKey, Secret: testSecret, WebhookURL: url + "/", StepDelay: time.Millisecond, MaxInFlight: benchInFlight})
		c := client(api)
		start := time.Now()
		b.ResetTimer()
		run(b, c)
		sendPhase := time.Since(start)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := sb.Drain(ctx); err != nil {
			b.Fatal(err)
		}
		elapsed := time.Since(start)
		b.StopTimer()
		b.Logf("N=%d: sends took %s, the last webhook was stored %s later", b.N, sendPhase.Round(time.Millisecond), (elapsed - sendPhase).Round(time.Millisecond))
		want := 2 * b.N
		// Every status stored once as a first delivery (a retry after a lost answer would
		// be stored as dup-of it), and every stored webhook verified.
		first, err := st.List(store.ListOptions{Query: "dup:no"})
		if err != nil {
			b.Fatal(err)
		}
		bad, err := st.List(store.ListOptions{Query: "-sig:pass", Limit: 10})
		if err != nil {
			b.Fatal(err)
		}
		if len(first.Events) != want || len(bad.Events) != 0 {
			b.Fatalf("%d sends: listener stored %d distinct webhooks (want %d), %d not verified", b.N, len(first.Events), want, len(bad.Events))
		}
		retries := 0
		for _, d := range sb.Deliveries() {
			if d.Try > 1 {
				retries++
			}
			if d.Final && d.HTTPStatus != http.StatusOK {
				b.Fatalf("a webhook was given up: %+v", d)
			}
		}
		b.ReportMetric(float64(retries), "retries")
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "sends/s")
		b.ReportMetric(float64(want)/elapsed.Seconds(), "webhooks/s")
	})
}

// benchInFlight is how many webhooks the benchmark's sandbox delivers at once.
var benchInFlight = 256
