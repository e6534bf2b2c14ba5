package sandbox

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/dexra/dexra-tui/tunnel"
)

// apiStream separates the API's random stream from the messages' for one seed.
const apiStream = 0x5e4d_a9e1

const maxRequestBody = 1 << 20

// idemEntry is what a request with an Idempotency-Key was answered, replayed to
// every retry with the same key and body.
type idemEntry struct {
	body   [32]byte
	status int
	answer []byte
}

// The API's answers. The seeds give none of them: the success is the assumed
// {"message_id","status":"queued"}, errors {"error":{"code","field","message"}}.
type sendAnswer struct {
	MessageID string `json:"message_id"`
	Status    string `json:"status"`
}

type errorAnswer struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

func writeAnswer(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, status int, code, field, msg string) {
	writeAnswer(w, status, errorAnswer{errorBody{Code: code, Field: field, Message: msg}})
}

func (s *Sandbox) sendMessage(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", "", fmt.Sprintf("request body over %d bytes", maxRequestBody))
		return
	}
	rng, limited := s.admit()
	if d := s.cfg.Latency; d > 0 {
		select {
		case <-time.After(time.Duration(rng.Int64N(int64(d) + 1))):
		case <-r.Context().Done():
			return
		}
	}
	if limited {
		w.Header().Set("Retry-After", fmt.Sprint(int(s.cfg.RetryAfter/time.Second)))
		writeError(w, http.StatusTooManyRequests, "rate_limited", "", "too many requests: retry after the Retry-After seconds")
		return
	}
	fail := rng.Float64() < s.cfg.FailureRate
	key := r.Header.Get(tunnel.IdempotencyHeader)
	sum := sha256.Sum256(body)

	s.mu.Lock()
	if e, ok := s.idem[key]; key != "" && ok {
		s.mu.Unlock()
		if e.body != sum {
			writeError(w, http.StatusUnprocessableEntity, "idempotency_key_reused", tunnel.IdempotencyHeader,
				"this key was used with a different request: use a new key for a new message")
			return
		}
		w.Header().Set("Idempotent-Replayed", "true")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(e.status)
		w.Write(e.answer)
		return
	}
	s.mu.Unlock()

	m, ferr := decodeMessage(body)
	if ferr == nil {
		ferr = m.Validate()
	}
	var fe *tunnel.FieldError
	if errors.As(ferr, &fe) {
		status := http.StatusUnprocessableEntity
		if fe.Field == "" {
			status = http.StatusBadRequest
		}
		writeError(w, status, "invalid_request", fe.Field, fe.Reason)
		return
	}

	s.mu.Lock()
	if e, ok := s.idem[key]; key != "" && ok { // a concurrent twin got here first
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(e.status)
		w.Write(e.answer)
		return
	}
	msg := s.newMessageLocked(m)
	answer, _ := json.Marshal(sendAnswer{MessageID: msg.id, Status: "queued"})
	answer = append(answer, '\n')
	if key != "" {
		s.idem[key] = idemEntry{body: sum, status: http.StatusOK, answer: answer}
		s.kept[len(s.kept)-1].key = key
	}
	s.forgetOldLocked()
	s.mu.Unlock()
	s.start(msg)

	if fail {
		// The message is made but its answer is lost: only a retry with the same
		// Idempotency-Key learns its id without making a second one.
		writeError(w, http.StatusInternalServerError, "internal", "", "simulated server error (--failure-rate); retry with the same Idempotency-Key")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(answer)
}

// authorized checks the Bearer key and answers 401 when it is not the sandbox's.
func (s *Sandbox) authorized(w http.ResponseWriter, r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	scheme, key, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || key == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="dexra-sandbox"`)
		writeError(w, http.StatusUnauthorized, "unauthorized", "", "missing Authorization: Bearer <API key>")
		return false
	}
	if subtle.ConstantTimeCompare([]byte(key), []byte(s.cfg.Key)) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="dexra-sandbox", error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "unauthorized", "", "API key not recognised by this sandbox")
		return false
	}
	return true
}

// admit draws this request's random stream and decides whether it is rate limited.
func (s *Sandbox) admit() (*rand.Rand, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	rng := rand.New(rand.NewPCG(s.cfg.Seed^apiStream, s.requests))
	starts := rng.Float64() < s.cfg.RateLimit
	switch {
	case s.burst > 0:
		s.burst--
		s.cooldown = s.burst == 0
		return rng, true
	case s.cooldown:
		s.cooldown = false
		return rng, false
	case starts:
		s.burst = s.cfg.BurstLength - 1
		s.cooldown = s.burst == 0
		return rng, true
	}
	return rng, false
}

// decodeMessage reads the request strictly: an unknown or mistyped field is named.
func decodeMessage(body []byte) (tunnel.Message, error) {
	var m tunnel.Message
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(&m)
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		if dec.More() {
			return m, &tunnel.FieldError{Reason: "body holds more than one JSON value"}
		}
		return m, nil
	case errors.As(err, &typeErr):
		return m, &tunnel.FieldError{Field: typeErr.Field, Reason: fmt.Sprintf("wrong type: want %s, got JSON %s", typeErr.Type, typeErr.Value)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return m, &tunnel.FieldError{Field: name, Reason: "unknown field (known: channel, recipient_id, message_type, text, media_url, caption, buttons, template)"}
	default:
		return m, &tunnel.FieldError{Reason: "body is not a JSON object: " + err.Error()}
	}
}

// MessageState is what GET /v1/messages/{id} answers.
type MessageState struct {
	MessageID string   `json:"message_id"`
	Channel   string   `json:"channel"`
	Recipient string   `json:"recipient_id"`
	Statuses  []string `json:"statuses"` // reached so far, in the order they happened
}

func (s *Sandbox) getMessage(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	s.mu.Lock()
	m, ok := s.messages[r.PathValue("id")]
	var st MessageState
	if ok {
		st = MessageState{MessageID: m.id, Channel: m.channel, Recipient: m.recipient, Statuses: append([]string{"queued"}, m.reached...)}
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "message_id", "no such message in this sandbox")
		return
	}
	writeAnswer(w, http.StatusOK, st)
}
