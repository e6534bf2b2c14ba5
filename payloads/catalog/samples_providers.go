package catalog

import (
	"encoding/json"
	"net/url"
	"strconv"
	"sync"
	"time"
)

// Provider samples: the events people test most for each signature scheme dexra-tui
// verifies beyond the seeds' platforms. Each shape follows the provider's public
// documentation, cited on the entry (Seed) and beside its builder. They are trigger
// samples, not schema-checked catalog types: the seeds' platforms alone have schemas.
var providerSamples = []EventType{
	{Source: "stripe", Type: "payment_intent.succeeded", Scheme: "stripe", Path: "/stripe", Documented: true,
		Seed: "https://docs.stripe.com/api/events/types#event_types-payment_intent.succeeded", Note: noteProvider,
		Description: "Stripe: a PaymentIntent succeeded (event object with data.object a payment_intent)."},
	{Source: "stripe", Type: "charge.failed", Scheme: "stripe", Path: "/stripe", Documented: true,
		Seed: "https://docs.stripe.com/api/events/types#event_types-charge.failed", Note: noteProvider,
		Description: "Stripe: a charge attempt failed (card_declined)."},
	{Source: "stripe", Type: "checkout.session.completed", Scheme: "stripe", Path: "/stripe", Documented: true,
		Seed: "https://docs.stripe.com/api/events/types#event_types-checkout.session.completed", Note: noteProvider,
		Description: "Stripe: a Checkout Session was completed."},
	{Source: "github", Type: "push", Scheme: "github", Path: "/github", Documented: true,
		Seed: "https://docs.github.com/en/webhooks/webhook-events-and-payloads#push", Note: noteProvider,
		Headers:     githubHeaders("push"),
		Description: "GitHub: commits were pushed to a branch."},
	{Source: "github", Type: "pull_request", Scheme: "github", Path: "/github", Documented: true,
		Seed: "https://docs.github.com/en/webhooks/webhook-events-and-payloads#pull_request", Note: noteProvider,
		Headers:     githubHeaders("pull_request"),
		Description: "GitHub: a pull request was opened."},
	{Source: "github", Type: "ping", Scheme: "github", Path: "/github", Documented: true,
		Seed: "https://docs.github.com/en/webhooks/webhook-events-and-payloads#ping", Note: noteProvider,
		Headers:     githubHeaders("ping"),
		Description: "GitHub: the webhook was created (ping)."},
	{Source: "slack", Type: "message", Scheme: "slack", Path: "/slack", Documented: true,
		Seed: "https://api.slack.com/apis/events-api#callback-field", Note: noteProvider,
		Description: "Slack Events API: event_callback carrying a message event."},
	{Source: "shopify", Type: "orders/create", Scheme: "shopify", Path: "/shopify", Documented: true,
		Seed: "https://shopify.dev/docs/api/webhooks?reference=toml#list-of-topics-orders/create", Note: noteProvider,
		Headers: []string{"X-Shopify-Topic", "orders/create", "X-Shopify-Shop-Domain", "example.myshopify.com",
			"X-Shopify-Api-Version", "2025-01"},
		Description: "Shopify: an order was created."},
	{Source: "twilio", Type: "message_status", Scheme: "twilio", Path: "/twilio", Documented: true,
		Seed: "https://www.twilio.com/docs/messaging/guides/track-outbound-message-status#status-callback-requests", Note: noteProvider,
		ContentType: FormContentType,
		Description: "Twilio Messaging: status callback of an outbound message (delivered), form-encoded."},
	{Source: "whatsapp", Type: "messages", Scheme: "github", Path: "/whatsapp", Documented: true,
		Seed: "https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples#text-messages", Note: noteProvider,
		Description: "WhatsApp Cloud API: an inbound text message (field messages), signed X-Hub-Signature-256."},
	{Source: "whatsapp", Type: "messages.status", Scheme: "github", Path: "/whatsapp", Documented: true,
		Seed: "https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples#message-status-updates", Note: noteProvider,
		Description: "WhatsApp Cloud API: a sent message's status update (delivered); classified as whatsapp.messages, its webhook field."},
	{Source: "telegram", Type: "message", Scheme: "telegram", Path: "/telegram", Documented: true,
		Seed: "https://core.telegram.org/bots/api#update", Note: noteProvider + "; the secret is sent as X-Telegram-Bot-Api-Secret-Token (1-256 of A-Z a-z 0-9 _ -)",
		Description: "Telegram Bot API: an Update carrying a text message."},
	{Source: "standard", Type: "contact.created", Scheme: "standard", Path: "/standard", Documented: true,
		Seed: "https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md#payload-structure", Note: noteProvider,
		Description: "Standard Webhooks: the specification's generic {type, timestamp, data} event."},
}

const noteProvider = "shape from the provider's public documentation (see Seed)"

// FormContentType is the Content-Type of form-encoded samples (Twilio).
const FormContentType = "application/x-www-form-urlencoded"

// githubHeaders are the delivery headers GitHub sends besides the signature
// (https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers).
func githubHeaders(event string) []string {
	return []string{"X-GitHub-Event", event, "X-GitHub-Hook-Id", "292430182", "X-GitHub-Hook-Installation-Target-Type", "repository"}
}

// deliveryIDHeaders name, per source, the header in which the provider sends its own
// id of each delivery (the dedup key, see eventID); a sample gets a fresh UUID there.
// Twilio's idempotency token is left out: its samples' bodies carry fresh SIDs.
var deliveryIDHeaders = map[string]string{
	"github":  "X-GitHub-Delivery",    // a UUID per delivery
	"shopify": "X-Shopify-Webhook-Id", // a UUID per delivery
}

// SampleHeaders are the headers a sample of e is sent with besides its signature, as
// name, value pairs: e.Headers, then a fresh delivery id where the provider sends one
// in a header, so two samples are never duplicates of each other.
func (e EventType) SampleHeaders() []string {
	h := append([]string(nil), e.Headers...)
	if name, ok := deliveryIDHeaders[e.Source]; ok {
		h = append(h, name, newUUID())
	}
	return h
}

// telegramUpdates holds the last update_id a sample of this process was given.
var telegramUpdates struct {
	sync.Mutex
	last int64
}

// telegramUpdateID is a fresh update_id, increasing as Telegram's do: the milliseconds
// of now (in 31 bits, a Bot API Integer), and past the last one this process gave.
func telegramUpdateID(now time.Time) json.Number {
	id := now.UnixMilli() & (1<<31 - 1)
	telegramUpdates.Lock()
	if id <= telegramUpdates.last {
		id = telegramUpdates.last + 1
	}
	telegramUpdates.last = id
	telegramUpdates.Unlock()
	return json.Number(strconv.FormatInt(id, 10))
}

// Samples lists every event trigger can send: the catalog (All) and the provider samples.
func Samples() []EventType {
	return append(All(), providerSamples...)
}

func init() {
	for name, build := range providerBuilders {
		sampleBuilders[name] = build
	}
}

// stripeAPIVersion is the API version of the samples: the one stripe-go v85 expects,
// so its ConstructEvent takes them as they are.
const stripeAPIVersion = "2026-03-25.dahlia"

func stripeEvent(typ string, now time.Time, object *object) *object {
	// https://docs.stripe.com/api/events/object
	return obj(
		"id", "evt_"+randHex(12),
		"object", "event",
		"api_version", stripeAPIVersion,
		"created", unix(now),
		"data", obj("object", object),
		"livemode", false,
		"pending_webhooks", json.Number("1"),
		"request", obj("id", "req_"+randHex(7), "idempotency_key", newUUID()),
		"type", typ)
}

func unix(t time.Time) json.Number { return json.Number(strconv.FormatInt(t.Unix(), 10)) }

// githubRepo is the repository object of GitHub's payloads (trimmed to common fields).
func githubRepo() *object {
	return obj("id", json.Number("1296269"), "node_id", "MDEwOlJlcG9zaXRvcnkxMjk2MjY5", "name", "Hello-World",
		"full_name", "octocat/Hello-World", "private", false,
		"owner", obj("login", "octocat", "id", json.Number("1"), "type", "User"),
		"html_url", "https://github.com/octocat/Hello-World", "default_branch", "main")
}

func githubSender() *object {
	return obj("login", "octocat", "id", json.Number("1"), "type", "User")
}

func whatsappEnvelope(value *object) *object {
	// https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components
	return obj("object", "whatsapp_business_account",
		"entry", []any{obj("id", "102290129340398",
			"changes", []any{obj("value", value, "field", "messages")})})
}

func whatsappMetadata() *object {
	return obj("messaging_product", "whatsapp",
		"metadata", obj("display_phone_number", "15550783881", "phone_number_id", "106540352242922"))
}

var providerBuilders = map[string]func(now time.Time) *object{
	"stripe.payment_intent.succeeded": func(now time.Time) *object {
		// https://docs.stripe.com/api/payment_intents/object
		return stripeEvent("payment_intent.succeeded", now, obj(
			"id", "pi_"+randHex(12), "object", "payment_intent", "amount", json.Number("2000"),
			"amount_received", json.Number("2000"), "currency", "usd", "status", "succeeded",
			"customer", "cus_"+randHex(7), "latest_charge", "ch_"+randHex(12),
			"payment_method", "pm_"+randHex(12), "created", unix(now), "livemode", false,
			"metadata", obj("order_id", "6735")))
	},
	"stripe.charge.failed": func(now time.Time) *object {
		// https://docs.stripe.com/api/charges/object
		return stripeEvent("charge.failed", now, obj(
			"id", "ch_"+randHex(12), "object", "charge", "amount", json.Number("2000"), "currency", "usd",
			"status", "failed", "paid", false, "captured", false,
			"failure_code", "card_declined", "failure_message", "Your card was declined.",
			"outcome", obj("network_status", "declined_by_network", "reason", "generic_decline", "type", "issuer_declined"),
			"payment_intent", "pi_"+randHex(12), "created", unix(now), "livemode", false))
	},
	"stripe.checkout.session.completed": func(now time.Time) *object {
		// https://docs.stripe.com/api/checkout/sessions/object
		return stripeEvent("checkout.session.completed", now, obj(
			"id", "cs_test_"+randHex(16), "object", "checkout.session", "amount_total", json.Number("2000"),
			"currency", "usd", "customer", "cus_"+randHex(7), "mode", "payment", "payment_status", "paid",
			"status", "complete", "payment_intent", "pi_"+randHex(12), "client_reference_id", "order_6735",
			"created", unix(now), "livemode", false))
	},
	"github.push": func(now time.Time) *object {
		sha := randHex(20)
		return obj("ref", "refs/heads/main", "before", randHex(20), "after", sha,
			"repository", githubRepo(), "pusher", obj("name", "octocat", "email", "octocat@github.com"),
			"sender", githubSender(), "created", false, "deleted", false, "forced", false,
			"compare", "https://github.com/octocat/Hello-World/compare/"+sha[:12],
			"commits", []any{obj("id", sha, "message", "Fix the webhook handler", "timestamp", now.Format(time.RFC3339),
				"author", obj("name", "The Octocat", "email", "octocat@github.com"))},
			"head_commit", obj("id", sha, "message", "Fix the webhook handler", "timestamp", now.Format(time.RFC3339)))
	},
	"github.pull_request": func(now time.Time) *object {
		return obj("action", "opened", "number", json.Number("1347"),
			"pull_request", obj("id", json.Number(strconv.FormatInt(now.UnixNano()%1e9, 10)), "number", json.Number("1347"),
				"state", "open", "title", "Amazing new feature", "user", githubSender(),
				"created_at", now.Format(time.RFC3339), "head", obj("ref", "new-topic", "sha", randHex(20)),
				"base", obj("ref", "main", "sha", randHex(20)), "html_url", "https://github.com/octocat/Hello-World/pull/1347"),
			"repository", githubRepo(), "sender", githubSender())
	},
	"github.ping": func(now time.Time) *object {
		return obj("zen", "Design for failure.", "hook_id", json.Number("292430182"),
			"hook", obj("type", "Repository", "id", json.Number("292430182"), "name", "web", "active", true,
				"events", []any{"push", "pull_request"},
				"config", obj("content_type", "json", "insecure_ssl", "0", "url", "https://example.com/webhooks"),
				"created_at", now.Format(time.RFC3339)),
			"repository", githubRepo(), "sender", githubSender())
	},
	"slack.message": func(now time.Time) *object {
		// https://api.slack.com/events/message
		ts := strconv.FormatInt(now.Unix(), 10) + ".000200"
		return obj("team_id", "T0001", "api_app_id", "A0KRD7HC3",
			"event", obj("type", "message", "channel", "C2147483705", "user", "U2147483697",
				"text", "Hello world", "ts", ts, "event_ts", ts, "channel_type", "channel"),
			"type", "event_callback", "event_id", "Ev"+randHex(5), "event_time", unix(now),
			"authorizations", []any{obj("team_id", "T0001", "user_id", "U0001", "is_bot", true)})
	},
	"shopify.orders/create": func(now time.Time) *object {
		// https://shopify.dev/docs/api/admin-rest/latest/resources/order#resource-object
		id := json.Number(strconv.FormatInt(now.UnixMilli(), 10))
		return obj("id", id, "admin_graphql_api_id", "gid://shopify/Order/"+string(id), "name", "#1001",
			"email", "jon@example.com", "created_at", now.Format(time.RFC3339), "currency", "USD",
			"total_price", "199.00", "subtotal_price", "189.00", "total_tax", "10.00",
			"financial_status", "paid", "fulfillment_status", nil,
			"line_items", []any{obj("id", json.Number("866550311766439020"), "title", "IPod Nano - 8GB",
				"quantity", json.Number("1"), "price", "199.00", "sku", "IPOD2008PINK")},
			"customer", obj("id", json.Number("115310627314723954"), "email", "jon@example.com", "first_name", "Jon"))
	},
	"twilio.message_status": func(now time.Time) *object {
		// Parameters of a status callback request, in the order Twilio's docs list them.
		sid := "SM" + randHex(16)
		return obj("AccountSid", "AC"+randHex(16), "ApiVersion", "2010-04-01", "From", "+15017122661",
			"MessageSid", sid, "MessageStatus", "delivered", "SmsSid", sid, "SmsStatus", "delivered",
			"To", "+15558675310")
	},
	"whatsapp.messages": func(now time.Time) *object {
		v := whatsappMetadata()
		v.set("contacts", []any{obj("profile", obj("name", "Kerry Fisher"), "wa_id", "16315551181")})
		v.set("messages", []any{obj("from", "16315551181", "id", "wamid."+randHex(20),
			"timestamp", strconv.FormatInt(now.Unix(), 10), "text", obj("body", "Hello, I need help with my order"), "type", "text")})
		return whatsappEnvelope(v)
	},
	"whatsapp.messages.status": func(now time.Time) *object {
		v := whatsappMetadata()
		v.set("statuses", []any{obj("id", "wamid."+randHex(20), "status", "delivered",
			"timestamp", strconv.FormatInt(now.Unix(), 10), "recipient_id", "16315551181",
			"conversation", obj("id", randHex(16), "origin", obj("type", "service")),
			"pricing", obj("billable", true, "pricing_model", "CBP", "category", "service"))})
		return whatsappEnvelope(v)
	},
	"telegram.message": func(now time.Time) *object {
		// https://core.telegram.org/bots/api#message
		return obj("update_id", telegramUpdateID(now),
			"message", obj("message_id", json.Number(strconv.FormatInt(now.UnixMilli()%1e6, 10)),
				"from", obj("id", json.Number("123456789"), "is_bot", false, "first_name", "Amine", "language_code", "en"),
				"chat", obj("id", json.Number("123456789"), "first_name", "Amine", "type", "private"),
				"date", unix(now), "text", "/start"))
	},
	"standard.contact.created": func(now time.Time) *object {
		return obj("type", "contact.created", "timestamp", now.Format("2006-01-02T15:04:05.000000Z"),
			"data", obj("id", "contact_"+randHex(8), "name", "Jane Doe", "email", "jane@example.com"))
	},
}

// formEncode writes a sample object of scalar values as a form body, in key order.
func formEncode(doc *object) []byte {
	var b []byte
	for i, k := range doc.keys {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, url.QueryEscape(k)...)
		b = append(b, '=')
		switch v := doc.vals[k].(type) {
		case string:
			b = append(b, url.QueryEscape(v)...)
		case json.Number:
			b = append(b, v...)
		case bool:
			b = strconv.AppendBool(b, v)
		}
	}
	return b
}
