//go:build !linux

package store

import "os"

// syncData flushes f to the disk (fsync where there is no fdatasync).
func syncData(f *os.File) error { return f.Sync() }
