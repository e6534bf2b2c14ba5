package tunnel

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// ForwardTarget is one --forward-to (or replay --to): where events go, optionally only
// those received under a path prefix.
//
// How an event's request maps onto the target URL:
//
//   - A plain URL is used exactly as given, as Stripe CLI, Hookdeck and smee do:
//     `--forward-to http://localhost:3000/webhooks` posts every event to /webhooks.
//   - The event's path is added only when asked: in the /prefix=URL form, or with a
//     URL ending in "/*". The suffix is the event's path minus the route's prefix (a
//     catch-all keeps the whole path): "/dexatel/x" under "/dexatel" gives "/x", and
//     http://localhost:3000/hooks + "/x" = /hooks/x; a suffix of "" or "/" leaves the
//     target's path as it is.
//   - The event's query is appended to the target's own query ("a=1" + "b=2" =
//     "a=1&b=2"). Paths and queries keep their bytes as received, escapes included.
type ForwardTarget struct {
	Spec   string   // as given on the command line
	Prefix string   // "" for a catch-all target; otherwise "/x" without a trailing slash
	URL    *url.URL // http or https, with a host, no credentials, no fragment
	// AppendPath adds the event's path (minus Prefix) to URL's.
	AppendPath bool
}

// ParseForwardTarget reads "URL" (exactly that URL), "URL/*" (the event's path is
// appended) or "/prefix=URL" (events under prefix; the rest of their path is
// appended). A URL without a scheme gets http:// ("localhost:3000/hooks"), and a bare
// port means localhost ("3000").
func ParseForwardTarget(spec string) (ForwardTarget, error) {
	t := ForwardTarget{Spec: spec}
	raw := strings.TrimSpace(spec)
	if strings.HasPrefix(raw, "/") {
		prefix, rest, ok := strings.Cut(raw, "=")
		if !ok {
			return t, fmt.Errorf("forward target %q: a route is written /prefix=URL", spec)
		}
		if strings.ContainsAny(prefix, "?# \t") {
			return t, fmt.Errorf("forward target %q: the prefix %q must be a plain path", spec, prefix)
		}
		t.Prefix = strings.TrimRight(prefix, "/")
		t.AppendPath = true
		raw = strings.TrimSpace(rest)
	}
	if base, ok := strings.CutSuffix(raw, "/*"); ok {
		raw, t.AppendPath = base, true
	}
	u, err := parseTargetURL(raw)
	if err != nil {
		return t, fmt.Errorf("forward target %q: %w", spec, err)
	}
	t.URL = u
	return t, nil
}

// ParseForwardTargets parses every spec; the error names the first bad one.
func ParseForwardTargets(specs []string) ([]ForwardTarget, error) {
	out := make([]ForwardTarget, 0, len(specs))
	for _, s := range specs {
		t, err := ParseForwardTarget(s)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func parseTargetURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("no URL")
	}
	if isPort(strings.TrimPrefix(raw, ":")) {
		raw = "http://localhost:" + strings.TrimPrefix(raw, ":")
	} else if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("scheme %q: only http and https can be forwarded to", u.Scheme)
	case u.Host == "":
		return nil, errors.New("no host")
	case u.Port() != "" && !validPort(u.Port()):
		return nil, fmt.Errorf("port %s is not a number from 1 to 65535", u.Port())
	case u.User != nil:
		// The target URL is recorded on every attempt; credentials would land in the history.
		return nil, errors.New("credentials in the URL are not supported (they would be stored in the history)")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, errors.New("a fragment (#...) is never sent; remove it")
	}
	return u, nil
}

func validPort(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 1 && n <= 65535
}

func isPort(s string) bool {
	if s == "" || len(s) > 5 {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Label is the target as a short text for the console header: "localhost:3000/hooks"
// or "/dexatel → localhost:3000/hooks".
func (t ForwardTarget) Label() string {
	s := t.URL.Host + strings.TrimRight(t.URL.EscapedPath(), "/")
	if t.Prefix != "" {
		return t.Prefix + " → " + s
	}
	return s
}

// URLFor is the URL an event received at path (escaped, as recorded) and query goes to
// (see ForwardTarget for the rule). path must lie under t.Prefix.
func (t ForwardTarget) URLFor(path, query string) string {
	suffix := ""
	if t.AppendPath {
		suffix = strings.TrimPrefix(path, t.Prefix)
	}
	p := t.URL.EscapedPath()
	if suffix != "" && suffix != "/" {
		p = strings.TrimRight(p, "/") + suffix
	}
	if p == "" {
		p = "/"
	}
	q := t.URL.RawQuery
	switch {
	case q == "":
		q = query
	case query != "":
		q += "&" + query
	}
	u := t.URL.Scheme + "://" + t.URL.Host + p
	if q != "" {
		u += "?" + q
	}
	return u
}

// RouteTargets picks the targets for an event received at path: those with the
// longest prefix that covers it (segment-wise, see PathHasPrefix). Several targets
// with that same prefix all get the event; none is nil.
func RouteTargets(targets []ForwardTarget, path string) []ForwardTarget {
	var out []ForwardTarget
	for _, i := range routeIndexes(targets, path) {
		out = append(out, targets[i])
	}
	return out
}

// routeIndexes is RouteTargets as positions in targets.
func routeIndexes(targets []ForwardTarget, path string) []int {
	best := -1
	var out []int
	for i, t := range targets {
		if !PathHasPrefix(path, t.Prefix) {
			continue
		}
		switch n := len(t.Prefix); {
		case n > best:
			best, out = n, append(out[:0], i)
		case n == best:
			out = append(out, i)
		}
	}
	return out
}
