package tunnel

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/dexra/dexra-tui/payloads"
)

// HandshakeType is the type of an event that was a platform's setup handshake.
const HandshakeType = payloads.HandshakeType

// handshake is the answer a platform's endpoint-setup request expects in place of
// 200 {}: Meta (WhatsApp Cloud) echoes hub.challenge when hub.verify_token matches,
// Slack echoes the url_verification challenge.
type handshake struct {
	status      int
	contentType string
	body        []byte
}

// maxChallenge bounds what the listener echoes back: a challenge is a short token.
const maxChallenge = 256

// detectHandshake recognises a setup request (and labels ev as one), or returns nil.
func detectHandshake(ev *payloads.Event, verifyToken string) *handshake {
	if ev.Method == http.MethodGet && ev.Query != "" {
		q, err := url.ParseQuery(ev.Query)
		if err != nil || q.Get("hub.mode") != "subscribe" || !q.Has("hub.challenge") {
			return nil
		}
		ev.Source, ev.Type = "meta", HandshakeType
		challenge := q.Get("hub.challenge")
		switch {
		case verifyToken == "":
			return refusedHandshake(http.StatusForbidden, "no verify_token is configured: set verify_token in the config file, and the same token in Meta's webhook settings")
		case subtle.ConstantTimeCompare([]byte(q.Get("hub.verify_token")), []byte(verifyToken)) != 1:
			return refusedHandshake(http.StatusForbidden, "hub.verify_token does not match the configured verify_token")
		case !plainToken(challenge):
			return refusedHandshake(http.StatusBadRequest, "hub.challenge is not a short printable token")
		}
		return &handshake{status: http.StatusOK, contentType: "text/plain; charset=utf-8", body: []byte(challenge)}
	}
	// Cheap test first: this runs on every request, and only Slack's setup says this.
	if ev.Method != http.MethodPost || len(ev.Body) > 4096 || !bytes.Contains(ev.Body, []byte("url_verification")) {
		return nil
	}
	var v struct {
		Type      string `json:"type"`
		Challenge string `json:"challenge"`
	}
	if json.Unmarshal(ev.Body, &v) != nil || v.Type != "url_verification" || v.Challenge == "" {
		return nil
	}
	ev.Source, ev.Type = "slack", HandshakeType
	if !plainToken(v.Challenge) {
		return refusedHandshake(http.StatusBadRequest, "the url_verification challenge is not a short printable token")
	}
	body, _ := json.Marshal(map[string]string{"challenge": v.Challenge})
	return &handshake{status: http.StatusOK, contentType: "application/json", body: body}
}

func refusedHandshake(status int, why string) *handshake {
	body, _ := json.Marshal(errorAnswer{Error: why})
	return &handshake{status: status, contentType: "application/json", body: body}
}

// plainToken: printable ASCII without spaces, at most maxChallenge bytes.
func plainToken(s string) bool {
	if s == "" || len(s) > maxChallenge {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
