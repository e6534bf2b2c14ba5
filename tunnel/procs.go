package tunnel

import "runtime"

// blockingSyncs is how many goroutines may wait in fdatasync at once: the log's
// batch sync (store's logger) and the history's commit. A goroutine in a syscall
// keeps its P until sysmon takes it back, which takes at least one sysmon tick: 20 µs
// asked, but its sleep rounds up to a millisecond on some virtual machines (this one
// included), far past a 250 µs sync. With one P per core, two syncs can leave the
// request handlers no core of two.
const blockingSyncs = 2

// TuneProcs, called once at start, gives the runtime a P for each goroutine that may
// block in a sync on top of its default (the cores, or the CPU quota), unless the
// user chose GOMAXPROCS, and says how many Ps are in effect. BenchmarkIngest, two
// cores: 10.4–11.3k → 17.2–19.0k requests/s at 64 clients, 5.9–6.4k → 9.1–10.3k at 8.
func TuneProcs(env func(string) string) int {
	if env("GOMAXPROCS") != "" {
		return runtime.GOMAXPROCS(0)
	}
	n := runtime.GOMAXPROCS(0) + blockingSyncs
	runtime.GOMAXPROCS(n)
	return n
}
