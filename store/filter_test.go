package store

import (
	"reflect"
	"strings"
	"testing"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
)

func TestParseFilterCanonicalString(t *testing.T) {
	for q, want := range map[string]string{
		"":                               "",
		"   ":                            "",
		"type:delivery":                  "type:delivery",
		"TYPE:Delivery  source:dexatel":  "type:Delivery source:dexatel",
		"sig:FAIL dup:Yes":               "sig:fail dup:yes",
		`path:"/a b" -corr:m1`:           `path:"/a b" -corr:m1`,
		`"two words" -"x" hello`:         `"two words" -x hello`,
		`"a\"b\\c"`:                      `"a\"b\\c"`,
		`"type:x"`:                       `"type:x"`,
		`--x`:                            `-"-x"`,
		`path:a:b`:                       `path:a:b`,
		`:x`:                             `":x"`,
		"type:a\tsource:b\n":             "type:a source:b",
		`corr:"with \"quote\""`:          `corr:"with \"quote\""`,
		"-sig:pass -dup:no -path:/dexra": "-sig:pass -dup:no -path:/dexra",
	} {
		f, err := ParseFilter(q)
		if err != nil {
			t.Errorf("ParseFilter(%q): %v", q, err)
			continue
		}
		if got := f.String(); got != want {
			t.Errorf("ParseFilter(%q).String() = %q, want %q", q, got, want)
		}
	}
}

func TestParseFilterTerms(t *testing.T) {
	f, err := ParseFilter(`-type:Delivery "two words" corr:"m 1"`)
	if err != nil {
		t.Fatal(err)
	}
	want := []term{
		{neg: true, key: KeyType, value: "Delivery", lower: "delivery"},
		{value: "two words", lower: "two words"},
		{key: KeyCorr, value: "m 1", lower: "m 1"},
	}
	if !reflect.DeepEqual(f.terms, want) {
		t.Fatalf("terms = %+v, want %+v", f.terms, want)
	}
}

func TestParseFilterErrors(t *testing.T) {
	for q, want := range map[string][]string{
		"foo:bar":          {`unknown key "foo"`, "type, source, sig, path, dup, corr"},
		"sig:maybe":        {"sig:maybe", "pass, fail, missing or unchecked"},
		"dup:perhaps":      {"dup:perhaps", "yes or no"},
		"type:":            {"empty value for type:"},
		`type:""`:          {"empty value for type:"},
		`path:"/a b`:       {"unterminated quote"},
		`"abc`:             {"unterminated quote"},
		`"abc\`:            {"unterminated quote"},
		"-":                {"'-' must be followed by a term"},
		"type:x - y":       {"'-' must be followed by a term"},
		`""`:               {"empty phrase"},
		`ab"cd"`:           {`unexpected '"'`, "quote the whole word"},
		`type:a"b"`:        {`unexpected '"'`, "quote the whole value"},
		`"abc"def`:         {"closing quote must be followed by a space"},
		`http://x.example`: {`unknown key "http"`},
	} {
		_, err := ParseFilter(q)
		if err == nil {
			t.Errorf("ParseFilter(%q) = nil error, want one containing %q", q, want)
			continue
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("ParseFilter(%q) = %q, want it to contain %q", q, err, w)
			}
		}
	}
}

func TestFilterMatch(t *testing.T) {
	ev := &payloads.Event{
		Path:        "/Dexatel/Hooks",
		Source:      "Dexatel",
		Type:        "delivery",
		Signature:   sig.Verdict{Status: sig.Fail},
		DuplicateOf: "01FIRST",
		Correlation: "msg-1",
		Body:        []byte(`{"data":{"status":"DELIVERED","text":"two words"}}`),
	}
	unchecked := &payloads.Event{Path: "/x", Body: []byte("plain")}
	for _, c := range []struct {
		q    string
		ev   *payloads.Event
		want bool
	}{
		{"", ev, true},
		{"type:delivery", ev, true},
		{"type:DELIVERY", ev, true},
		{"type:message", ev, false},
		{"-type:message", ev, true},
		{"-type:delivery", ev, false},
		{"source:dexatel", ev, true},
		{"source:dexra", ev, false},
		{"-source:dexra", ev, true},
		{"sig:fail", ev, true},
		{"sig:pass", ev, false},
		{"-sig:fail", ev, false},
		{"sig:unchecked", unchecked, true},
		{"sig:missing", unchecked, false},
		{"path:dexatel", ev, true},
		{"path:HOOKS", ev, true},
		{"path:/dexra", ev, false},
		{"-path:/dexra", ev, true},
		{"dup:yes", ev, true},
		{"dup:no", ev, false},
		{"dup:no", unchecked, true},
		{"-dup:yes", unchecked, true},
		{"corr:msg-1", ev, true},
		{"corr:MSG-1", ev, false}, // exact
		{"corr:msg", ev, false},
		{"-corr:msg-1", ev, false},
		{"delivered", ev, true},    // body, case-insensitive
		{"hooks", ev, true},        // path
		{`"two words"`, ev, true},  // phrase in body
		{`"words two"`, ev, false}, // phrase order matters
		{"-delivered", ev, false},  // negated word
		{"-absent", ev, true},      //
		{"type:delivery sig:fail", ev, true},
		{"type:delivery sig:pass", ev, false}, // all terms must match
		{"type:delivery -delivered", ev, false},
		{"plain", unchecked, true},
	} {
		f, err := ParseFilter(c.q)
		if err != nil {
			t.Fatalf("ParseFilter(%q): %v", c.q, err)
		}
		if got := f.Match(c.ev); got != c.want {
			t.Errorf("%q matches %s = %v, want %v", c.q, c.ev.Path, got, c.want)
		}
	}
}

func TestFilterNeedsBody(t *testing.T) {
	for q, want := range map[string]bool{
		"":                          false,
		"type:x sig:fail path:/a":   false,
		"word":                      true,
		`-"a phrase"`:               true,
		"type:x -corr:y dup:yes hi": true,
	} {
		f, err := ParseFilter(q)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.NeedsBody(); got != want {
			t.Errorf("NeedsBody(%q) = %v, want %v", q, got, want)
		}
	}
	var nilFilter *Filter
	if !nilFilter.Match(&payloads.Event{}) || nilFilter.NeedsBody() || nilFilter.String() != "" {
		t.Error("a nil filter must match everything")
	}
}

// The listener keeps a path escaped (/%E6%97%A5…), so path: and bare words find a path
// outside ASCII as it is typed.
func TestFilterFindsAPathOutsideASCIIAsTyped(t *testing.T) {
	ev := &payloads.Event{Path: "/%E6%97%A5%E6%9C%AC%E8%AA%9E/%E3%83%91%E3%82%B9", Body: []byte(`{"x":1}`)}
	for q, want := range map[string]bool{
		"path:/日本語":       true,
		"path:パス":         true,
		"日本語":             true,
		"-path:/日本語":      false,
		"path:/中":         false,
		"path:/%e6%97%a5": true,
		"path:/%E6%97%A5": true,
	} {
		f, err := ParseFilter(q)
		if err != nil {
			t.Fatalf("ParseFilter(%q): %v", q, err)
		}
		if got := f.Match(ev); got != want {
			t.Errorf("%q matches %s: %v, want %v", q, ev.Path, got, want)
		}
	}
}

// Outside ASCII, path: stays case-insensitive however the path was stored: escaped
// (as the listener keeps it, either case of letter) or as typed (an imported fixture).
func TestFilterPathOutsideASCIIIgnoresCase(t *testing.T) {
	for _, c := range []struct {
		query, path string
		want        bool
	}{
		{"path:ÄPFEL", "/%C3%A4pfel", true},
		{"path:äpfel", "/%C3%84PFEL", true},
		{"path:äpfel", "/ÄPFEL", true},
		{"path:ÄPFEL", "/äpfel", true},
		{"path:äpfel", "/birnen", false},
		{"path:äpfel", "/%zz%C3%A4pfel", true}, // a bad escape beside a good one
		{"path:äpfel", "/100%/%C3%A4pfel", true},
		{"path:é%20x", "/%C3%A9%20x", true}, // a value that mixes both forms
		{"-path:äpfel", "/%zz%C3%A4pfel", false},
		{"path:%zz", "/%zz%C3%A4pfel", true},
		{"path:a/b", "/a%2Fb", false}, // ASCII values are not compared unescaped
		{"path:%2F", "/a%2Fb", true},
	} {
		f, err := ParseFilter(c.query)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Match(&payloads.Event{Path: c.path}); got != c.want {
			t.Errorf("%q on %s: %v, want %v", c.query, c.path, got, c.want)
		}
	}
}
