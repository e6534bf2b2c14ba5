package tunnel

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
)

// controlAppend records an outbound event (a sent message) through the process that
// holds the history, so `send` works while a listener or the console runs.
//
// The serving side is appendCall, for controlHandler to register with
// handle(mux, controlAppend, appendCall(r)) (control_server.go belongs to another
// branch this round). A process without it answers 404, which Append reports as
// ErrControlUnsupported.
const controlAppend = "/v1/append"

type appendAnswer struct {
	ID          string `json:"id"`
	Seq         uint64 `json:"seq"`
	DuplicateOf string `json:"duplicate_of,omitempty"`
	Received    string `json:"received"`
}

// appendCall is the serving side of controlAppend: only outbound events are taken
// (inbound ones arrive through the listener, which checks them).
func appendCall(r store.Reader) func(wireEvent) (any, error) {
	return func(w wireEvent) (any, error) {
		rec, ok := r.(Recorder)
		if !ok {
			return nil, ErrControlUnsupported
		}
		ev := fromWire(w)
		if ev.Direction != payloads.Outbound {
			return nil, fmt.Errorf("control append: only outbound events are recorded this way, not %q", ev.Direction)
		}
		ev.Seq, ev.DuplicateOf = 0, ""
		ev.Headers = redactHeader(ev.Headers)
		if err := rec.Append(ev); err != nil {
			return nil, err
		}
		return appendAnswer{ID: ev.ID, Seq: ev.Seq, DuplicateOf: ev.DuplicateOf, Received: ev.Received.Format(time.RFC3339Nano)}, nil
	}
}

// Append records an outbound event through the holding process, setting ev's ID, Seq
// and DuplicateOf as store.Store.Append does. The error wraps ErrControlUnsupported
// when that process takes no events this way.
func (c *ControlClient) Append(ev *payloads.Event) error {
	if ev.Received.IsZero() {
		ev.Received = time.Now().UTC()
	}
	if ev.ID == "" {
		ev.ID = payloads.NewID(ev.Received)
	}
	b, err := json.Marshal(toWire(ev))
	if err != nil {
		return fmt.Errorf("control %s: encode event: %w", controlAppend, err)
	}
	hr, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://dexra-tui"+controlAppend, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("control %s: %w", controlAppend, err)
	}
	hr.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(hr)
	if err != nil {
		return fmt.Errorf("control %s via %s: %w", controlAppend, c.path, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed:
		return fmt.Errorf("%w: it takes no sent messages through %s yet", ErrControlUnsupported, c.path)
	case resp.StatusCode/100 != 2:
		var ce controlError
		if err := json.NewDecoder(resp.Body).Decode(&ce); err != nil || ce.Code == "" {
			return fmt.Errorf("control %s: answered %s", controlAppend, resp.Status)
		}
		return decodeControlError(ce)
	}
	var a appendAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		return fmt.Errorf("control %s: decode answer: %w", controlAppend, err)
	}
	ev.ID, ev.Seq, ev.DuplicateOf = a.ID, a.Seq, a.DuplicateOf
	return nil
}
