//go:build unix

package tunnel

import (
	"os"
	"syscall"
)

// allocatedBytes is the disk space the file takes (its blocks), 0 if unknown.
func allocatedBytes(info os.FileInfo) int64 {
	if sys, ok := info.Sys().(*syscall.Stat_t); ok {
		return int64(sys.Blocks) * 512
	}
	return 0
}
