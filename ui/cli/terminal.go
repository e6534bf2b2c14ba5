package cli

import (
	"os"

	"github.com/charmbracelet/x/term"
)

// isTerminal reports whether f is a terminal: a real tty check, since /dev/null is a
// character device too.
func isTerminal(f *os.File) bool { return term.IsTerminal(f.Fd()) }
