package catalog

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/internal/benchalt"
)

// benchBody is a ~1 KiB Dexatel message, the payload BenchmarkIngest posts.
var benchBody = []byte(strings.Replace(seedMessage, "sign me in please", strings.Repeat("sign me in please ", 42), 1))

// BenchmarkCatalogPerEvent is everything payloads.Analyze asks the catalog per event.
func BenchmarkCatalogPerEvent(b *testing.B) {
	h := hdr("X-Dexatel-Signature", seedSignature)
	b.SetBytes(int64(len(benchBody)))
	for b.Loop() {
		src, typ := Classify("/", h, benchBody)
		if r := Check(src, typ, benchBody); !r.Valid {
			b.Fatal(r)
		}
		DedupKey(src, typ, "", h, benchBody)
		Correlation(src, typ, benchBody)
		Summary(src, typ, benchBody)
	}
}

// BenchmarkCatalogDerive is the same work through Parse: Classify, Check and Derive share one parse.
func BenchmarkCatalogDerive(b *testing.B) {
	h := hdr("X-Dexatel-Signature", seedSignature)
	b.SetBytes(int64(len(benchBody)))
	for b.Loop() {
		p := Parse(benchBody)
		src, typ := p.Classify("/", h)
		if r := p.Check(src, typ); !r.Valid {
			b.Fatal(r)
		}
		p.Derive(src, typ, "", h)
	}
}

// BenchmarkBaselineUnmarshal is one plain json.Unmarshal of the same body, for scale.
func BenchmarkBaselineUnmarshal(b *testing.B) {
	b.SetBytes(int64(len(benchBody)))
	for b.Loop() {
		var v any
		if err := json.Unmarshal(benchBody, &v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeJSON is decodeJSON against encoding/json (the decoder it replaced) on
// the ~1 KiB Dexatel delivery the listener benchmark posts and on every sample.
func BenchmarkDecodeJSON(b *testing.B) {
	bodies := []struct {
		name string
		body []byte
	}{{"dexatel.delivery-1KiB", benchDelivery1KiB}}
	for _, e := range Samples() {
		body, err := e.Sample(time.Unix(1700000000, 0), nil)
		if err != nil {
			b.Fatal(err)
		}
		if e.ContentType == "" {
			bodies = append(bodies, struct {
				name string
				body []byte
			}{e.Name(), body})
		}
	}
	for _, c := range bodies {
		b.Run(c.name, func(b *testing.B) {
			if _, ok := decodeJSON(c.body); !ok {
				b.Fatal("sample is not JSON")
			}
			benchalt.Alternate(b, func() { decodeJSONStd(c.body) }, func() { decodeJSON(c.body) })
		})
	}
}

// BenchmarkCatalogAnalyze is what payloads.Analyze asks the catalog per event (IsJSON,
// Classify, Derive) on the ~1 KiB delivery: base decodes the body with encoding/json as
// before, new is Parse as it is (validation, then the few fields read from the body).
func BenchmarkCatalogAnalyze(b *testing.B) {
	h := hdr("X-Dexatel-Signature", seedSignature)
	run := func(std bool) func() {
		return func() {
			p := Parse(benchDelivery1KiB)
			if std {
				p.b.v, p.b.ok = decodeJSONStd(p.b.raw)
				p.b.done = true
			}
			p.IsJSON()
			src, typ := p.Classify("/dexatel", h)
			if typ != "delivery" {
				b.Fatal(src, typ)
			}
			p.Derive(src, typ, "", h)
		}
	}
	benchalt.Alternate(b, run(true), run(false))
}

// benchDelivery1KiB is the ~1 KiB signed Dexatel delivery BenchmarkIngest posts
// (tunnel/listener_helpers_test.go dexatelDelivery).
var benchDelivery1KiB = func() []byte {
	body := `{"data":{"account_id":"4ca07d94-7b4d-4434-97aa-9ec34772f111","message_id":"4ca07d94-7b4d-4434-97aa-000000000042","event":"delivery","status":"delivered","timestamp":"2022-03-01 13:00:00","note":"%s"}}`
	return []byte(fmt.Sprintf(body, strings.Repeat("x", 1024-len(body)+2)))
}()
