package catalog

import (
	"encoding/json"
	"strings"
	"testing"
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
		DedupKey(src, typ, h, benchBody)
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
		p.Derive(src, typ, h)
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
