package store

import (
	"testing"

	"github.com/dexra/dexra-tui/internal/cputime"
)

// reportCPU reports the process CPU time (user+system) per op from when it is called
// until the returned func runs: unlike ns/op, it does not grow when other processes
// compete for the cores. Where the platform cannot tell, it reports nothing.
func reportCPU(b *testing.B) func() { return cputime.ReportPerOp(b) }
