package store

// The static dictionary of record format 4 (codec.go): strings that webhook requests
// and their records repeat (header names and values, directions, methods, body kinds,
// schemes), each stored as its position in recordDict (one or two bytes) instead of
// its text. Records hold positions, so the table is frozen with the format: never
// reorder, change or remove an entry; a new entry needs a new record format (older
// builds would read it as damage). TestRecordDictFrozen guards it.
var recordDict = [...]string{
	// Header names, in the canonical form net/http gives them.
	"Accept", "Accept-Encoding", "Accept-Language", "Cache-Control", "Connection",
	"Content-Length", "Content-Type", "Content-Encoding", "Cookie", "Authorization",
	"User-Agent", "Via", "Forwarded", "X-Forwarded-For", "X-Forwarded-Proto",
	"X-Forwarded-Host", "X-Forwarded-Port", "X-Real-Ip", "X-Request-Id", "X-Request-Start",
	"Traceparent", "Tracestate", "Sentry-Trace", "Baggage", "X-Amzn-Trace-Id",
	"Cdn-Loop", "Cf-Connecting-Ip", "Cf-Ipcountry", "Cf-Ray", "Cf-Visitor",
	"Cf-Worker", "True-Client-Ip", "Ngrok-Skip-Browser-Warning", "Upgrade-Insecure-Requests",
	"X-Dexatel-Signature", "X-Dexra-Signature", "X-Hub-Signature", "X-Hub-Signature-256",
	"X-Github-Event", "X-Github-Delivery", "X-Github-Hook-Id", "X-Github-Hook-Installation-Target-Id",
	"X-Github-Hook-Installation-Target-Type", "Stripe-Signature", "X-Slack-Signature",
	"X-Slack-Request-Timestamp", "X-Slack-Retry-Num", "X-Slack-Retry-Reason",
	"X-Shopify-Hmac-Sha256", "X-Shopify-Topic", "X-Shopify-Shop-Domain", "X-Shopify-Webhook-Id",
	"X-Shopify-Event-Id", "X-Shopify-Api-Version", "X-Shopify-Triggered-At",
	"Webhook-Id", "Webhook-Signature", "Webhook-Timestamp", "Svix-Id", "Svix-Signature",
	"Svix-Timestamp", "X-Telegram-Bot-Api-Secret-Token", "X-Twilio-Signature",
	"I-Twilio-Idempotency-Token", "X-Twilio-Email-Event-Webhook-Signature",
	"X-Twilio-Email-Event-Webhook-Timestamp", "X-Signature", "X-Webhook-Signature",
	"X-Event-Type", "X-Event-Id", "X-Idempotency-Key", "Idempotency-Key",
	// Header values.
	"application/json", "application/json; charset=utf-8", "application/json; charset=UTF-8",
	"application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-8",
	"application/x-www-form-urlencoded; charset=UTF-8", "text/plain", "text/plain; charset=utf-8",
	"text/plain; charset=UTF-8", "application/xml", "text/xml", "multipart/form-data",
	"gzip", "gzip, deflate", "gzip, deflate, br", "gzip, br", "br", "deflate", "identity",
	"*/*", "application/json, */*", "keep-alive", "close", "no-cache", "https", "http",
	"443", "80", `{"scheme":"https"}`, "1", "0", "true", "false",
	"Go-http-client/1.1", "Go-http-client/2.0", "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
	"Slackbot 1.0 (+https://api.slack.com/robots)", "Shopify-Captain-Hook", "TwilioProxy/1.1",
	"Svix-Webhooks/1.0", "python-requests/2.31.0", "axios/1.6.0", "node-fetch", "undici",
	"ping", "push", "pull_request", "issues", "issue_comment", "release", "workflow_run",
	"check_run", "check_suite", "create", "delete", "star", "fork", "installation",
	"http_timeout", "http_error", "repository", "Repository",
	Redacted,
	// Event fields: directions, methods, body kinds, schemes, verdicts, answers.
	"inbound", "outbound", "POST", "GET", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS",
	"json", "text", "binary", "empty",
	"dexatel", "dexra", "github", "stripe", "slack", "shopify", "standard", "svix",
	"telegram", "twilio", "conversa", "hmac", "auto", "none",
	"pass", "fail", "unsigned", "malformed", "unknown", "skipped",
	"500", "502", "503", "504", "timeout", "body too large",
	"delivered", "sent", "failed", "read", "received", "queued", "undelivered", "rejected",
}

// recordDictIndex finds a string's position in recordDict.
var recordDictIndex = func() map[string]int {
	m := make(map[string]int, len(recordDict))
	for i, s := range recordDict {
		if _, dup := m[s]; !dup {
			m[s] = i
		}
	}
	return m
}()

// hexPrefixes are what may precede a run of lowercase hex digits stored as its bytes
// (signatures, dedup keys): "" (plain hex), "sha256:" (body dedup keys),
// "sha256=" (GitHub), "sha1=", "v0=" (Slack), "v1=". Frozen like recordDict. None
// ends in a hex digit, so the hex part of a string is its longest hex tail.
var hexPrefixes = [...]string{"", "sha256:", "sha256=", "sha1=", "sha512=", "v0=", "v1=", "md5="}
