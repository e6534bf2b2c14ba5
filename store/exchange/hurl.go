package exchange

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"strings"

	"github.com/dexra/dexra-tui/payloads"
)

// HurlWriter writes a Hurl file (https://hurl.dev/docs/hurl-file.html): one request per
// event to {{host}}, the body as a base64 literal (exact bytes, whatever they are),
// and an assert that the answer is 2xx, or the status given.
type HurlWriter struct {
	w *bufio.Writer
}

// NewHurlWriter writes to w; run it with hurl --test --variable host=URL FILE.
func NewHurlWriter(w io.Writer) *HurlWriter {
	hw := &HurlWriter{w: bufio.NewWriter(w)}
	hw.w.WriteString("# dexra-tui export: run with  hurl --test --variable host=http://127.0.0.1:3000 FILE\n")
	return hw
}

// Write adds ev (already redacted), asserting 2xx.
func (hw *HurlWriter) Write(ev *payloads.Event) error { return hw.WriteExpect(ev, 0) }

// WriteExpect adds ev asserting status (0: any 2xx).
func (hw *HurlWriter) WriteExpect(ev *payloads.Event, status int) error {
	w := hw.w
	fmt.Fprintf(w, "\n# %s\n", label(ev))
	headers, dropped := requestHeaders(ev.Headers)
	for _, name := range dropped {
		fmt.Fprintf(w, "# %s was redacted in the export and is not sent\n", oneLine(name))
	}
	fmt.Fprintf(w, "%s {{host}}%s\n", ev.Method, hurlURL(target(ev)))
	for _, h := range headers {
		fmt.Fprintf(w, "%s: %s\n", h.Name, hurlValue(h.Value))
	}
	if len(ev.Body) > 0 {
		fmt.Fprintf(w, "base64,%s;\n", base64.StdEncoding.EncodeToString(ev.Body))
	}
	if status != 0 {
		fmt.Fprintf(w, "HTTP %d\n", status)
	} else {
		w.WriteString("HTTP *\n[Asserts]\nstatus >= 200\nstatus < 300\n")
	}
	return nil
}

// Close flushes the file.
func (hw *HurlWriter) Close() error { return hw.w.Flush() }

// hurlValue escapes what Hurl reads as syntax in a header value: \, # (a comment),
// { (a template) and the spaces it trims at either end, with the escapes of Hurl's
// grammar (\\ and \u{…}).
func hurlValue(s string) string {
	s = strings.NewReplacer(`\`, `\\`, `#`, `\u{23}`, `{`, `\u{7b}`).Replace(s)
	if strings.HasPrefix(s, " ") {
		s = `\u{20}` + s[1:]
	}
	if strings.HasSuffix(s, " ") {
		s = s[:len(s)-1] + `\u{20}`
	}
	return s
}

// hurlURL keeps a request target from reading as a template or a comment: { and # are
// percent-encoded (a request target holds neither raw in practice).
func hurlURL(s string) string {
	return strings.NewReplacer("{", "%7B", "#", "%23", " ", "%20").Replace(s)
}
