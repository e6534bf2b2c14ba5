//go:build !unix

package tunnel

// descriptorLimit: no RLIMIT_NOFILE here; the bound is the largest connLimitFor gives.
func descriptorLimit() uint64 { return 4 * maxConns }
