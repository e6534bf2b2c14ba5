package exchange

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/dexra/dexra-tui/payloads"
)

// CurlWriter writes a POSIX shell script of curl commands that send each event's exact
// bytes to $HOST (the listener by default). Bodies go through printf with every byte
// outside printable ASCII written as an octal escape, so binary bodies, NULs and a
// missing final newline survive, and the terminal never sees raw bytes; so do the
// method, the path and the header lines when they hold such bytes (see shellWord).
type CurlWriter struct {
	w     *bufio.Writer
	n     int
	host  string
	begun bool
}

// NewCurlWriter writes to w; host is the default of $HOST in the script.
func NewCurlWriter(w io.Writer, host string) *CurlWriter {
	return &CurlWriter{w: bufio.NewWriter(w), host: host}
}

func (cw *CurlWriter) begin() {
	if cw.begun {
		return
	}
	cw.begun = true
	fmt.Fprintf(cw.w, "#!/bin/sh\n# dexra-tui export: each command sends one captured request's exact bytes.\n"+
		"# HOST=http://127.0.0.1:3000 sh this-file  sends them to your app instead.\nset -e\nHOST=\"${HOST:-%s}\"\n", strings.ReplaceAll(cw.host, "\"", ""))
}

// Write adds the command for ev (already redacted).
func (cw *CurlWriter) Write(ev *payloads.Event) error {
	cw.begin()
	cw.n++
	w := cw.w
	fmt.Fprintf(w, "\n# %s\n", label(ev))
	headers, dropped := requestHeaders(ev.Headers)
	for _, name := range dropped {
		fmt.Fprintf(w, "# %s was redacted in the export and is not sent\n", oneLine(name))
	}
	w.WriteString("printf '")
	writePrintfBytes(w, ev.Body)
	w.WriteString("' | curl -sS -g -o /dev/null -w '%{http_code} ")
	w.WriteString(strings.ReplaceAll(oneLine(ev.ID), "'", ""))
	w.WriteString("\\n' -X ")
	w.WriteString(shellWord(ev.Method))
	w.WriteString(" \"$HOST\"")
	w.WriteString(shellWord(urlSafe(target(ev))))
	has := map[string]bool{}
	for _, h := range headers {
		has[http.CanonicalHeaderKey(h.Name)] = true
		w.WriteString(" \\\n  -H ")
		if h.Value == "" {
			w.WriteString(shellWord(h.Name + ";")) // curl's form for an empty value
		} else {
			w.WriteString(shellWord(h.Name + ": " + h.Value))
		}
	}
	// curl adds these unless told not to; the sender did not send them.
	for _, name := range []string{"Content-Type", "Accept", "User-Agent"} {
		if !has[name] {
			w.WriteString(" \\\n  -H ")
			w.WriteString(shellQuote(name + ":"))
		}
	}
	w.WriteString(" \\\n  -H 'Expect:' --data-binary @-\n")
	return nil
}

// Close flushes the script.
func (cw *CurlWriter) Close() error {
	cw.begin()
	return cw.w.Flush()
}

// writePrintfBytes writes b for a single-quoted printf format: printable ASCII as it
// is, everything else (and \, %, ') as a 3-digit octal escape.
func writePrintfBytes(w interface {
	io.Writer
	io.ByteWriter
}, b []byte) {
	for _, c := range b {
		if c >= 0x20 && c < 0x7f && c != '\\' && c != '%' && c != '\'' {
			w.WriteByte(c)
			continue
		}
		fmt.Fprintf(w, "\\%03o", c)
	}
}

// shellWord is s as one word for a POSIX shell: in single quotes when it is printable
// ASCII, else rebuilt by printf from octal escapes ("$(printf '...')"), so the script
// holds no raw control or non-ASCII byte and sends s's exact bytes. ($(...) drops a
// final newline and a shell drops NUL, neither of which a method, URL or header line
// can carry anyway.)
func shellWord(s string) string {
	if printableASCII(s) {
		return shellQuote(s)
	}
	var b strings.Builder
	b.WriteString(`"$(printf '`)
	writePrintfBytes(&b, []byte(s))
	b.WriteString(`')"`)
	return b.String()
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// urlSafe is a path and query with the bytes curl refuses in a URL (controls, space,
// DEL) percent-encoded, as any HTTP client must send them; a server decodes the same
// path. Every other byte is kept.
func urlSafe(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= 0x20 || c == 0x7f {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// shellQuote is s in single quotes for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
