package exchange

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
)

// TestEncoderMatchesBefore: the encoder writes the bytes the one before it wrote
// (jsonenc_before_test.go) for goldenEvents and strings at every 8-byte boundary.
func TestEncoderMatchesBefore(t *testing.T) {
	events, _ := goldenEvents()
	specials := []string{"\"", "\\", "\n", "\x00", "\x1f", " ", "\x7f", "é", "\u2028", "\u2029", "\xff", "\xe2\x80", "\ufffd", "😀"}
	for n := range 20 {
		for _, sp := range specials {
			s := string(bytes.Repeat([]byte("a"), n)) + sp + "tail-of-eight" + sp
			events = append(events, &payloads.Event{ID: s, Path: s, Headers: http.Header{s: {s, ""}}, Body: []byte(s), Summary: s})
		}
	}
	var names []string
	for i, ev := range events {
		got, err := appendRecord([]byte("prefix"), ev, &names)
		if err != nil {
			t.Fatal(err)
		}
		want, err := appendRecordBefore([]byte("prefix"), ev)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("event %d:\nnow    %s\nbefore %s", i, got, want)
		}
	}
}

// FuzzEncoderMatchesBefore holds the encoder to the one before it, and to valid JSON,
// for any strings, headers and body.
func FuzzEncoderMatchesBefore(f *testing.F) {
	f.Add("01JNE0R1T8M3S4Q2W5K6A7B8C9", "/a\"b", "X-Api-Key", "v\x00\u2028", []byte("{\"a\":1}\n"), "sum", int64(7), false)
	f.Add("", "", "", "", []byte{0xff, 0, 'a'}, "", int64(-1), true)
	f.Add("abcdefgh\x01", "\\\\\\\\\\\\\\\\", "\xc3", "\xe2\x80\xa8abcdefg", []byte("12345678\xf0\x9f\x98"), "ü", int64(0), false)
	f.Fuzz(func(t *testing.T, id, path, hname, hvalue string, body []byte, summary string, n int64, attempt bool) {
		at := time.Unix(n, n%1e9).In(time.FixedZone("z", int(n%50000)))
		ev := &payloads.Event{ID: id, Seq: uint64(n), Received: at, Path: path, Query: hvalue, Host: hname,
			Headers: http.Header{hname: {hvalue, path}, "B" + hname: nil}, Body: body, Size: len(body),
			Source: summary, Signature: sig.Verdict{Reason: hvalue, SecretIndex: int(n % 7)}, Summary: summary}
		if attempt {
			ev.Attempts = []payloads.Attempt{{Target: path, At: at, ResponseBody: body, ResponseHeaders: http.Header{hname: {hvalue}}}}
		}
		var names []string
		got, err := appendRecord(nil, ev, &names)
		if err != nil {
			t.Fatal(err)
		}
		want, err := appendRecordBefore(nil, ev)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("\nnow    %q\nbefore %q", got, want)
		}
		if !json.Valid(got) {
			t.Fatalf("invalid JSON: %q", got)
		}
	})
}

// TestSharedEventIsTheRedactedEvent: eventShared gives what Event gives (ev itself
// only when Event would change nothing), for events with and without secrets.
func TestSharedEventIsTheRedactedEvent(t *testing.T) {
	events, attempts := goldenEvents()
	for i, list := range attempts {
		events[i].Attempts = list
	}
	events = append(events,
		&payloads.Event{Headers: http.Header{"X-Api-\u212aey": {"kelvin"}}},                // Unicode folding
		&payloads.Event{Headers: http.Header{"proxy-authorization": {"x"}}},                // lower case
		&payloads.Event{Headers: http.Header{"X-Long-" + string(make([]byte, 80)): {"x"}}}, // past the lookup's scratch
		&payloads.Event{Query: "a=1&b=2"}, &payloads.Event{Query: "token=1"}, &payloads.Event{Summary: "hunter2-secret"},
		&payloads.Event{Body: []byte("hunter2-secret")})
	for _, secrets := range [][]string{nil, goldenSecrets} {
		red := NewRedactor(secrets...)
		for i, ev := range events {
			before := *ev
			shared, copied := red.eventShared(ev), red.Event(ev)
			if !reflect.DeepEqual(shared, copied) {
				t.Errorf("secrets %v, event %d: shared %+v\nEvent %+v", secrets, i, shared, copied)
			}
			if !reflect.DeepEqual(*ev, before) {
				t.Errorf("event %d changed", i)
			}
		}
	}
}

// TestKnownSecretNameIsEqualFold: the lookup answers as strings.EqualFold against
// every known secret header name.
func TestKnownSecretNameIsEqualFold(t *testing.T) {
	names := []string{"authorization", "AUTHORIZATION", "X-Api-\u212aey", "x-api-key ", "Cookie", "cookies", "", "\xff", "Set-Cookie",
		"X-Telegram-Bot-Api-Secret-Token", "x-telegram-bot-api-secret-token", "ſet-cookie", "X-Dexra-Api-Key"}
	for _, name := range names {
		want := false
		for _, k := range knownSecretHeaders {
			want = want || equalFold(name, k)
		}
		if got := knownSecretName(name); got != want {
			t.Errorf("knownSecretName(%q) = %v, want %v", name, got, want)
		}
	}
}

func equalFold(a, b string) bool { return bytes.EqualFold([]byte(a), []byte(b)) }

func FuzzKnownSecretName(f *testing.F) {
	f.Add("X-Api-\u212aey")
	f.Add("cookie")
	f.Fuzz(func(t *testing.T, name string) {
		want := false
		for _, k := range knownSecretHeaders {
			want = want || equalFold(name, k)
		}
		if got := knownSecretName(name); got != want {
			t.Fatalf("knownSecretName(%q) = %v, want %v", name, got, want)
		}
	})
}
