package tunnel

import (
	"slices"
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

// sortRoutes returns a copy of routes, longest prefix first, so the first match wins.
func sortRoutes(routes []Route) []Route {
	out := slices.Clone(routes)
	slices.SortStableFunc(out, func(a, b Route) int {
		return len(strings.TrimRight(b.Prefix, "/")) - len(strings.TrimRight(a.Prefix, "/"))
	})
	return out
}

// verifyFor is the verification config for path: the default, overridden by the
// longest matching route.
func (l *Listener) verifyFor(path string) payloads.VerifyConfig {
	vc := l.cfg.Verify
	for _, r := range l.cfg.Routes {
		if !PathHasPrefix(path, r.Prefix) {
			continue
		}
		if r.Scheme != "" {
			vc.Scheme = r.Scheme
		}
		if len(r.Secrets) > 0 {
			vc.Secrets = r.Secrets
		}
		break
	}
	return vc
}
