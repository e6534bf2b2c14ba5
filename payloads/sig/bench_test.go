package sig

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/dexra/dexra-tui/internal/benchalt"
)

// BenchmarkCheckAuto is the listener's per-request cost: detect and verify a signed
// ~1 KiB Dexatel delivery with two secrets configured (the matching one second).
func BenchmarkCheckAuto(b *testing.B) {
	body := make([]byte, 1024)
	for i := range body {
		body[i] = 'a' + byte(i%26)
	}
	h, _ := dexatelScheme.Sign(SignInput{Secret: goodSecret, Body: body})
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "Dexatel-Webhook/1.0")
	req := Request{Method: http.MethodPost, URL: hookURL, Header: h, Body: body}
	opts := Options{Secrets: []string{"retired", goodSecret}}
	b.ReportAllocs()
	for b.Loop() {
		if v := Check(Auto, req, opts); v.Status != Pass {
			b.Fatal(v)
		}
	}
}

// BenchmarkCheckAutoHeaders compares auto on a request without a signature header
// carrying 10 headers (the baseline) and 10,000: the cost must not grow with the count.
func BenchmarkCheckAutoHeaders(b *testing.B) {
	for _, n := range []int{10, 10000} {
		h := http.Header{}
		for i := range n {
			h.Set(fmt.Sprintf("X-Filler-%05d", i), "v")
		}
		req := Request{Header: h, Body: []byte("{}")}
		b.Run(fmt.Sprint("headers=", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if v := Check(Auto, req, Options{Secrets: []string{"k"}}); v.Status != Missing {
					b.Fatal(v)
				}
			}
		})
	}
}

// BenchmarkMAC is the HMAC-SHA256 of a 1 KiB body as verify computes it, a reused keyed
// HMAC (new) against hmac.New per call (base, what it did before), in alternating rounds.
func BenchmarkMAC(b *testing.B) {
	body := make([]byte, 1024)
	key := []byte(goodSecret)
	base := func() { freshMAC(algSHA256, key, body) }
	cand := func() { algSHA256.mac(key, body) }
	benchalt.Alternate(b, base, cand)
}
