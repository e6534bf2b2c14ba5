package tunnel

import (
	"errors"
	"testing"
)

func TestTriggerTargetURL(t *testing.T) {
	cases := map[string]string{
		"http://127.0.0.1:4242":         "http://127.0.0.1:4242/dexatel",
		"http://127.0.0.1:4242/":        "http://127.0.0.1:4242/dexatel",
		"http://127.0.0.1:4242/hooks":   "http://127.0.0.1:4242/hooks",
		"http://h?x=1":                  "http://h/dexatel?x=1",
		"localhost:4242":                "http://localhost:4242/dexatel",
		":4242":                         "http://localhost:4242/dexatel",
		"https://example.com/in?a=b#fr": "https://example.com/in?a=b#fr",
	}
	for in, want := range cases {
		got, err := targetURL(in, "/dexatel")
		if err != nil || got != want {
			t.Errorf("targetURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := targetURL("http://", "/x"); err == nil {
		t.Error("a URL without a host was accepted")
	}
}

func TestTargetURLCallsBadURLsInvalid(t *testing.T) {
	for _, in := range []string{"http://127.0.0.1:99999", "http://localhost:abc", "ftp://host/x", "http://", "localhost:0", "notaurl", "example.com/hook"} {
		if _, err := targetURL(in, "/x"); !errors.Is(err, ErrBadTarget) {
			t.Errorf("targetURL(%q): %v, want ErrBadTarget", in, err)
		}
	}
}
