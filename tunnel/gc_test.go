package tunnel

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
)

func TestTuneGCLeavesTheUsersChoice(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	env := map[string]string{"GOGC": "50"}
	if got := TuneGC(func(k string) string { return env[k] }); got != 50 {
		t.Fatalf("TuneGC with GOGC=50 says %d", got)
	}
	if p := debug.SetGCPercent(100); p != 100 {
		t.Fatalf("TuneGC changed the GC percent to %d although GOGC was set", p)
	}
	if got := TuneGC(func(string) string { return "" }); got != gcPercent {
		t.Fatalf("TuneGC without GOGC says %d, want %d", got, gcPercent)
	}
	if p := debug.SetGCPercent(100); p != gcPercent {
		t.Fatalf("GC percent %d after TuneGC, want %d", p, gcPercent)
	}
	if l := debug.SetMemoryLimit(-1); l != gcMemoryLimit {
		t.Fatalf("memory limit %d after TuneGC, want %d", l, gcMemoryLimit)
	}
}

func TestTuneProcsAddsAPPerBlockingSyncUnlessTheUserChose(t *testing.T) {
	before := runtime.GOMAXPROCS(2)
	defer runtime.GOMAXPROCS(before)
	if got := TuneProcs(func(k string) string { return map[string]string{"GOMAXPROCS": "2"}[k] }); got != 2 {
		t.Fatalf("TuneProcs with GOMAXPROCS=2 says %d", got)
	}
	if p := runtime.GOMAXPROCS(0); p != 2 {
		t.Fatalf("TuneProcs changed GOMAXPROCS to %d although the user set it", p)
	}
	if got := TuneProcs(func(string) string { return "" }); got != 2+blockingSyncs {
		t.Fatalf("TuneProcs without GOMAXPROCS says %d, want %d", got, 2+blockingSyncs)
	}
	if p := runtime.GOMAXPROCS(0); p != 2+blockingSyncs {
		t.Fatalf("GOMAXPROCS %d after TuneProcs, want %d", p, 2+blockingSyncs)
	}
}
