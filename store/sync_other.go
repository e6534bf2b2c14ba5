//go:build !linux

package store

import (
	"os"
	"runtime"
)

// syncData flushes f to the disk (fsync where there is no fdatasync).
func syncData(f *os.File) error { return f.Sync() }

// syncDir makes a file created in dir survive a crash of the machine, where the
// system lets a directory be synced (not on Windows).
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && runtime.GOOS != "windows" {
		return err
	}
	return nil
}
