package sig

import (
	"testing"
	"time"
)

// Slack's documented example, as used by its own SDK's tests
// (slackapi/python-slack-sdk tests/signature/test_signature_verifier.py, which cites
// https://api.slack.com/authentication/verifying-requests-from-slack).
const (
	slackDocSecret    = "8f742231b10e8888abcd99yyyzzz85a5"
	slackDocTimestamp = "1531420618"
	slackDocBody      = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	slackDocSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
)

// slack-go/slack security_test.go, a JSON event body.
const (
	slackGoSecret    = "e6b19c573432dcc6b075501d51b51bb8"
	slackGoBody      = `{"token":"aF5ynEYQH0dFN9imlgcADxDB","team_id":"XXXXXXXXX","api_app_id":"YYYYYYYYY","event":{"type":"app_mention","user":"AAAAAAAAA","text":"<@EEEEEEEEE> hello world","client_msg_id":"477cc591-ch73-a14z-4db8-g0cd76321bec","ts":"1531431954.000073","channel":"TTTTTTTTT","event_ts":"1531431954.000073"},"type":"event_callback","event_id":"TvBP7LRED7","event_time":1531431954,"authed_users":["EEEEEEEEE"]}`
	slackGoSignature = "v0=adada4ed31709aef585c2580ca3267678c6a8eaeb7e0c1aca3ee57b656886b2c"
)

func slackReq(sig, ts, body string) Request {
	return Request{Header: hdr("X-Slack-Signature", sig, "X-Slack-Request-Timestamp", ts), Body: []byte(body)}
}

func TestSlackPublishedVectors(t *testing.T) {
	docTime := time.Unix(1531420618, 0)
	wantPass(t, Check("slack", slackReq(slackDocSignature, slackDocTimestamp, slackDocBody), at(docTime, slackDocSecret)), "slack", 0)
	wantPass(t, Check(Auto, slackReq(slackDocSignature, slackDocTimestamp, slackDocBody), at(docTime, slackDocSecret)), "slack", 0)
	h, err := slackScheme{}.Sign(SignInput{Secret: slackDocSecret, Timestamp: docTime, Body: []byte(slackDocBody)})
	if err != nil {
		t.Fatal(err)
	}
	if h.Get("X-Slack-Signature") != slackDocSignature || h.Get("X-Slack-Request-Timestamp") != slackDocTimestamp {
		t.Fatalf("signed %v", h)
	}
	// The SDK's "invalid body" case.
	wantMismatch(t, Check("slack", slackReq(slackDocSignature, slackDocTimestamp, slackDocBody+"------"), at(docTime, slackDocSecret)), "slack")
	// The SDK's "expiration" case: the same request checked years later.
	v := Check("slack", slackReq(slackDocSignature, slackDocTimestamp, slackDocBody), at(docTime.Add(24*time.Hour), slackDocSecret))
	wantFail(t, v, "slack", "timestamp outside tolerance by 86100s (in the past)")

	goTime := time.Unix(1531431954, 0)
	wantPass(t, Check("slack", slackReq(slackGoSignature, "1531431954", slackGoBody), at(goTime, slackGoSecret)), "slack", 0)
	wantMismatch(t, Check("slack", slackReq(slackGoSignature, "1531431954", slackGoBody), at(goTime, "e6b19c573432dcc6b075501d51b51boo")), "slack")
}

func TestSlackMalformedAndMissing(t *testing.T) {
	docTime := time.Unix(1531420618, 0)
	for _, sig := range []string{"", slackDocSignature[3:], "v1=" + slackDocSignature[3:], "v0=xyz", "v0=" + slackDocSignature[3:60]} {
		wantMalformed(t, Check("slack", slackReq(sig, slackDocTimestamp, slackDocBody), at(docTime, slackDocSecret)), "slack", "X-Slack-Signature")
	}
	for _, ts := range []string{"", "soon", "1531420618.0"} {
		wantMalformed(t, Check("slack", slackReq(slackDocSignature, ts, slackDocBody), at(docTime, slackDocSecret)), "slack", "X-Slack-Request-Timestamp")
	}
	req := Request{Header: hdr("X-Slack-Signature", slackDocSignature), Body: []byte(slackDocBody)}
	if v := Check("slack", req, at(docTime, slackDocSecret)); v.Status != Missing || v.Reason != "header X-Slack-Request-Timestamp missing" {
		t.Fatalf("got %+v", v)
	}
}
