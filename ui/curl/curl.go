// Package curl turns a captured event into a curl command that, run in a POSIX shell,
// sends the same method, path, headers and body bytes again.
package curl

import (
	"encoding/base64"
	"net/http"
	"sort"
	"strings"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// skipped are headers curl sets itself from the URL and body; copying them would
// disagree with what curl sends (Content-Length) or is connection-scoped.
var skipped = map[string]bool{
	"Content-Length":    true,
	"Host":              true,
	"Transfer-Encoding": true,
	"Connection":        true,
	"Keep-Alive":        true,
	"Te":                true,
	"Trailer":           true,
	"Upgrade":           true,
	"Proxy-Connection":  true,
}

// defaults are headers curl adds on its own; when the event had none, the command
// removes curl's ("-H 'Accept:'") so the request is the one that was captured.
var defaults = []string{"Accept", "Content-Type", "User-Agent"}

// Command returns a shell command that replays ev against base (scheme://host[:port]).
// Bodies that are printable text travel inline in single quotes; anything else
// (binary, control characters) travels as base64 through `base64 -d`.
func Command(ev *payloads.Event, base string) string {
	var b strings.Builder
	inline := inlineBody(ev.Body)
	if len(ev.Body) > 0 && !inline {
		b.WriteString("printf '%s' ")
		b.WriteString(base64.StdEncoding.EncodeToString(ev.Body))
		b.WriteString(" | base64 -d | ")
	}
	b.WriteString("curl -sS --globoff --path-as-is")
	method := ev.Method
	if method == "" {
		method = http.MethodPost
	}
	if method != http.MethodPost {
		b.WriteString(" -X ")
		b.WriteString(quote(method))
	}
	for _, name := range sortedNames(ev.Headers) {
		if skipped[name] {
			continue
		}
		for _, v := range ev.Headers[name] {
			b.WriteString(" -H ")
			b.WriteString(quote(name + ": " + v))
		}
	}
	for _, name := range defaults {
		if _, ok := ev.Headers[name]; !ok {
			b.WriteString(" -H ")
			b.WriteString(quote(name + ":"))
		}
	}
	switch {
	case len(ev.Body) > 0 && !inline:
		b.WriteString(" --data-binary @-")
	case len(ev.Body) > 0 || method == http.MethodPost:
		b.WriteString(" --data-binary ")
		b.WriteString(quote(string(ev.Body)))
	}
	b.WriteString(" ")
	b.WriteString(quote(target(ev, base)))
	return b.String()
}

// target is base plus the path and query exactly as received.
func target(ev *payloads.Event, base string) string {
	u := strings.TrimRight(base, "/")
	path := ev.Path
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	u += path
	if ev.Query != "" {
		u += "?" + ev.Query
	}
	return u
}

func sortedNames(h http.Header) []string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// printable reports whether s can sit inside single quotes on a pasted command line:
// text the terminal shows as it is (see sanitize), where only newlines are allowed
// among the controls (a pasted tab would trigger shell completion).
func printable(s string) bool {
	for _, line := range strings.Split(s, "\n") {
		if !sanitize.Safe(line) {
			return false
		}
	}
	return true
}

// inlineBody reports whether the body can be passed as a quoted --data-binary value;
// a leading '@' would make curl read a file instead.
func inlineBody(body []byte) bool {
	return (len(body) == 0 || body[0] != '@') && printable(string(body))
}

// quote makes s one shell word. Printable text goes in single quotes; anything else is
// rebuilt by printf from octal escapes, so no raw control byte reaches the paste. (The
// printf form is only used for header values, the method and the URL, which never end
// in a newline that $(...) would drop.)
func quote(s string) string {
	if printable(s) {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	var f strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			f.WriteString("%%")
		case c == '\\':
			f.WriteString(`\\`)
		case c == '\'':
			f.WriteString(`'\''`)
		case c < 0x20 || c >= 0x7f:
			f.WriteByte('\\')
			f.WriteByte('0' + c>>6)
			f.WriteByte('0' + (c>>3)&7)
			f.WriteByte('0' + c&7)
		default:
			f.WriteByte(c)
		}
	}
	return `"$(printf '` + f.String() + `')"`
}
