package sig

import (
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
)

// Slack sends X-Slack-Signature: v0=<hex HMAC-SHA256 of "v0:<timestamp>:<body>"> and
// X-Slack-Request-Timestamp, keyed with the app's signing secret.
// https://api.slack.com/authentication/verifying-requests-from-slack
type slackScheme struct{}

const (
	slackSignature = "X-Slack-Signature"
	slackTimestamp = "X-Slack-Request-Timestamp"
	slackVersion   = "v0"
)

func (slackScheme) Name() string { return "slack" }

func (slackScheme) Detect(h http.Header) bool { return hasHeader(h, slackSignature) }

func (slackScheme) Sign(in SignInput) (http.Header, error) {
	if in.Secret == "" {
		return nil, errNoSigningSecret("slack")
	}
	ts := strconv.FormatInt(orNow(in.Timestamp).Unix(), 10)
	h := http.Header{}
	h.Set(slackTimestamp, ts)
	h.Set(slackSignature, slackVersion+"="+hex.EncodeToString(slackMAC(in.Secret, ts, in.Body)))
	return h, nil
}

func (slackScheme) Verify(req Request, opts Options) Verdict {
	value, ok := headerValue(req.Header, slackSignature)
	if !ok {
		return missing("slack", slackSignature)
	}
	ts, ok := headerValue(req.Header, slackTimestamp)
	if !ok {
		return missing("slack", slackTimestamp)
	}
	hexSig, ok := strings.CutPrefix(value, slackVersion+"=")
	if !ok {
		return malformed("slack", slackSignature, `no "v0=" prefix`)
	}
	sig, _, ok := decodeMAC(hexSig, algSHA256.size, acceptHex)
	if !ok {
		return malformed("slack", slackSignature, "not hex of a 32-byte HMAC-SHA256")
	}
	signedAt, what := parseUnix(ts)
	if what != "" {
		return malformed("slack", slackTimestamp, what)
	}
	// Slack's libraries sign the timestamp header exactly as sent.
	return attempt{
		scheme:   "slack",
		received: value,
		sigs:     [][]byte{sig},
		macs:     func(secret string) [][]byte { return [][]byte{slackMAC(secret, ts, req.Body)} },
		expected: func(mac []byte) string { return slackVersion + "=" + hex.EncodeToString(mac) },
		signedAt: signedAt,
	}.verify(opts)
}

func slackMAC(secret, ts string, body []byte) []byte {
	return algSHA256.mac([]byte(secret), []byte(slackVersion+":"), []byte(ts), []byte{':'}, body)
}
