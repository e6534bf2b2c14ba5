package tunnel

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkServeHTTP is the listener's handler on one signed ~900 B Dexatel delivery,
// without the network: what a request costs in CPU and allocations beyond net/http
// (durable append included, so ns/op is mostly the log's sync; allocs/op and B/op are
// the figures to watch). Run: go test ./tunnel -run '^$' -bench ServeHTTP -benchtime 3000x
func BenchmarkServeHTTP(b *testing.B) {
	tl := benchListener(b)
	ps := uniqueDexatelPayloads(b.N, 900)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		r := httptest.NewRequest(http.MethodPost, "/dexatel", bytes.NewReader(ps[i].body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("X-Dexatel-Signature", ps[i].signature)
		w := httptest.NewRecorder()
		tl.L.serveHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("answer %d %s", w.Code, w.Body)
		}
	}
}
