package sig

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// headerValue returns the first value of the named header and whether the header is
// present. Besides the canonical key it tries the all-lowercase one (HTTP/2 style, kept
// by events built or imported by hand) and the name as given: constant work per lookup,
// whatever the number of headers a hostile request carries.
func headerValue(h http.Header, name string) (string, bool) {
	forms := headerForms(name)
	if v := h[forms[0]]; len(v) > 0 {
		return trimOWS(v[0]), true
	}
	// Each form once: scheme header names are canonical, so name is usually forms[0].
	if forms[1] != forms[0] {
		if v := h[forms[1]]; len(v) > 0 {
			return trimOWS(v[0]), true
		}
	}
	if name != forms[0] && name != forms[1] {
		if v := h[name]; len(v) > 0 {
			return trimOWS(v[0]), true
		}
	}
	return "", false
}

// maxHeaderForms bounds the cache of header name forms; the names come from the schemes
// and configuration, so in practice it holds a few dozen.
const maxHeaderForms = 256

var (
	headerFormCache sync.Map // name → [2]string{canonical, lowercase}
	headerFormCount atomic.Int32
)

// headerForms is the canonical and the lowercase form of a header name, remembered:
// computing them cost two allocations on each of the dozen lookups auto-detection makes.
func headerForms(name string) [2]string {
	if f, ok := headerFormCache.Load(name); ok {
		return f.([2]string)
	}
	f := [2]string{textproto.CanonicalMIMEHeaderKey(name), strings.ToLower(name)}
	if headerFormCount.Load() < maxHeaderForms {
		if _, loaded := headerFormCache.LoadOrStore(name, f); !loaded {
			headerFormCount.Add(1)
		}
	}
	return f
}

// trimOWS strips what HTTP treats as optional whitespace around a field value (plus
// line ends, for values pasted on a command line), and nothing else.
func trimOWS(s string) string { return strings.Trim(s, " \t\r\n") }

func hasHeader(h http.Header, name string) bool {
	_, ok := headerValue(h, name)
	return ok
}

// headerSafe reports whether s arrives unchanged as a header value: no control
// characters, and no surrounding blanks (HTTP strips those).
func headerSafe(s string) bool {
	if trimOWS(s) != s {
		return false
	}
	for _, c := range []byte(s) {
		if c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// maxUnix is 9999-12-31T23:59:59Z: later (or negative) timestamps are not real send times.
const maxUnix = 253402300799

// parseUnix parses a timestamp header of integer seconds since the epoch; what is
// empty on success and otherwise says what is wrong.
func parseUnix(s string) (t time.Time, what string) {
	if s == "" {
		return time.Time{}, "empty timestamp"
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, "timestamp is not an integer number of seconds"
	}
	if n < 0 || n > maxUnix {
		return time.Time{}, "timestamp out of range"
	}
	return time.Unix(n, 0), ""
}

// newMessageID makes a Standard Webhooks style message id.
func newMessageID() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails: crypto/rand aborts the program instead
	return "msg_" + hex.EncodeToString(b)
}

// orNow is t, or the current time when t is zero.
func orNow(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

// maxShown bounds how much of a received header a verdict keeps: hostile requests
// may carry megabytes, and verdicts are stored with every event.
const maxShown = 256

func clip(s string) string {
	if len(s) <= maxShown {
		return s
	}
	cut := maxShown
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
