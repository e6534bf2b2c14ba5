package payloads

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

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
	for b.Loop() {
		ev := &Event{Received: received, Direction: Inbound, Method: http.MethodPost, Path: "/dexatel",
			Host: "127.0.0.1:4242", Headers: h, Body: body}
		Analyze(ev, cfg)
		if ev.Signature.Status != sig.Pass || ev.Type != "delivery" {
			b.Fatalf("analyzed as %s/%s, signature %+v", ev.Source, ev.Type, ev.Signature)
		}
	}
}
