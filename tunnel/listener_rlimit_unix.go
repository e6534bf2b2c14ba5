//go:build unix

package tunnel

import "syscall"

// descriptorLimit is the process's soft RLIMIT_NOFILE (Go raises it to the hard limit
// at start-up), or 1,024 when it cannot be read.
func descriptorLimit() uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur == 0 {
		return 1024
	}
	return uint64(rl.Cur) // int64 on some BSDs
}
