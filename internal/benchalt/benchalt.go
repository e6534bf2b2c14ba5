// Package benchalt is for benchmarks that compare a candidate with its baseline in one
// run: rounds alternate, so machine load falls on both alike. Only tests import it.
package benchalt

import (
	"testing"
	"time"
)

// Alternate times base and cand in alternating rounds of calls inside one benchmark, so
// both see the same machine load, and reports each one's ns/call, allocs/call and ratio.
func Alternate(b *testing.B, base, cand func()) {
	const round = 20
	baseAllocs, candAllocs := testing.AllocsPerRun(50, base), testing.AllocsPerRun(50, cand)
	var baseTime, candTime time.Duration
	calls := 0
	for b.Loop() {
		start := time.Now()
		for range round {
			base()
		}
		mid := time.Now()
		for range round {
			cand()
		}
		candTime += time.Since(mid)
		baseTime += mid.Sub(start)
		calls += round
	}
	b.ReportMetric(float64(baseTime.Nanoseconds())/float64(calls), "base-ns/call")
	b.ReportMetric(float64(candTime.Nanoseconds())/float64(calls), "new-ns/call")
	b.ReportMetric(float64(candTime)/float64(baseTime), "new/base")
	b.ReportMetric(baseAllocs, "base-allocs/call")
	b.ReportMetric(candAllocs, "new-allocs/call")
}
