package cli

import (
	"fmt"
	"strings"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
)

// minIDPrefix is the shortest ID prefix taken, as git takes short hashes.
const minIDPrefix = 6

// resolveID turns a full ID or a unique prefix of one into the full ID; an ambiguous
// prefix lists its candidates (a usage error, exit 2).
func resolveID(f store.IDFinder, arg string) (string, error) {
	if len(arg) == payloads.IDLen {
		return strings.ToUpper(arg), nil
	}
	if len(arg) < minIDPrefix {
		return "", usagef("event ID %q is too short: give at least %d characters (see dexra-tui events)", clean(arg), minIDPrefix)
	}
	if len(arg) > payloads.IDLen {
		return "", fmt.Errorf("no event %s: an ID has %d characters: %w", clean(arg), payloads.IDLen, store.ErrNotFound)
	}
	const shown = 10
	ids, err := f.IDsWithPrefix(arg, shown+1)
	if err != nil {
		return "", err
	}
	switch len(ids) {
	case 0:
		return "", fmt.Errorf("no event ID starts with %s (see dexra-tui events): %w", clean(arg), store.ErrNotFound)
	case 1:
		return ids[0], nil
	}
	more := ""
	if len(ids) > shown {
		ids, more = ids[:shown], "\n  …"
	}
	return "", usagef("event ID prefix %s is ambiguous; it starts:\n  %s%s\ngive more characters", clean(arg), strings.Join(ids, "\n  "), more)
}

// resolveIDs resolves each argument (resolveID), stopping at the first error.
func resolveIDs(f store.IDFinder, args []string) ([]string, error) {
	out := make([]string, 0, len(args))
	for _, arg := range args {
		id, err := resolveID(f, arg)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}
