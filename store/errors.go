package store

import "errors"

var (
	// ErrNotFound: no event with that ID (or it was pruned by retention).
	ErrNotFound = errors.New("event not found")
	// ErrLocked: another process holds the history file.
	ErrLocked = errors.New("history is in use by another dexra-tui process")
	// ErrCorrupt: the file is not a readable dexra-tui history. It is left untouched.
	ErrCorrupt = errors.New("history file is corrupt")
	// ErrRecoveryNeeded: a read-only Open found work only a writing Open does (an
	// older schema to upgrade). Nothing was changed.
	ErrRecoveryNeeded = errors.New("history needs a writing open first")
	// ErrSchemaTooNew: a newer dexra-tui wrote the file; this build refuses to touch it.
	ErrSchemaTooNew = errors.New("history schema is newer than this build")
)

// openError carries a message written for the person at the terminal, and still
// answers errors.Is for its kind (ErrLocked, ErrCorrupt) and its cause.
type openError struct {
	msg   string
	kind  error
	cause error
}

func (e *openError) Error() string {
	if e.cause != nil {
		return e.msg + ": " + e.cause.Error()
	}
	return e.msg
}

func (e *openError) Unwrap() []error {
	if e.cause != nil {
		return []error{e.kind, e.cause}
	}
	return []error{e.kind}
}
