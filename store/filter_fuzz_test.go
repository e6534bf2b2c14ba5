package store

import (
	"reflect"
	"testing"

	"github.com/dexra/dexra-tui/payloads"
)

// FuzzParseFilter: parsing never panics, and a parsed filter's String() parses back to
// an equal filter whose String() is the same (canonical form is a fixed point).
func FuzzParseFilter(f *testing.F) {
	for _, seed := range []string{
		"", "type:delivery", "source:dexatel sig:fail", "-dup:yes corr:msg-1",
		`path:"/a b" "two words" -word`, `"a\"b\\c"`, "--x", ":x", "TYPE:X",
		`sig:pass dup:no path:/dexra/hooks hello`, "foo:bar", `"unterminated`,
		"type:\u00a0x", "é:x", "-\"\"", `path:a:b`, "\x85type:x", "a\u2028b",
		"corr:\xff\xfe", `"\`,
	} {
		f.Add(seed)
	}
	ev := &payloads.Event{Path: "/dexatel", Source: "dexatel", Type: "delivery", Body: []byte(`{"a":1}`)}
	f.Fuzz(func(t *testing.T, q string) {
		parsed, err := ParseFilter(q)
		if err != nil {
			return
		}
		parsed.Match(ev)
		s := parsed.String()
		again, err := ParseFilter(s)
		if err != nil {
			t.Fatalf("ParseFilter(%q) ok, but its String() %q does not parse: %v", q, s, err)
		}
		if !reflect.DeepEqual(parsed.terms, again.terms) {
			t.Fatalf("round trip of %q through %q: %+v != %+v", q, s, parsed.terms, again.terms)
		}
		if s2 := again.String(); s2 != s {
			t.Fatalf("String() not canonical: %q then %q", s, s2)
		}
	})
}
