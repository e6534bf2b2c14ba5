package cputime

import (
	"runtime"
	"testing"
	"time"
)

// Spinning uses CPU time, and Process sees it grow by about as much.
func TestProcessGrowsWithWork(t *testing.T) {
	before, ok := Process()
	if !ok {
		t.Skipf("no process CPU time on %s", runtime.GOOS)
	}
	start := time.Now()
	for time.Since(start) < 50*time.Millisecond {
	}
	after, _ := Process()
	if used := after - before; used < 25*time.Millisecond {
		t.Fatalf("50 ms of spinning counted as %v of CPU", used)
	}
}
