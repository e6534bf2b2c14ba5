package tunnel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/catalog"
	"github.com/dexra/dexra-tui/payloads/sig"
)

// EventIDHeader carries the recorded event's ID on every answer that recorded one.
const EventIDHeader = "X-Dexra-Tui-Event-Id"

// errorAnswer is the JSON body of every non-2xx answer.
type errorAnswer struct {
	Error string `json:"error"`
	ID    string `json:"id,omitempty"` // set when the refused request was recorded anyway
}

// serveHTTP records the request and answers only once the record is durable:
// 200 {} when accepted, 413 (recorded) when the body is too large, 503 when the
// history could not commit, 400 when the client failed mid-body (nothing recorded).
func (l *Listener) serveHTTP(w http.ResponseWriter, r *http.Request) {
	answered := false
	defer l.recoverRequest(w, r, &answered)

	received := time.Now().UTC()
	ev := &payloads.Event{
		ID:         payloads.NewID(received),
		Received:   received,
		Direction:  payloads.Inbound,
		Method:     r.Method,
		Path:       r.URL.EscapedPath(), // as sent: URL signatures and replays need the exact bytes
		Query:      r.URL.RawQuery,
		Host:       r.Host,
		RemoteAddr: r.RemoteAddr,
		// The request's own map, not a copy: net/http makes one per request, and nothing
		// changes it; the event gets a redacted copy before it is stored (redact).
		Headers: r.Header,
	}
	if ev.Headers == nil {
		ev.Headers = http.Header{}
	}
	vc := l.verifyFor(ev.Path)
	if vc.BaseURL == "" {
		vc.BaseURL = requestBaseURL(r)
	}

	body, err := l.readBody(w, r)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		l.reject(ev, r, vc)
	case err != nil:
		l.logRefused("400 body not read", r.RemoteAddr, safeText(r.Method+" "+ev.Path+": "+err.Error()))
		answered = true
		writeJSON(w, http.StatusBadRequest, errorAnswer{Error: "could not read the request body"})
		return
	default:
		ev.Body = body
		ev.Status = http.StatusOK
		payloads.Analyze(ev, vc)
	}
	var hs *handshake
	if ev.Rejected == "" {
		if hs = detectHandshake(ev, l.cfg.VerifyToken); hs != nil {
			ev.Status = hs.status
		}
	}
	answer := Respond{Status: http.StatusOK, Rate: 1}
	if ev.Rejected == "" && hs == nil && l.cfg.Responder != nil {
		if answer = l.cfg.Responder.decide(); !answer.Normal() {
			ev.Status, ev.Simulated = answer.Status, answer.String()
		}
	}

	live := l.redact(ev)
	if err := l.store.Append(ev); err != nil {
		l.commits.failed(l.log, ev.ID, err)
		answered = true
		writeJSON(w, http.StatusServiceUnavailable, errorAnswer{Error: "could not record the event; it was not accepted"})
		return
	}
	l.commits.ok(l.log)
	id, status, rejected := ev.ID, ev.Status, ev.Rejected
	if rejected != "" {
		l.logRejected(ev)
	}
	if l.hub != nil && l.hub.Subscribers() > 0 {
		l.hub.publish(ev, live) // subscribers see what the history keeps; the forwarder, live
	}
	if !answer.Normal() {
		l.simulate(w, r, answer, id) // committed and published; only the answer misbehaves
		answered = true
		return
	}
	answered = true
	w.Header()[EventIDHeader] = []string{id}
	if hs != nil {
		w.Header().Set("Content-Type", hs.contentType)
		w.WriteHeader(hs.status)
		w.Write(hs.body)
		return
	}
	if status == http.StatusOK {
		writeRaw(w, http.StatusOK, emptyObject)
	} else {
		writeJSON(w, status, errorAnswer{Error: rejected, ID: id})
	}
}

// redact replaces ev's secret header and query values by store.Redacted, as the
// history keeps them, and returns what they were (nil when nothing was secret). It runs
// after the signature check, which needs them.
func (l *Listener) redact(ev *payloads.Event) *liveRequest {
	headers, hr := l.cfg.Redact.Headers(ev.Headers)
	query, qr := l.cfg.Redact.Query(ev.Query)
	if !hr && !qr {
		return nil
	}
	live := &liveRequest{headers: ev.Headers, query: ev.Query}
	ev.Headers, ev.Query = headers, query
	return live
}

// logRejected logs a request recorded but refused (413), at most one line per logEvery.
func (l *Listener) logRejected(ev *payloads.Event) {
	ok, held := l.throttle.allow("rejected")
	if !ok {
		return
	}
	args := []any{"id", ev.ID, "status", ev.Status, "path", safeText(ev.Path), "remote", safeText(ev.RemoteAddr), "why", safeText(ev.Rejected)}
	if held > 0 {
		args = append(args, "more_since_last_line", held)
	}
	l.log.Warn("listener: refused a request; recorded without its body", args...)
}

// simulate gives a --respond answer: after its delay, the status, or for a timeout
// no answer at all (the connection is dropped once the hold is over).
func (l *Listener) simulate(w http.ResponseWriter, r *http.Request, answer Respond, id string) {
	if answer.Delay > 0 {
		t := time.NewTimer(answer.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return // the sender gave up waiting
		case <-l.stopping:
		}
	}
	if answer.Timeout {
		panic(http.ErrAbortHandler)
	}
	w.Header().Set(EventIDHeader, id)
	if answer.RetryAfter != "" {
		w.Header().Set("Retry-After", answer.RetryAfter)
	}
	for name, vs := range answer.Headers {
		w.Header()[http.CanonicalHeaderKey(name)] = vs
	}
	if answer.Body != nil {
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", sniffAnswerType(answer.Body))
		}
		w.WriteHeader(answer.Status)
		w.Write(answer.Body)
		return
	}
	if answer.Status >= 200 && answer.Status < 300 {
		writeRaw(w, answer.Status, emptyObject)
		return
	}
	writeJSON(w, answer.Status, errorAnswer{Error: "simulated by --respond " + answer.String(), ID: id})
}

// readBody reads the whole body, or fails with *http.MaxBytesError past MaxBody.
func (l *Listener) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > l.cfg.MaxBody {
		return nil, &http.MaxBytesError{Limit: l.cfg.MaxBody} // refuse without reading it
	}
	if r.ContentLength == 0 {
		return nil, nil
	}
	if r.ContentLength > 0 {
		// net/http holds the body to its declared length (short: ErrUnexpectedEOF), so
		// it fits exactly: one allocation, no growing.
		body := make([]byte, r.ContentLength)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return nil, fmt.Errorf("read body: %w", err)
		}
		return body, nil
	}
	var buf bytes.Buffer
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, l.cfg.MaxBody))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	return buf.Bytes(), nil
}

// reject fills ev as a recorded 413. The body is dropped (the history keeps no partial
// bodies); Size says how large it was: the declared length, or a lower bound.
func (l *Listener) reject(ev *payloads.Event, r *http.Request, vc payloads.VerifyConfig) {
	ev.Status = http.StatusRequestEntityTooLarge
	ev.Rejected = fmt.Sprintf("body exceeds %d bytes", l.cfg.MaxBody)
	ev.Size = int(l.cfg.MaxBody + 1)
	if r.ContentLength > l.cfg.MaxBody {
		ev.Size = int(r.ContentLength)
	}
	ev.BodyKind = payloads.BodyEmpty
	ev.Source, ev.Type = catalog.Classify(ev.Path, ev.Headers, nil)
	scheme := vc.Scheme
	if scheme == "" || scheme == "auto" {
		scheme = ""
		if s, ok := sig.Detect(ev.Headers); ok {
			scheme = s.Name()
		}
	}
	ev.Signature = sig.Verdict{Scheme: scheme, Status: sig.Unchecked, Reason: "not checked: body rejected", SecretIndex: -1}
}

// requestBaseURL is how the sender addressed us, for URL-signing schemes (Twilio).
// A tunnel in front terminates TLS and says so in X-Forwarded-Proto.
func requestBaseURL(r *http.Request) string {
	proto := "http"
	if r.TLS != nil {
		proto = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
		proto = p
	}
	return proto + "://" + r.Host
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"error":"internal error"}`)
	}
	writeRaw(w, status, b)
}

// emptyObject is the body of an accepted request; shared, never written to.
var emptyObject = []byte("{}")

func writeRaw(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	_, _ = w.Write(body) // the sender went away: nothing else to do
}

// recoverRequest keeps one bad request from taking the listener down and logs it safely.
func (l *Listener) recoverRequest(w http.ResponseWriter, r *http.Request, answered *bool) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v) // net/http's own signal to drop the connection
	}
	l.log.Error("listener: request handler panicked",
		"method", safeText(r.Method), "path", safeText(r.URL.EscapedPath()), "panic", safeText(fmt.Sprint(v)))
	if !*answered {
		writeJSON(w, http.StatusInternalServerError, errorAnswer{Error: "internal error"})
	}
}
