package tunnel

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// answerOf reads a whole answer: answerOf(t)(http.Get(…)).
func answerOf(t *testing.T) func(*http.Response, error) (int, string, *http.Response) {
	return func(resp *http.Response, err error) (int, string, *http.Response) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp
	}
}

// Meta's documented verification request: GET with hub.mode, hub.challenge and
// hub.verify_token (developers.facebook.com/docs/graph-api/webhooks/getting-started).
func TestMetaSubscriptionHandshake(t *testing.T) {
	lt := startListener(t, Config{VerifyToken: "meatyhamhock"})
	status, body, resp := answerOf(t)(http.Get(lt.URL + "/whatsapp?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock"))
	if status != 200 || body != "1158201444" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("handshake: %d %q %v", status, body, resp.Header)
	}
	ev, err := lt.Store.Get(resp.Header.Get(EventIDHeader))
	if err != nil || ev.Type != HandshakeType || ev.Source != "meta" || ev.Status != 200 {
		t.Fatalf("recorded as %+v, %v", ev, err)
	}
	status, body, _ = answerOf(t)(http.Get(lt.URL + "/whatsapp?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=wrong"))
	if status != 403 || !strings.Contains(body, "verify_token does not match") {
		t.Fatalf("wrong token: %d %q", status, body)
	}
	status, _, _ = answerOf(t)(http.Get(lt.URL + "/whatsapp?hub.mode=subscribe&hub.challenge=%1b%5d52&hub.verify_token=meatyhamhock"))
	if status != 400 {
		t.Fatalf("a challenge with control bytes must not be echoed: %d", status)
	}
	if status, body, _ := answerOf(t)(http.Get(lt.URL + "/whatsapp?x=1")); status != 200 || body != "{}" {
		t.Fatalf("an ordinary GET: %d %q", status, body)
	}
}

// Slack's documented url_verification event (api.slack.com/events/url_verification).
func TestSlackURLVerificationHandshake(t *testing.T) {
	lt := startListener(t, Config{})
	req := `{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`
	status, body, resp := answerOf(t)(http.Post(lt.URL+"/slack/events", "application/json", strings.NewReader(req)))
	if status != 200 || body != `{"challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}` {
		t.Fatalf("handshake: %d %q", status, body)
	}
	ev, err := lt.Store.Get(resp.Header.Get(EventIDHeader))
	if err != nil || ev.Type != HandshakeType || ev.Source != "slack" {
		t.Fatalf("recorded as %+v, %v", ev, err)
	}
	if status, body, _ := answerOf(t)(http.Post(lt.URL+"/slack/events", "application/json", strings.NewReader(`{"type":"event_callback","challenge":"x"}`))); status != 200 || body != "{}" {
		t.Fatalf("an ordinary Slack event: %d %q", status, body)
	}
}
