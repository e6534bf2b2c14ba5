package tunnel

import (
	"strings"

	"github.com/dexra/dexra-tui/payloads"
)

// PathHasPrefix reports whether path lies under prefix, segment-wise: "/dexatel"
// covers "/dexatel" and "/dexatel/x" but not "/dexatelx"; "" and "/" cover everything.
func PathHasPrefix(path, prefix string) bool {
	prefix = strings.TrimRight(prefix, "/")
	if prefix == "" {
		return true
	}
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

// MatchRoute is the route that governs path: the longest matching prefix (the first
// of equals), so the listener, the forwarder and trigger all pick the same one.
func MatchRoute(routes []Route, path string) (Route, bool) {
	var best Route
	found := false
	for _, r := range routes {
		if PathHasPrefix(path, r.Prefix) && (!found || prefixLen(r) > prefixLen(best)) {
			best, found = r, true
		}
	}
	return best, found
}

func prefixLen(r Route) int { return len(strings.TrimRight(r.Prefix, "/")) }

// verifyFor is the verification config for path: the default, overridden by the
// longest matching route.
func (l *Listener) verifyFor(path string) payloads.VerifyConfig {
	vc := l.cfg.Verify
	if r, ok := MatchRoute(l.cfg.Routes, path); ok {
		if r.Scheme != "" {
			vc.Scheme = r.Scheme
		}
		if len(r.Secrets) > 0 {
			vc.Secrets = r.Secrets
		}
	}
	return vc
}
