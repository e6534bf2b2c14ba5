package store

import (
	"testing"

	"github.com/dexra/dexra-tui/internal/cputime"
)

// reportCPU reports the process CPU time (user+system) per op from when it is called
// until the returned func runs: unlike ns/op, it does not grow when other processes
// compete for the cores. Where the platform cannot tell, it reports nothing.
func reportCPU(b *testing.B) func() {
	start, ok := cputime.Process()
	return func() {
		if end, _ := cputime.Process(); ok && b.N > 0 {
			b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
		}
	}
}
