// Package exchange writes the history in the formats other tools read (jsonl, a
// directory of fixtures, HAR 1.2, curl scripts, .http request files, Hurl) and reads
// jsonl, fixtures and HAR back. Exports are redacted (Redactor); the request bytes are
// kept exactly, since signatures are over them. An unfiltered export reads the history
// in windows of seqs on two goroutines (readWindows), which also redact and, for
// jsonl, encode their pages: decoding whole events costs more than the listing's
// brief ones, and one reader (or one encoder) would keep the rest waiting.
package exchange

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
)

// Format is an export or import format.
type Format string

const (
	JSONL    Format = "jsonl"
	Fixtures Format = "fixtures"
	HAR      Format = "har"
	Curl     Format = "curl"
	HTTPFile Format = "http"
	Hurl     Format = "hurl"
	Auto     Format = "auto" // import only: decided by Detect
)

// ExportFormats and ImportFormats are the formats each direction takes.
var (
	ExportFormats = []Format{JSONL, Fixtures, HAR, Curl, HTTPFile, Hurl}
	ImportFormats = []Format{Auto, JSONL, Fixtures, HAR}
)

// ParseFormat reads a format name from the list allowed.
func ParseFormat(s string, allowed []Format) (Format, error) {
	for _, f := range allowed {
		if strings.EqualFold(strings.TrimSpace(s), string(f)) {
			return f, nil
		}
	}
	names := make([]string, len(allowed))
	for i, f := range allowed {
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown format %q (one of: %s)", s, strings.Join(names, ", "))
}

// Directory reports whether f writes a directory rather than one file.
func (f Format) Directory() bool { return f == Fixtures }

// Detect names the format of the file or directory at path: a directory is fixtures;
// a file is told by its first JSON object's keys (jsonl's "dexra_tui", HAR's "log",
// a fixture's "dexra_fixture").
func Detect(path string, data []byte) (Format, error) {
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return Fixtures, nil
	}
	keys, err := firstObjectKeys(data)
	if err != nil {
		return "", fmt.Errorf("%s: cannot tell its format (%v); pass --format jsonl, fixtures or har", path, err)
	}
	switch {
	case keys[jsonlMarker]:
		return JSONL, nil
	case keys["log"]:
		return HAR, nil
	case keys["dexra_fixture"]:
		return Fixtures, nil
	}
	return "", fmt.Errorf("%s: not a dexra-tui jsonl export, a fixture or a HAR file (its first object has none of the keys %q, \"log\", \"dexra_fixture\"); pass --format", path, jsonlMarker)
}

// firstObjectKeys are the top-level keys of the first JSON object in data.
func firstObjectKeys(data []byte) (map[string]bool, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("it does not start with a JSON object")
	}
	keys := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, _ := tok.(string)
		keys[k] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// ImportedFromHeader marks an imported event with the file it came from. It is a
// header, not an event field, so the history's record format need not change.
const ImportedFromHeader = "X-Dexra-Tui-Imported-From"

// MarkImported records on each event that it was imported from file (its absolute path).
func MarkImported(events []*payloads.Event, file string) {
	abs, err := filepath.Abs(file)
	if err != nil {
		abs = file
	}
	mark := []string{abs}
	for _, ev := range events {
		if ev.Headers == nil {
			ev.Headers = http.Header{}
		}
		ev.Headers[ImportedFromHeader] = mark // shared: stored events are not changed in place
	}
}

// requestHeaders are ev's headers as a new request sends them, sorted by name: not
// the captured connection's (Content-Length, Host, hop-by-hop), not redacted values;
// dropped names the redacted ones left out.
func requestHeaders(h http.Header) (kept []nameValue, dropped []string) {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if isConnectionHeader(name) {
			continue
		}
		values := h[name]
		if containsRedacted(values) {
			dropped = append(dropped, name)
			continue
		}
		for _, v := range values {
			kept = append(kept, nameValue{Name: name, Value: v})
		}
	}
	return kept, dropped
}

type nameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func isConnectionHeader(name string) bool {
	switch http.CanonicalHeaderKey(name) {
	case "Connection", "Keep-Alive", "Proxy-Connection", "Te", "Trailer", "Transfer-Encoding",
		"Upgrade", "Content-Length", "Host", "Expect":
		return true
	}
	return false
}

func containsRedacted(values []string) bool {
	for _, v := range values {
		if v == store.Redacted {
			return true
		}
	}
	return false
}

// target is the request target: path and query.
func target(ev *payloads.Event) string {
	if ev.Query != "" {
		return ev.Path + "?" + ev.Query
	}
	return ev.Path
}

// label is the one-line description of ev that exports put in comments.
func label(ev *payloads.Event) string {
	name := ev.Source
	if ev.Type != "" {
		name += "." + ev.Type
	}
	return oneLine(fmt.Sprintf("%s %s received %s, signature %s %s", ev.ID, name,
		ev.Received.UTC().Format("2006-01-02T15:04:05Z"), orDash(ev.Signature.Scheme), orDash(string(ev.Signature.Status))))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLine keeps s to printable ASCII on one line (it lands in comments of scripts).
func oneLine(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r > 0x7e {
			b.WriteByte('?')
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
