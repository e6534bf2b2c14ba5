package catalog

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
)

// maxIDLen caps an event id taken verbatim into a key; longer ids are hashed.
const maxIDLen = 128

// DedupKey identifies one delivery of an event across redeliveries: the platform's own
// event id as "<source>:id:<id>" where it has one, else "sha256:<hex>" of the path the
// request came to and its raw body (Dexatel sends no event id, so a redelivery of the
// same body to the same endpoint is a duplicate; the same body at another endpoint is
// another event). An empty body identifies nothing and gets "".
func DedupKey(source, typ, path string, h http.Header, body []byte) string {
	return dedupKey(source, path, h, parse(body))
}

func dedupKey(source, path string, h http.Header, b *parsedBody) string {
	if id := eventID(source, h, b); id != "" {
		if len(id) > maxIDLen || !isClean(id, maxIDLen) {
			sum := sha256.Sum256([]byte(id))
			return source + ":idhash:" + hex.EncodeToString(sum[:])
		}
		return source + ":id:" + id
	}
	if len(b.raw) == 0 {
		return ""
	}
	return bodyKey(path, b.raw)
}

// bodyKey is "sha256:<hex>" of path, a NUL (never in a request path) and body; of
// body alone when path is "".
func bodyKey(path string, body []byte) string {
	const prefix = "sha256:"
	var sum [sha256.Size]byte
	if path == "" {
		sum = sha256.Sum256(body)
	} else {
		d := sha256.New()
		d.Write([]byte(path))
		d.Write([]byte{0})
		d.Write(body)
		d.Sum(sum[:0])
	}
	var key [len(prefix) + 2*sha256.Size]byte
	copy(key[:], prefix)
	hex.Encode(key[len(prefix):], sum[:])
	return string(key[:])
}

// eventID is the id the platform gives the event itself (not the object it is about).
func eventID(source string, h http.Header, b *parsedBody) string {
	switch source {
	case "conversa":
		return firstOf(b.str("id"), header(h, "Webhook-Id"))
	case "dexra":
		return firstOf(b.str("event_id"), header(h, "Webhook-Id"))
	case "stripe":
		return b.str("id")
	case "github":
		return header(h, "X-GitHub-Delivery")
	case "shopify":
		return firstOf(header(h, "X-Shopify-Webhook-Id"), header(h, "X-Shopify-Event-Id"))
	case "slack":
		if id := b.str("event_id"); id != "" {
			return id
		}
	case "telegram":
		return b.str("update_id")
	case "twilio":
		return header(h, "I-Twilio-Idempotency-Token")
	case "dexatel", "whatsapp", "meta":
		return "" // no event id in these payloads
	}
	return firstOf(header(h, "Webhook-Id"), header(h, "Svix-Id"))
}

// Correlation links events about the same object (message, conversation, payment, ...):
// the platform's id for it, or "" when the payload names none.
func Correlation(source, typ string, body []byte) string {
	return cleanText(correlation(source, typ, parse(body)), maxIDLen)
}

func correlation(source, typ string, b *parsedBody) string {
	if source == "twilio" {
		vals := b.form()
		return firstOf(vals.Get("MessageSid"), vals.Get("SmsSid"), vals.Get("CallSid"))
	}
	if source == "dexatel" {
		return b.str("data", "message_id")
	}
	d := b.doc()
	switch source {
	case "dexra":
		if typ == "user_updated" {
			return firstOf(str(d, "data", "user_id"), str(d, "user_id"))
		}
		return firstOf(str(d, "data", "conversation_id"), str(d, "conversation_id"))
	case "conversa":
		for _, k := range []string{"payment_id", "deal_id", "conversation_id"} {
			if id := firstOf(str(d, "data", k), str(d, k)); id != "" {
				return id
			}
		}
	case "stripe":
		return str(d, "data", "object", "id")
	case "whatsapp":
		v := at(d, "entry", "0", "changes", "0", "value")
		return firstOf(str(v, "statuses", "0", "id"), str(v, "messages", "0", "id"))
	case "telegram":
		return str(d, telegramType(d), "chat", "id")
	case "shopify":
		return str(d, "id")
	case "slack":
		return str(d, "event", "channel")
	}
	return ""
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
