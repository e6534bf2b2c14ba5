// Package relay takes webhooks from a smee.io-compatible channel (server-sent events)
// and hands each to the listener's webhook handler as if it had been received.
package relay

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
)

// sseEvent is one dispatched server-sent event.
type sseEvent struct {
	ID   string
	Type string // "message" unless the stream named another
	Data string
}

// sseReader reads the text/event-stream format (WHATWG HTML, "Server-sent events").
type sseReader struct {
	sc *bufio.Scanner
	// LastID is the last event ID the stream set, for Last-Event-ID on reconnection.
	LastID string
	// Retry is the reconnection time the stream asked for (0: none).
	Retry time.Duration
	// onLine is called for every line read (the relay's idle watchdog).
	onLine func()
}

// errEventTooLarge: a line longer than the limit; the stream cannot be resynchronised.
var errEventTooLarge = errors.New("server-sent event larger than the limit")

func newSSEReader(r io.Reader, maxLine int) *sseReader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	sc.Split(scanSSELines)
	return &sseReader{sc: sc}
}

// scanSSELines splits on CRLF, LF or CR, as the format allows all three.
func scanSSELines(data []byte, atEOF bool) (advance int, token []byte, err error) {
	if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
		if data[i] == '\r' {
			if i+1 == len(data) && !atEOF {
				return 0, nil, nil // a CR at the end of the buffer may start a CRLF
			}
			if i+1 < len(data) && data[i+1] == '\n' {
				return i + 2, data[:i], nil
			}
		}
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// Next returns the next event, io.EOF at the end of the stream.
func (r *sseReader) Next() (sseEvent, error) {
	var data strings.Builder
	hasData := false
	ev := sseEvent{}
	for r.sc.Scan() {
		if r.onLine != nil {
			r.onLine()
		}
		line := r.sc.Text()
		if line == "" {
			if !hasData {
				ev = sseEvent{}
				continue
			}
			ev.Data = strings.TrimSuffix(data.String(), "\n")
			if ev.Type == "" {
				ev.Type = "message"
			}
			ev.ID = r.LastID
			return ev, nil
		}
		if line[0] == ':' {
			continue // a comment (keep-alive)
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			ev.Type = value
		case "data":
			data.WriteString(value)
			data.WriteByte('\n')
			hasData = true
		case "id":
			if !strings.ContainsRune(value, 0) {
				r.LastID = value
			}
		case "retry":
			if ms, err := strconv.Atoi(value); err == nil && ms >= 0 {
				r.Retry = time.Duration(ms) * time.Millisecond
			}
		}
	}
	if err := r.sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return sseEvent{}, errEventTooLarge
		}
		return sseEvent{}, err
	}
	return sseEvent{}, io.EOF
}
