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
// missing final newline survive, and the terminal never sees raw bytes.
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
	w.WriteString(shellQuote(ev.Method))
	w.WriteString(" \"$HOST\"")
	w.WriteString(shellQuote(target(ev)))
	has := map[string]bool{}
	for _, h := range headers {
		has[http.CanonicalHeaderKey(h.Name)] = true
		w.WriteString(" \\\n  -H ")
		if h.Value == "" {
			w.WriteString(shellQuote(h.Name + ";")) // curl's form for an empty value
		} else {
			w.WriteString(shellQuote(h.Name + ": " + h.Value))
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
func writePrintfBytes(w *bufio.Writer, b []byte) {
	for _, c := range b {
		if c >= 0x20 && c < 0x7f && c != '\\' && c != '%' && c != '\'' {
			w.WriteByte(c)
			continue
		}
		fmt.Fprintf(w, "\\%03o", c)
	}
}

// shellQuote is s in single quotes for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
