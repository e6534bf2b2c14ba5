package exchange

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"unicode/utf8"

	"github.com/dexra/dexra-tui/payloads"
)

// HTTPFileWriter writes the .http request-file format of VS Code REST Client,
// JetBrains, httpyac and slumber: "###" between requests, a {{host}} variable for the
// target. A body is written inline when the clients send it back exactly (text, no
// carriage return or final newline, nothing they would read as syntax or a variable);
// otherwise it goes to a file beside the .http file, referenced with "< path", when a
// directory for them was given, and inline with a warning comment when not.
type HTTPFileWriter struct {
	w       *bufio.Writer
	host    string
	bodyDir string // where body files go ("" = none)
	bodyRef string // how the .http file names bodyDir (relative to it)
	begun   bool
	inexact int
}

// NewHTTPFileWriter writes to w; host is the {{host}} default. bodyDir, when not "",
// takes the bodies that cannot be inline, named from the file as bodyRef.
func NewHTTPFileWriter(w io.Writer, host, bodyDir, bodyRef string) *HTTPFileWriter {
	return &HTTPFileWriter{w: bufio.NewWriter(w), host: host, bodyDir: bodyDir, bodyRef: bodyRef}
}

func (hw *HTTPFileWriter) begin() {
	if hw.begun {
		return
	}
	hw.begun = true
	fmt.Fprintf(hw.w, "# dexra-tui export: each request is one captured request, its body byte for byte.\n"+
		"# Point host at your app to send them there.\n@host = %s\n", oneLine(hw.host))
}

// Write adds ev (already redacted).
func (hw *HTTPFileWriter) Write(ev *payloads.Event) error {
	hw.begin()
	w := hw.w
	fmt.Fprintf(w, "\n### %s\n", label(ev))
	headers, dropped := requestHeaders(ev.Headers)
	for _, name := range dropped {
		fmt.Fprintf(w, "# %s was redacted in the export and is not sent\n", oneLine(name))
	}
	inline := inlineSafe(ev.Body)
	var ref string
	if !inline && hw.bodyDir != "" {
		name := ev.ID + ".body"
		if err := os.MkdirAll(hw.bodyDir, 0o755); err != nil {
			return fmt.Errorf("write body of %s: %w", ev.ID, err)
		}
		if err := os.WriteFile(filepath.Join(hw.bodyDir, name), ev.Body, 0o644); err != nil {
			return fmt.Errorf("write body of %s: %w", ev.ID, err)
		}
		ref = filepath.ToSlash(filepath.Join(hw.bodyRef, name))
	} else if !inline {
		hw.inexact++
		w.WriteString("# warning: this body is not sent byte for byte from a .http file; export with -o for an exact body file\n")
	}
	fmt.Fprintf(w, "%s {{host}}%s HTTP/1.1\n", ev.Method, target(ev))
	for _, h := range headers {
		fmt.Fprintf(w, "%s: %s\n", h.Name, h.Value)
	}
	switch {
	case len(ev.Body) == 0:
	case ref != "":
		fmt.Fprintf(w, "\n< ./%s\n", ref)
	default:
		w.WriteString("\n")
		w.Write(ev.Body)
		w.WriteString("\n")
	}
	return nil
}

// Inexact counts bodies written inline although a client may not send them exactly.
func (hw *HTTPFileWriter) Inexact() int { return hw.inexact }

// Close flushes the file.
func (hw *HTTPFileWriter) Close() error {
	hw.begin()
	return hw.w.Flush()
}

// inlineSafe reports whether .http clients send body back exactly when it is written
// inline: they join lines with \n and drop the blank lines before the next request,
// and read "###", "#", "//", "<" lines and {{…}} as their own syntax.
func inlineSafe(body []byte) bool {
	if len(body) == 0 {
		return true
	}
	if !utf8.Valid(body) || bytes.ContainsAny(body, "\r\x00") || bytes.Contains(body, []byte("{{")) {
		return false
	}
	if body[len(body)-1] == '\n' || body[0] == '\n' {
		return false
	}
	for _, line := range bytes.Split(body, []byte("\n")) {
		t := bytes.TrimLeft(line, " \t")
		if len(t) == 0 || t[0] == '#' || t[0] == '<' || bytes.HasPrefix(t, []byte("//")) || t[0] == '@' {
			return false
		}
		for _, c := range line {
			if c < 0x20 && c != '\t' || c == 0x7f {
				return false
			}
		}
	}
	return true
}
