package store

import (
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
)

func TestRedactionHeadersCoverTheList(t *testing.T) {
	secret := []string{
		"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie", "X-Api-Key", "Api-Key",
		"X-Auth-Token", "X-Access-Token", "X-Shopify-Access-Token", "X-Dexra-Api-Key",
		"X-Telegram-Bot-Api-Secret-Token", "x-api-key",
	}
	kept := []string{
		"Content-Type", "X-Dexatel-Signature", "X-Hub-Signature-256", "Stripe-Signature",
		"Webhook-Signature", "User-Agent", "Api-Keyring", "X-Token-Count",
	}
	r, err := NewRedaction([]string{"x-my-secret"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	for _, n := range append(append([]string{}, secret...), kept...) {
		h[n] = []string{"value-of-" + n}
	}
	h["X-My-Secret"] = []string{"mine"}
	out, changed := r.Headers(h)
	if !changed {
		t.Fatal("Headers reported nothing redacted")
	}
	for _, n := range append(secret, "X-My-Secret") {
		if got := out[n]; len(got) != 1 || got[0] != Redacted {
			t.Errorf("%s kept as %q, want %q", n, got, Redacted)
		}
	}
	for _, n := range kept {
		if got := out[n]; len(got) != 1 || got[0] != "value-of-"+n {
			t.Errorf("%s changed to %q", n, got)
		}
	}
	if h["Cookie"][0] != "value-of-Cookie" || h["X-My-Secret"][0] != "mine" {
		t.Fatal("Headers changed the caller's map")
	}
	// The extra name is not in the defaults.
	if _, changed := (*Redaction)(nil).Headers(http.Header{"X-My-Secret": {"v"}}); changed {
		t.Fatal("the default redaction took a configured name")
	}
}

func TestRedactionHeadersNothingSecretIsNotCopied(t *testing.T) {
	h := http.Header{"Content-Type": {"application/json"}, "X-Dexatel-Signature": {"ab"}}
	out, changed := (*Redaction)(nil).Headers(h)
	if changed || len(out) != 2 {
		t.Fatalf("changed %v, out %v", changed, out)
	}
	out["X"] = []string{"y"}
	if _, ok := h["X"]; !ok {
		t.Fatal("Headers copied a header block with nothing to redact")
	}
}

func TestRedactionQuery(t *testing.T) {
	r, err := NewRedaction(nil, []string{"session"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ in, want string }{
		{"", ""},
		{"a=1&b=2", "a=1&b=2"},
		{"token=abc", "token=" + Redacted},
		{"a=1&access_token=x%20y&b=2", "a=1&access_token=" + Redacted + "&b=2"},
		{"API_KEY=k&key=v&Secret=s", "API_KEY=" + Redacted + "&key=" + Redacted + "&Secret=" + Redacted},
		{"api%5Fkey=k", "api%5Fkey=" + Redacted},
		{"hub.mode=subscribe&hub.challenge=123&hub.verify_token=mine", "hub.mode=subscribe&hub.challenge=123&hub.verify_token=" + Redacted},
		{"signature=ab&sig=cd&timestamp=1", "signature=ab&sig=cd&timestamp=1"},
		{"token=&token", "token=&token"}, // nothing to hide
		{"session=s1&page_token=p", "session=" + Redacted + "&page_token=p"},
		{"a=1&&token=t&", "a=1&&token=" + Redacted + "&"},
	}
	for _, c := range cases {
		got, changed := r.Query(c.in)
		if got != c.want || changed != (c.in != c.want) {
			t.Errorf("Query(%q) = %q, %v; want %q", c.in, got, changed, c.want)
		}
	}
}

func TestNewRedactionRefusesBadNames(t *testing.T) {
	if _, err := NewRedaction([]string{"X Bad"}, nil); err == nil {
		t.Error("a header name with a space was taken")
	}
	if _, err := NewRedaction(nil, []string{"a=b"}); err == nil {
		t.Error("a query name with = was taken")
	}
	if _, err := NewRedaction([]string{""}, nil); err == nil {
		t.Error("an empty header name was taken")
	}
}

// The store redacts the default list itself, whoever appends.
func TestStoredEventHasDefaultSecretsRedacted(t *testing.T) {
	st, err := Open(filepath.Join(t.TempDir(), "history.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ev := &payloads.Event{
		Received: time.Now().UTC(), Direction: payloads.Inbound, Method: "POST", Path: "/",
		Headers: http.Header{"Cookie": {"sid=1"}, "X-Api-Key": {"k"}, "X-Vendor-Access-Token": {"t"}, "Content-Type": {"application/json"}},
		Body:    []byte("{}"),
	}
	if err := st.Append(ev); err != nil {
		t.Fatal(err)
	}
	got, err := st.Get(ev.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"Cookie", "X-Api-Key", "X-Vendor-Access-Token"} {
		if v := got.Headers.Get(n); v != Redacted {
			t.Errorf("stored %s = %q, want %q", n, v, Redacted)
		}
	}
	if v := got.Headers.Get("Content-Type"); v != "application/json" {
		t.Errorf("Content-Type stored as %q", v)
	}
}
