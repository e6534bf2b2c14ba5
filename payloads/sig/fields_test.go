package sig

import (
	"net/http"
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
