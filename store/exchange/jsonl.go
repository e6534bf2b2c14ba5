package exchange

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/dexra/dexra-tui/payloads"
)

// jsonlMarker is the key every jsonl line starts with; its value is the format version.
const jsonlMarker = "dexra_tui"

const jsonlVersion = 1

// jsonlRecord is one line: the whole event (its JSON form), the body as text when it
// is UTF-8 and as base64 otherwise.
type jsonlRecord struct {
	Version int `json:"dexra_tui"`
	*payloads.Event
	Body       *string `json:"body,omitempty"`
	BodyBase64 string  `json:"body_base64,omitempty"`
}

// JSONLWriter writes one event per line: lossless, what Import reads back exactly.
type JSONLWriter struct {
	w     io.Writer
	buf   []byte // lines not yet written: encoded in place, written a block at a time
	names []string
	err   error
}

// jsonlBlock is how much the writer gathers before it writes.
const jsonlBlock = 256 << 10

// NewJSONLWriter writes to w; Close writes what is left.
func NewJSONLWriter(w io.Writer) *JSONLWriter {
	return &JSONLWriter{w: w, buf: make([]byte, 0, jsonlBlock+jsonlBlock/4)}
}

// Write adds ev (already redacted) as one line.
func (jw *JSONLWriter) Write(ev *payloads.Event) error {
	if jw.err != nil {
		return jw.err
	}
	b, _, err := appendLines(jw.buf, []*payloads.Event{ev}, nil, &jw.names)
	if jw.buf = b; err != nil {
		return err
	}
	if len(jw.buf) >= jsonlBlock {
		return jw.flush()
	}
	return nil
}

// writeLines adds lines already encoded (Export encodes on the goroutines that read).
func (jw *JSONLWriter) writeLines(lines []byte) error {
	if jw.err != nil {
		return jw.err
	}
	if len(jw.buf)+len(lines) < jsonlBlock {
		jw.buf = append(jw.buf, lines...)
		return nil
	}
	if err := jw.flush(); err != nil {
		return err
	}
	_, jw.err = jw.w.Write(lines)
	return jw.err
}

func (jw *JSONLWriter) flush() error {
	if jw.err == nil && len(jw.buf) > 0 {
		_, jw.err = jw.w.Write(jw.buf)
	}
	if cap(jw.buf) > 4*jsonlBlock {
		jw.buf = nil // one huge body: do not keep its buffer
	}
	jw.buf = jw.buf[:0]
	return jw.err
}

// Close writes what is gathered.
func (jw *JSONLWriter) Close() error { return jw.flush() }

// ReadJSONL reads a jsonl export whole; the first bad line stops it with an error
// naming file and line, and nothing is returned. Lines are decoded on every core.
func ReadJSONL(data []byte, file string) ([]*payloads.Event, error) {
	type line struct {
		no  int
		raw []byte
	}
	var lines []line
	for no := 1; len(data) > 0; no++ {
		var raw []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			raw, data = data[:i], data[i+1:]
		} else {
			raw, data = data, nil
		}
		if raw = bytes.TrimSpace(raw); len(raw) > 0 {
			lines = append(lines, line{no, raw})
		}
	}
	out := make([]*payloads.Event, len(lines))
	errs := make([]error, len(lines))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(lines)/256))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(lines); i += workers {
				out[i], errs[i] = decodeJSONLLine(lines[i].raw)
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", file, lines[i].no, err)
		}
	}
	return out, nil
}

func decodeJSONLLine(raw []byte) (*payloads.Event, error) {
	rec := jsonlRecord{Event: &payloads.Event{}}
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, fmt.Errorf("not a JSON event: %w", err)
	}
	if rec.Version != jsonlVersion {
		return nil, fmt.Errorf("%q is %d; this dexra-tui reads version %d (is this a dexra-tui jsonl export?)", jsonlMarker, rec.Version, jsonlVersion)
	}
	ev := rec.Event
	switch {
	case rec.Body != nil && rec.BodyBase64 != "":
		return nil, fmt.Errorf(`event %s has both "body" and "body_base64"`, ev.ID)
	case rec.Body != nil:
		ev.Body = []byte(*rec.Body)
	case rec.BodyBase64 != "":
		b, err := base64.StdEncoding.DecodeString(rec.BodyBase64)
		if err != nil {
			return nil, fmt.Errorf("event %s: body_base64: %w", ev.ID, err)
		}
		ev.Body = b
	}
	if err := validEvent(ev); err != nil {
		return nil, err
	}
	ev.Seq, ev.DuplicateOf = 0, "" // the importing history decides both
	return ev, nil
}

// validTime: event IDs are made from the received time, which must fit them.
func validTime(t time.Time) bool {
	return !t.Before(time.Unix(0, 0)) && t.Year() <= 9999
}

// validEvent checks what the history needs of an imported event.
func validEvent(ev *payloads.Event) error {
	switch {
	case ev.ID != "" && len(ev.ID) != payloads.IDLen:
		return fmt.Errorf("event ID %q is not a dexra-tui ID (%d characters)", oneLine(ev.ID), payloads.IDLen)
	case ev.Method == "" || strings.ContainsAny(ev.Method, " \t\r\n/\"()<>@,;:\\[]?={}"):
		return fmt.Errorf("event %s: method %q is not an HTTP method", ev.ID, oneLine(ev.Method))
	case len(ev.Path) == 0 || ev.Path[0] != '/':
		return fmt.Errorf("event %s: path %q does not start with /", ev.ID, oneLine(ev.Path))
	case !validTime(ev.Received):
		return fmt.Errorf("event %s: received time %s is not between 1970 and 9999", ev.ID, ev.Received.Format(time.RFC3339))
	}
	if ev.Rejected == "" && ev.Size != len(ev.Body) {
		return fmt.Errorf("event %s: size is %d but the body has %d bytes", ev.ID, ev.Size, len(ev.Body))
	}
	return nil
}
