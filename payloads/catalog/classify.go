package catalog

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
)

// maxTypeRunes caps a type taken from untrusted input; real event names are far shorter.
const maxTypeRunes = 64

// Classify names the platform (source) and event type of a request: from the signature
// headers a provider sends, then the body envelopes of the catalog's platforms, then the
// path (/dexatel, /dexra, /conversa segments), then generic schemes. Unrecognised requests
// are ("unknown", the body's "type" or "event" string if any).
func Classify(path string, h http.Header, body []byte) (src, typ string) {
	return Parse(body).Classify(path, h)
}

func classify(path string, h http.Header, b *parsedBody) (string, string) {
	doc := b.doc
	switch {
	case header(h, "X-Dexatel-Signature") != "":
		return "dexatel", b.str("data", "event")
	case header(h, "X-Dexra-Signature") != "":
		return "dexra", b.str("event")
	case header(h, "Stripe-Signature") != "":
		return "stripe", b.str("type")
	case header(h, "X-GitHub-Event") != "":
		return "github", header(h, "X-GitHub-Event")
	case header(h, "X-Hub-Signature-256") != "" || header(h, "X-Hub-Signature") != "":
		if src, typ, ok := metaObject(doc()); ok {
			return src, typ
		}
		return "github", ""
	case header(h, "X-Slack-Signature") != "":
		return "slack", slackType(b)
	case header(h, "X-Shopify-Topic") != "" || header(h, "X-Shopify-Hmac-Sha256") != "":
		return "shopify", header(h, "X-Shopify-Topic")
	case header(h, "X-Twilio-Signature") != "":
		return "twilio", twilioType(b)
	case header(h, "X-Telegram-Bot-Api-Secret-Token") != "":
		return "telegram", telegramType(doc())
	}
	if src, typ, ok := catalogEnvelope(doc()); ok {
		return src, typ
	}
	if src := pathSource(path); src != "" {
		if src == "dexatel" {
			return src, b.str("data", "event")
		}
		return src, b.str("event")
	}
	switch {
	case header(h, "Webhook-Signature") != "" || header(h, "Webhook-Id") != "":
		return "standard", b.str("type")
	case header(h, "Svix-Signature") != "" || header(h, "Svix-Id") != "":
		return "svix", b.str("type")
	}
	if src, typ, ok := unsignedShape(doc()); ok {
		return src, typ
	}
	d := doc()
	if t := str(d, "type"); t != "" {
		return "unknown", t
	}
	return "unknown", str(d, "event")
}

// catalogEnvelope recognises the catalog platforms by their body alone.
func catalogEnvelope(doc any) (string, string, bool) {
	if _, isObj := at(doc, "data").(map[string]any); isObj {
		if ev := str(doc, "data", "event"); ev == "delivery" || ev == "message" {
			return "dexatel", ev, true
		}
	}
	ev, _ := at(doc, "event").(string)
	for _, src := range []string{"dexra", "conversa"} {
		if _, ok := lookup(src, ev); ok {
			return src, ev, true
		}
	}
	return "", "", false
}

// pathSource finds a catalog platform named by a path segment ("/dexatel", "/hooks/dexra").
func pathSource(path string) string {
	for _, seg := range strings.Split(strings.ToLower(path), "/") {
		if seg != "" && isSource(seg) {
			return seg
		}
	}
	return ""
}

// metaObject recognises Meta Graph webhooks (WhatsApp Cloud and others) by "object".
func metaObject(doc any) (string, string, bool) {
	obj, _ := at(doc, "object").(string)
	if obj == "" || at(doc, "entry") == nil {
		return "", "", false
	}
	field := str(doc, "entry", "0", "changes", "0", "field")
	if obj == "whatsapp_business_account" {
		return "whatsapp", field, true
	}
	if field == "" {
		field = obj
	}
	return "meta", field, true
}

// unsignedShape recognises providers whose bodies are distinctive even without headers.
func unsignedShape(doc any) (string, string, bool) {
	if src, typ, ok := metaObject(doc); ok {
		return src, typ, true
	}
	if str(doc, "object") == "event" && strings.HasPrefix(str(doc, "id"), "evt_") && str(doc, "type") != "" {
		return "stripe", str(doc, "type"), true
	}
	if m, ok := doc.(map[string]any); ok && len(m) == 2 {
		if _, isNum := m["update_id"].(json.Number); isNum {
			return "telegram", telegramType(doc), true
		}
	}
	return "", "", false
}

// slackType is the Events API event type, an interactivity payload type, or slash_command.
func slackType(b *parsedBody) string {
	if d := b.doc(); d != nil {
		if t := str(d, "type"); t == "event_callback" {
			if et := str(d, "event", "type"); et != "" {
				return et
			}
		} else if t != "" {
			return t
		}
		return ""
	}
	vals := b.form()
	if p := vals.Get("payload"); p != "" {
		if v, ok := decodeJSON([]byte(p)); ok {
			return str(v, "type")
		}
	}
	if vals.Get("command") != "" {
		return "slash_command"
	}
	return ""
}

// twilioType tells an inbound message, a message status callback and a voice call apart.
func twilioType(b *parsedBody) string {
	vals := b.form()
	status := vals.Get("MessageStatus")
	if status == "" {
		status = vals.Get("SmsStatus")
	}
	switch {
	case status == "received" || (status == "" && vals.Has("Body") && vals.Has("MessageSid")):
		return "message"
	case status != "":
		return "message_status"
	case vals.Get("CallStatus") != "":
		return "call_status"
	}
	return ""
}

// telegramType is the kind of update: the key beside update_id (message, callback_query, ...).
func telegramType(doc any) string {
	m, ok := doc.(map[string]any)
	if !ok {
		return ""
	}
	var kinds []string
	for k := range m {
		if k != "update_id" {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 {
		return ""
	}
	sort.Strings(kinds)
	return kinds[0]
}
