package catalog

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// dexatelTime is the timestamp layout of the Dexatel seed's examples ("2022-03-01 13:00:00").
const dexatelTime = "2006-01-02 15:04:05"

// Sample returns a fresh body of this type: new ids, timestamps from now, keys in the
// seed's order, 4-space indented like the seed, with sets applied (see Set).
func (e EventType) Sample(now time.Time, sets []Set) ([]byte, error) {
	build, ok := sampleBuilders[e.Name()]
	if !ok {
		return nil, fmt.Errorf("sample %s: not in the catalog", e.Name())
	}
	doc := build(now.UTC())
	if err := applySets(doc, sets); err != nil {
		return nil, fmt.Errorf("sample %s: %w", e.Name(), err)
	}
	if e.ContentType == FormContentType {
		return formEncode(doc), nil
	}
	var compact, out bytes.Buffer
	if err := encodeCompact(&compact, doc); err != nil {
		return nil, fmt.Errorf("sample %s: %w", e.Name(), err)
	}
	if err := json.Indent(&out, compact.Bytes(), "", "    "); err != nil {
		return nil, fmt.Errorf("sample %s: indent: %w", e.Name(), err)
	}
	return out.Bytes(), nil
}

// sampleBuilders follow the seed examples for Dexatel, and dexra-tui's assumed envelopes
// (see the schemas' $comment) for Dexra and Conversa Labs.
var sampleBuilders = map[string]func(now time.Time) *object{
	"dexatel.delivery": func(now time.Time) *object {
		return obj("data", obj(
			"account_id", newUUID(),
			"message_id", newUUID(),
			"event", "delivery",
			"status", "delivered",
			"timestamp", now.Format(dexatelTime)))
	},
	"dexatel.message": func(now time.Time) *object {
		return obj("data", obj(
			"account_id", newUUID(),
			"event", "message",
			"from", "1222444444",
			"to", "122233333",
			"text", "sign me in please",
			"channel", "sms",
			"timestamp", now.Format(dexatelTime)))
	},
	"dexra.message_in": func(now time.Time) *object {
		return dexraEnvelope("message_in", now, obj(
			"conversation_id", "conv_"+randHex(8),
			"message_text", "Hi, I need help with my order",
			"source_channel", "whatsapp"))
	},
	"dexra.conversation_created": func(now time.Time) *object {
		return dexraEnvelope("conversation_created", now, obj(
			"conversation_id", "conv_"+randHex(8),
			"source_channel", "whatsapp",
			"customer_lifetime_value", json.Number("7200")))
	},
	"dexra.user_updated": func(now time.Time) *object {
		return dexraEnvelope("user_updated", now, obj(
			"user_id", "usr_"+randHex(8),
			"first_name", "Amine",
			"email", "amine@example.ma",
			"user_type", "premium",
			"tags", []any{"Hot Lead"}))
	},
	"conversa.conversation.created": func(now time.Time) *object {
		return conversaEnvelope("conversation.created", now, obj(
			"conversation_id", "conv_"+randHex(8),
			"contact_id", "ct_"+randHex(8),
			"channel", "whatsapp",
			"status", "open"))
	},
	"conversa.conversation.resolved": func(now time.Time) *object {
		return conversaEnvelope("conversation.resolved", now, obj(
			"conversation_id", "conv_"+randHex(8),
			"contact_id", "ct_"+randHex(8),
			"status", "resolved",
			"resolved_at", now.Format(time.RFC3339)))
	},
	"conversa.payment.paid": func(now time.Time) *object {
		return conversaEnvelope("payment.paid", now, obj(
			"payment_id", "pay_"+randHex(8),
			"contact_id", "ct_"+randHex(8),
			"amount", json.Number("49.90"),
			"currency", "USD",
			"paid_at", now.Format(time.RFC3339)))
	},
	"conversa.deal.stage_changed": func(now time.Time) *object {
		return conversaEnvelope("deal.stage_changed", now, obj(
			"deal_id", "deal_"+randHex(8),
			"contact_id", "ct_"+randHex(8),
			"pipeline_id", "pl_"+randHex(4),
			"from_stage", "qualified",
			"to_stage", "proposal",
			"changed_at", now.Format(time.RFC3339)))
	},
}

// dexraEnvelope is dexra-tui's assumption; the Dexra seed gives no JSON shape.
func dexraEnvelope(event string, now time.Time, data *object) *object {
	return obj(
		"event", event,
		"event_id", newUUID(),
		"created_at", now.Format(time.RFC3339),
		"data", data)
}

// conversaEnvelope is dexra-tui's assumption; the Conversa Labs seed gives no JSON shape.
func conversaEnvelope(event string, now time.Time, data *object) *object {
	return obj(
		"id", "evt_"+randHex(12),
		"event", event,
		"created_at", now.Format(time.RFC3339),
		"account_id", "acc_"+randHex(4),
		"inbox_id", "inb_"+randHex(4),
		"data", data)
}

// newUUID is a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// randHex is n random bytes in hex.
func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return hex.EncodeToString(b)
}
