package sig

// GitHub sends X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body> and, for old
// consumers, X-Hub-Signature: sha1=<hex HMAC-SHA1>. Meta (WhatsApp Cloud API, Messenger,
// Instagram) sends the same X-Hub-Signature-256, keyed with the app secret.
// https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
var githubScheme = bodyHMAC{name: "github", macs: []bodyMAC{
	{header: "X-Hub-Signature-256", alg: algSHA256, prefix: "sha256=", emit: encHex, accept: acceptHex},
	{header: "X-Hub-Signature", alg: algSHA1, prefix: "sha1=", emit: encHex, accept: acceptHex},
}}
