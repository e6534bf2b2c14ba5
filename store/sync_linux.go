package store

import (
	"os"
	"syscall"
)

// syncData flushes f's data (and the size, when it grew) to the disk, not its times:
// fdatasync, as bbolt does on Linux.
func syncData(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			return err
		}
	}
}

// syncDir makes a file created in dir survive a crash of the machine.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
