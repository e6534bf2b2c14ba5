// Package cputime reads the process's CPU time, for benchmarks that report CPU per
// operation beside wall time: unlike wall time it does not grow while other processes
// hold the cores, so runs one after the other compare. Only tests import it.
package cputime

import (
	"testing"
	"time"
)

// Process is the CPU time (user + system, all threads) this process has used, and
// whether the platform can tell; where it cannot, it is 0 and false.
func Process() (time.Duration, bool) { return process() }

// ReportPerOp reports, as "cpu-ns/op", the process CPU time per op from when it is
// called until the returned func runs; where the platform cannot tell, nothing.
func ReportPerOp(b *testing.B) func() {
	start, ok := Process()
	return func() {
		if end, _ := Process(); ok && b.N > 0 {
			b.ReportMetric(float64((end-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
		}
	}
}
