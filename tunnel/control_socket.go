package tunnel

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"
)

// ErrControlInUse means another process already answers on the control socket.
var ErrControlInUse = errors.New("another dexra-tui process answers on the control socket")

// listenPrivateUnix binds a unix socket at path that only the owner can connect to.
// It binds inside a fresh 0700 directory, sets 0600, and only then renames the socket
// into place, so there is no moment when others could reach it.
func listenPrivateUnix(path string) (*net.UnixListener, error) {
	if err := removeStaleSocket(path); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(filepath.Dir(path), ".s") // short: sun_path holds ~104 bytes
	if err != nil {
		return nil, fmt.Errorf("control socket: make private directory: %w", err)
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "s")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: tmp, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("control socket: bind %s: %w", tmp, err)
	}
	ln.SetUnlinkOnClose(false) // the bound name moves; Close removes the final one itself
	if err := os.Chmod(tmp, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("control socket: chmod: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		ln.Close()
		return nil, fmt.Errorf("control socket: move into place at %s: %w", path, err)
	}
	return ln, nil
}

// removeStaleSocket removes a socket at path that nobody answers on (left by a
// crashed process). A live socket gives ErrControlInUse; a non-socket file is left
// alone and reported.
func removeStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("control socket: inspect %s: %w", path, err)
	}
	if fi.Mode().Type() != os.ModeSocket {
		return fmt.Errorf("control socket: %s exists and is not a socket; not touching it", path)
	}
	conn, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		conn.Close()
		return fmt.Errorf("%w: %s", ErrControlInUse, path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("control socket: remove stale %s: %w", path, err)
	}
	return nil
}
