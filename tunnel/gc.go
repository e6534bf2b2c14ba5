package tunnel

import (
	"runtime/debug"
	"strconv"
)

// The listener allocates a few KB per request (net/http, the body, its parse and its
// record) over a small live heap, so with Go's default (GC at 100% growth) the
// collector runs thousands of times a second under load. Letting the heap grow to five
// times what is live before collecting measured faster (BenchmarkIngest), and the
// memory limit keeps that from growing without bound on a large live heap.
const (
	gcPercent     = 400
	gcMemoryLimit = 512 << 20
)

// TuneGC applies the program's GC settings unless the user chose their own with GOGC
// or GOMEMLIMIT, and says which percent is in effect (-1: off).
func TuneGC(env func(string) string) int {
	if v := env("GOGC"); v != "" {
		if v == "off" {
			return -1
		}
		if p, err := strconv.Atoi(v); err == nil {
			return p
		}
		return 100 // the runtime ignores a GOGC it cannot parse
	}
	debug.SetGCPercent(gcPercent)
	if env("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(gcMemoryLimit)
	}
	return gcPercent
}
