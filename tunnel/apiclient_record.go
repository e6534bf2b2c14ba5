package tunnel

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
)

// Outbound events: what a sent message looks like in the history.
const (
	OutboundSource = "dexra"
	OutboundType   = "send-message"
	// outboundDedupPrefix makes a repeated Idempotency-Key show as a duplicate.
	outboundDedupPrefix = "idempotency:"
)

func redactHeader(h http.Header) http.Header { return store.RedactHeaders(h) }

// outboundEvent is the send as the history keeps it: the request (key redacted), each
// try as an Attempt (status, answer, latency), and the message id as correlation key.
func outboundEvent(at time.Time, endpoint string, hdr http.Header, body []byte, res *SendResult, attempts []payloads.Attempt) *payloads.Event {
	ev := &payloads.Event{
		Received:    at,
		Direction:   payloads.Outbound,
		Method:      http.MethodPost,
		Path:        SendPath,
		Headers:     redactHeader(hdr),
		Body:        body,
		Size:        len(body),
		BodyKind:    payloads.BodyJSON,
		Source:      OutboundSource,
		Type:        OutboundType,
		Signature:   sig.Verdict{Status: sig.Unchecked, Reason: "outbound API call: not signed", SecretIndex: -1},
		DedupKey:    outboundDedupPrefix + res.IdempotencyKey,
		Correlation: res.MessageID,
		Status:      res.Status,
		Attempts:    attempts,
	}
	if u, err := url.Parse(endpoint); err == nil {
		ev.Host = u.Host
	}
	if !json.Valid(body) {
		ev.BodyKind = payloads.BodyText
	}
	ev.Summary = outboundSummary(body, res)
	return ev
}

// outboundSummary is e.g. "text → +15551234567 whatsapp: queued".
func outboundSummary(body []byte, res *SendResult) string {
	var m Message
	_ = json.Unmarshal(body, &m)
	s := fmt.Sprintf("%s → %s %s", orDash(m.MessageType), orDash(m.RecipientID), orDash(m.Channel))
	switch {
	case res.MessageStatus != "":
		return s + ": " + res.MessageStatus
	case res.Status != 0:
		return fmt.Sprintf("%s: answered %d", s, res.Status)
	}
	return s + ": no answer"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// MaskKey shows enough of an API key to tell keys apart and never the key itself:
// "sk_t…3f9a" (a short key shows only its length).
func MaskKey(key string) string {
	if len(key) < 12 {
		return fmt.Sprintf("[%d chars]", len(key))
	}
	return key[:4] + "…" + key[len(key)-4:]
}
