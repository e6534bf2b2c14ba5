package sig

// Dexatel signs the raw body with HMAC-SHA256 and sends it in X-Dexatel-Signature
// (seed document 002, "Signature"). The document shows lowercase hex; base64 is
// accepted too because some senders of the same algorithm use it.
var dexatelScheme = bodyHMAC{name: "dexatel", macs: []bodyMAC{
	{header: "X-Dexatel-Signature", alg: algSHA256, emit: encHex, accept: acceptEither},
}}

// Dexra uses Dexatel's algorithm under its own header.
var dexraScheme = bodyHMAC{name: "dexra", macs: []bodyMAC{
	{header: "X-Dexra-Signature", alg: algSHA256, emit: encHex, accept: acceptEither},
}}
