package sig

import (
	"fmt"
	"net/http"
	"net/textproto"
	"testing"
)

func TestHeaderValue(t *testing.T) {
	h := http.Header{"x-raw": {"  raw value "}, "X-Empty": {}, "X-Canon": {"\tc \r\n"}, "X-Nbsp": {"\u00a0v"}}
	if v, ok := headerValue(h, "X-Raw"); !ok || v != "raw value" {
		t.Errorf("raw key: %q %v", v, ok)
	}
	if _, ok := headerValue(h, "x-empty"); ok {
		t.Error("a key without values is absent")
	}
	if v, ok := headerValue(h, "x-canon"); !ok || v != "c" {
		t.Errorf("canonical key: %q %v", v, ok)
	}
	if v, _ := headerValue(h, "X-Nbsp"); v != "\u00a0v" {
		t.Errorf("only HTTP whitespace is trimmed, got %q", v)
	}
	// The canonical spelling wins over a lowercase one.
	h = http.Header{"x-dup": {"lower"}, "X-Dup": {"canonical"}}
	if v, _ := headerValue(h, "x-dup"); v != "canonical" {
		t.Fatalf("got %q", v)
	}
}

func TestParseUnix(t *testing.T) {
	for s, want := range map[string]string{
		"1700000000":           "",
		"+1700000000":          "",
		"0":                    "",
		"":                     "empty timestamp",
		"1.5":                  "timestamp is not an integer number of seconds",
		"1e9":                  "timestamp is not an integer number of seconds",
		"-1":                   "timestamp out of range",
		"253402300800":         "timestamp out of range",
		"99999999999999999999": "timestamp is not an integer number of seconds",
	} {
		if _, got := parseUnix(s); got != want {
			t.Errorf("parseUnix(%q) = %q, want %q", s, got, want)
		}
	}
}

// Lookups cost no allocation once a name's forms are known, and names past the cache's
// bound are still found in every form.
func TestHeaderValueForms(t *testing.T) {
	h := http.Header{"Webhook-Signature": {"v1,x"}, "x-lower": {"l"}}
	if n := testing.AllocsPerRun(100, func() {
		hasHeader(h, "webhook-signature")
		hasHeader(h, "X-Dexatel-Signature")
		hasHeader(h, "X-Lower")
	}); n != 0 {
		t.Fatalf("%v allocations per lookup round", n)
	}
	for i := range maxHeaderForms + 10 {
		name := fmt.Sprintf("x-Name-%d", i)
		h := http.Header{textproto.CanonicalMIMEHeaderKey(name): {"c"}, fmt.Sprintf("x-lower-%d", i): {"l"}}
		if v, ok := headerValue(h, name); !ok || v != "c" {
			t.Fatalf("%s: canonical form not found: %q", name, v)
		}
		if v, ok := headerValue(h, fmt.Sprintf("X-LOWER-%d", i)); !ok || v != "l" {
			t.Fatalf("%s: lowercase form not found: %q", name, v)
		}
	}
	if n := headerFormCount.Load(); n > maxHeaderForms {
		t.Fatalf("cache holds %d names, bound is %d", n, maxHeaderForms)
	}
}
