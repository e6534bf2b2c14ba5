package sig

// Shopify sends X-Shopify-Hmac-Sha256: base64 HMAC-SHA256 of the raw body, keyed with
// the app's client secret.
// https://shopify.dev/docs/apps/build/webhooks/subscribe/https#step-5-verify-the-webhook
var shopifyScheme = bodyHMAC{name: "shopify", macs: []bodyMAC{
	{header: "X-Shopify-Hmac-Sha256", alg: algSHA256, emit: encBase64, accept: acceptBase64},
}}
