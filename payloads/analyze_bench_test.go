package payloads

import (
	"cmp"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/internal/cputime"
	"github.com/dexra/dexra-tui/payloads/catalog"
	"github.com/dexra/dexra-tui/payloads/sig"
)

// benchDelivery is a ~1 KiB Dexatel delivery padded with a note, as BenchmarkIngest posts.
func benchDelivery(size int) []byte {
	body := `{"data":{"account_id":"4ca07d94-7b4d-4434-97aa-9ec34772f111","message_id":"4ca07d94-7b4d-4434-97aa-000000000042","event":"delivery","status":"delivered","timestamp":"2022-03-01 13:00:00","note":"%s"}}`
	pad := max(size-len(body)+2, 0)
	return []byte(fmt.Sprintf(body, strings.Repeat("x", pad)))
}

// BenchmarkAnalyze is the listener's per-request analysis of a signed ~1 KiB Dexatel delivery.
func BenchmarkAnalyze(b *testing.B) {
	body := benchDelivery(1024)
	scheme, _ := sig.Lookup("dexatel")
	h, err := scheme.Sign(sig.SignInput{Secret: "s3cret", Body: body})
	if err != nil {
		b.Fatal(err)
	}
	h.Set("Content-Type", "application/json")
	cfg := VerifyConfig{Scheme: "auto", Secrets: []string{"s3cret"}, BaseURL: "http://127.0.0.1:4242"}
	received := time.Now()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	defer reportCPU(b)()
	for b.Loop() {
		ev := &Event{Received: received, Direction: Inbound, Method: http.MethodPost, Path: "/dexatel",
			Host: "127.0.0.1:4242", Headers: h, Body: body}
		Analyze(ev, cfg)
		if ev.Signature.Status != sig.Pass || ev.Type != "delivery" {
			b.Fatalf("analyzed as %s/%s, signature %+v", ev.Source, ev.Type, ev.Signature)
		}
	}
}

// BenchmarkAnalyzeSamples is Analyze of other platforms' samples, each signed with its
// platform's scheme and sent with its delivery headers.
func BenchmarkAnalyzeSamples(b *testing.B) {
	received := time.Unix(1700000000, 0)
	const base = "http://127.0.0.1:4242"
	for _, name := range []string{"dexra.message_in", "conversa.payment.paid", "stripe.payment_intent.succeeded",
		"github.push", "slack.message", "shopify.orders/create", "telegram.message", "whatsapp.messages", "twilio.message"} {
		e, err := catalog.Find(name)
		if err != nil {
			b.Fatal(err)
		}
		body, err := e.Sample(received, nil)
		if err != nil {
			b.Fatal(err)
		}
		contentType := cmp.Or(e.ContentType, "application/json")
		scheme, ok := sig.Lookup(e.Scheme)
		if !ok {
			b.Fatalf("%s: no scheme %q", name, e.Scheme)
		}
		h, err := scheme.Sign(sig.SignInput{Secret: "s3cret", Body: body, Method: http.MethodPost,
			URL: base + e.Path, ContentType: contentType, Timestamp: received})
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i+1 < len(e.Headers); i += 2 {
			h.Set(e.Headers[i], e.Headers[i+1])
		}
		h.Set("Content-Type", contentType)
		cfg := VerifyConfig{Scheme: "auto", Secrets: []string{"s3cret"}, BaseURL: base}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				ev := &Event{Received: received, Direction: Inbound, Method: http.MethodPost, Path: e.Path,
					Host: "127.0.0.1:4242", Headers: h, Body: body}
				Analyze(ev, cfg)
				if ev.Signature.Status != sig.Pass || ev.Source+"."+ev.Type != e.Name() {
					b.Fatalf("analyzed as %s.%s, signature %+v", ev.Source, ev.Type, ev.Signature)
				}
			}
		})
	}
}

// reportCPU reports the process CPU time per op (all threads, so GC included) when the
// returned func runs: unlike ns/op it does not count time spent waiting for a core while
// other benchmarks share the machine, so binaries run one after the other compare.
func reportCPU(b *testing.B) func() { return cputime.ReportPerOp(b) }
