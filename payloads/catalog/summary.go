package catalog

import (
	"net/url"
	"strings"
)

const (
	maxTextRunes    = 40 // message texts in a summary
	maxSummaryRunes = 100
)

// Summary is one plain line for the event list: a delivery status, a quoted message
// text and its channel, a stage change, an amount. "" when the payload offers nothing.
func Summary(source, typ string, body []byte) string {
	return cleanText(summary(source, typ, parse(body)), maxSummaryRunes)
}

func summary(source, typ string, b *parsedBody) string {
	if source == "twilio" {
		return twilioSummary(typ, b.form())
	}
	if source == "dexatel" {
		return dexatelSummary(typ, b)
	}
	d := b.doc()
	if d == nil {
		return ""
	}
	switch source {
	case "dexra":
		return dexraSummary(typ, d)
	case "conversa":
		return conversaSummary(typ, d)
	case "stripe":
		o := at(d, "data", "object")
		return join(str(o, "id"), str(o, "status"))
	case "github":
		return join(str(d, "action"), firstOf(str(d, "repository", "full_name"), str(d, "organization", "login")))
	case "whatsapp":
		v := at(d, "entry", "0", "changes", "0", "value")
		if s := str(v, "statuses", "0", "status"); s != "" {
			return s
		}
		return join(text(str(v, "messages", "0", "text", "body")), str(v, "messages", "0", "type"))
	case "slack":
		return join(text(str(d, "event", "text")), str(d, "event", "channel"))
	case "telegram":
		m := at(d, telegramType(d))
		return join(text(firstOf(str(m, "text"), str(m, "data"), str(m, "caption"))), str(m, "chat", "type"))
	case "shopify":
		return join(firstOf(str(d, "name"), str(d, "id")), str(d, "financial_status"))
	}
	return ""
}

func dexatelSummary(typ string, b *parsedBody) string {
	if typ == "message" {
		return join(text(b.str("data", "text")), b.str("data", "channel"))
	}
	return b.str("data", "status")
}

func dexraSummary(typ string, d any) string {
	data := at(d, "data")
	switch typ {
	case "message_in":
		return join(text(str(data, "message_text")), str(data, "source_channel"))
	case "conversation_created":
		clv := str(data, "customer_lifetime_value")
		if clv != "" {
			clv = "clv " + clv
		}
		return join(str(data, "conversation_id"), str(data, "source_channel"), clv)
	case "user_updated":
		return join(firstOf(str(data, "email"), str(data, "user_id")), tags(at(data, "tags")))
	}
	return ""
}

func conversaSummary(typ string, d any) string {
	data := at(d, "data")
	switch typ {
	case "conversation.created", "conversation.resolved":
		return join(str(data, "conversation_id"), str(data, "channel"), str(data, "status"))
	case "payment.paid":
		return join(amount(str(data, "amount"), str(data, "currency")), "paid")
	case "deal.stage_changed":
		from, to := str(data, "from_stage"), str(data, "to_stage")
		if from != "" || to != "" {
			return join(str(data, "deal_id"), from+" → "+to)
		}
		return str(data, "deal_id")
	}
	return ""
}

func twilioSummary(typ string, vals url.Values) string {
	switch typ {
	case "message":
		from := vals.Get("From")
		if from != "" {
			from = "from " + from
		}
		return join(text(vals.Get("Body")), from)
	case "message_status":
		return join(firstOf(vals.Get("MessageStatus"), vals.Get("SmsStatus")), vals.Get("ErrorCode"))
	case "call_status":
		return vals.Get("CallStatus")
	}
	return ""
}

// text quotes a message text cut to maxTextRunes, or "" when there is none.
func text(s string) string {
	if s == "" {
		return ""
	}
	return quoted(s, maxTextRunes)
}

func tags(v any) string {
	list, _ := v.([]any)
	var out []string
	for _, t := range list {
		if s, ok := t.(string); ok {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return ""
	}
	return "tags: " + strings.Join(out, ", ")
}

func amount(value, currency string) string {
	if value == "" {
		return ""
	}
	return join(value, strings.ToUpper(currency))
}

// join puts the non-empty parts on one line, separated by spaces.
func join(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}
