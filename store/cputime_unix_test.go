//go:build unix

package store

import (
	"syscall"
	"testing"
	"time"
)

// reportCPU reports the process CPU time (user+system) per op from when it is called
// until the returned func runs: unlike ns/op, it does not grow when other processes
// compete for the cores.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
