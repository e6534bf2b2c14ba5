package store

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
)

// listenerEvent is an event as the listener records a signed Dexatel delivery of 900
// bytes from a Go client (the shape BenchmarkHistoryBytes in tunnel/ stores).
func listenerEvent() *payloads.Event {
	received := time.Date(2026, 12, 2, 1, 37, 13, 29231765, time.UTC)
	return &payloads.Event{
		ID: payloads.NewID(received), Received: received, Direction: payloads.Inbound, Method: http.MethodPost,
		Path: "/dexatel", Host: "127.0.0.1:36621", RemoteAddr: "127.0.0.1:57734",
		Headers: http.Header{
			"Accept-Encoding":     {"gzip"},
			"Content-Length":      {"900"},
			"Content-Type":        {"application/json"},
			"User-Agent":          {"Go-http-client/1.1"},
			"X-Dexatel-Signature": {"79bc0e53fb180199beed85cc76800e5bf04e175a6e7ef2e4a84cf20a1639626a"},
		},
		Size: 900, BodyKind: payloads.BodyJSON, Source: "dexatel", Type: "delivery",
		Signature:   sig.Verdict{Scheme: "dexatel", Status: sig.Pass},
		DedupKey:    "sha256:a74a20f12c270caaf94620d2f623d7df6c18dfc243effe4831765b6280cb2eba",
		Correlation: "c4f5a586-0005-4c6c-8088-c0dcb63ac19a", Summary: "delivered", Status: 200,
	}
}

// Strings in each compact form (wire_compact.go) and strings that look like one but
// must stay text to come back exactly.
var compactCandidates = []string{
	"01M8T6C3A5W24W896MQPEVTWE9",           // ULID
	"01m8t6c3a5w24w896mqpevtwe9",           // ULID, lower case: text
	"81M8T6C3A5W24W896MQPEVTWE9",           // past a ULID's range: text
	"01M8T6C3A5W24W896MQPEVTWEU",           // not Crockford: text
	"c4f5a586-0005-4c6c-8088-c0dcb63ac19a", // UUID
	"C4F5A586-0005-4C6C-8088-C0DCB63AC19A", // upper case: text
	"c4f5a586-0005-4c6c-8088_c0dcb63ac19a", // not a UUID
	"sha256:a74a20f12c270caaf94620d2f623d7df6c18dfc243effe4831765b6280cb2eba",
	"sha256=a74a20f12c270caaf94620d2f623d7df6c18dfc243effe4831765b6280cb2eba",
	"v0=a74a20f12c270caaf94620d2f623d7df",
	"79bc0e53fb180199beed85cc76800e5bf04e175a6e7ef2e4a84cf20a1639626a",
	"79BC0E53FB180199BEED85CC76800E5B", // upper-case hex: text
	"79bc0e53fb180199beed85cc76800e5",  // odd length: text
	"0123456789abcde",                  // short: text
	"x=79bc0e53fb180199beed85cc76800e5b",
	"127.0.0.1:36621", "[::1]:8080", "[2001:db8::1]:443", "10.0.0.1:080", "127.0.0.1", "[fe80::1%eth0]:80",
	"1.2.3.4:65535", "::ffff:1.2.3.4", "[::ffff:1.2.3.4]:80",
	"application/json", "POST", Redacted, "", "x", strings.Repeat("é", 40),
}

// compactFormsEvent sets every string field of an event to a compact candidate, a
// different one per field and per i.
func compactFormsEvent(i int) *payloads.Event {
	var ev payloads.Event
	v := reflect.ValueOf(&ev).Elem()
	n := i
	var set func(v reflect.Value)
	set = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			v.SetString(compactCandidates[n%len(compactCandidates)])
			n++
		case reflect.Struct:
			if _, ok := v.Interface().(time.Time); ok {
				return
			}
			for j := range v.NumField() {
				set(v.Field(j))
			}
		}
	}
	set(v)
	ev.Headers = http.Header{}
	for j, s := range compactCandidates {
		ev.Headers[fmt.Sprintf("X-H%d", j)] = []string{s, compactCandidates[(j+i+1)%len(compactCandidates)]}
	}
	ev.Headers["Content-Type"] = []string{"application/json"}
	ev.Size = 37 + i
	ev.Received = time.Unix(1_700_000_000, 123456789).UTC()
	return &ev
}

// Every compact form comes back exactly, in every field (the head's and the rest's),
// with either an ID that is a ULID (received time relative to it) or one that is not.
func TestRecordCompactFormsRoundTrip(t *testing.T) {
	for i := range len(compactCandidates) {
		ev := compactFormsEvent(i)
		want := *ev
		want.Seq, want.DuplicateOf = 3, compactCandidates[(i+5)%len(compactCandidates)]
		checkRecordRoundTrip(t, fmt.Sprintf("event %d", i), ev, want)
	}
}

// A received time far from the ID's instant, before 1970, zero or at the ID's instant.
func TestRecordReceivedTimes(t *testing.T) {
	base := listenerEvent()
	for _, received := range []time.Time{
		base.Received, time.UnixMilli(idTime(base.ID).UnixMilli()).UTC(), {},
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), time.Date(1900, 5, 1, 0, 0, 0, 999999999, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), base.Received.Add(-200 * 365 * 24 * time.Hour),
	} {
		ev := *base
		ev.Received = received
		for _, id := range []string{ev.ID, "not-a-ulid"} {
			ev.ID = id
			got, err := decodeMeta(1, encodeRecord(&ev, "", encodeRest(&ev), 0))
			if err != nil || !got.Received.Equal(received) || got.Received.IsZero() != received.IsZero() {
				t.Fatalf("received %v (ID %s): got %v, %v", received, id, got.Received, err)
			}
		}
	}
}

// Content-Length is left out only when it says the body's size, and comes back.
func TestRecordContentLength(t *testing.T) {
	for _, tc := range []struct {
		values []string
		size   int
		elided bool
	}{
		{[]string{"900"}, 900, true},
		{[]string{"0"}, 0, true},
		{[]string{"0900"}, 900, false},
		{[]string{"901"}, 900, false},
		{[]string{"900", "900"}, 900, false},
		{[]string{}, 900, false},
	} {
		ev := listenerEvent()
		ev.Size = tc.size
		ev.Headers["Content-Length"] = tc.values
		full := len(encodeRest(ev))
		got, err := decodeMeta(1, encodeRecord(ev, "", encodeRest(ev), 0))
		if err != nil {
			t.Fatal(err)
		}
		want := tc.values
		if len(want) == 0 {
			want = nil // as every record format reads an empty list
		}
		if !reflect.DeepEqual(got.Headers["Content-Length"], want) {
			t.Fatalf("Content-Length %q, size %d: got %q", tc.values, tc.size, got.Headers["Content-Length"])
		}
		delete(ev.Headers, "Content-Length")
		without := len(encodeRest(ev))
		if elided := full == without; elided != tc.elided {
			t.Fatalf("Content-Length %q, size %d: left out %v, want %v", tc.values, tc.size, elided, tc.elided)
		}
	}
	// A lower-case key is another header: kept as it is.
	ev := listenerEvent()
	delete(ev.Headers, "Content-Length")
	ev.Headers["content-length"] = []string{"900"}
	got, err := decodeMeta(1, encodeRecord(ev, "", encodeRest(ev), 0))
	if err != nil || !reflect.DeepEqual(got.Headers, ev.Headers) {
		t.Fatalf("lower-case content-length: %v, %v", got.Headers, err)
	}
}

// Secret header values are stored redacted in format 4 too.
func TestRecordRedactsSecretHeaders(t *testing.T) {
	ev := listenerEvent()
	ev.Headers.Set("Authorization", "Bearer live-api-key-123")
	ev.Headers.Set("X-Telegram-Bot-Api-Secret-Token", "telegram-secret")
	rec := encodeRecord(ev, "", encodeRest(ev), 0)
	if strings.Contains(string(rec), "live-api-key") || strings.Contains(string(rec), "telegram-secret") {
		t.Fatal("a secret header value reached the record")
	}
	got, err := decodeMeta(1, rec)
	if err != nil || got.Headers.Get("Authorization") != Redacted || got.Headers.Get("X-Telegram-Bot-Api-Secret-Token") != Redacted {
		t.Fatalf("secret headers read back as %v (%v)", got.Headers, err)
	}
}

// The listener's record of a signed 900 B delivery is under half of format 3's
// (467 bytes): what BenchmarkHistoryBytes's ratio rests on.
func TestRecordIsCompact(t *testing.T) {
	ev := listenerEvent()
	v4 := len(encodeRecord(ev, "", encodeRest(ev), 0))
	v3 := len(encodeRecordV3(ev, "", encodeRestWithSchema(ev, false, false, false, nil, nil, nil, ""), 0))
	t.Logf("record: format 3 %d bytes, format 4 %d bytes", v3, v4)
	if v4 > 205 || v3 < 2*v4 {
		t.Fatalf("format 4 record is %d bytes (format 3: %d), want at most 205 and under half", v4, v3)
	}
}

// Records hold positions in recordDict and hexPrefixes, so the tables must not change
// (record_dict.go): a change makes this fail. Appending needs a new record format.
func TestRecordDictFrozen(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range recordDict {
		if seen[s] {
			t.Errorf("recordDict holds %q twice", s)
		}
		seen[s] = true
	}
	for _, p := range hexPrefixes {
		if p != "" && lowerHexValue(p[len(p)-1]) >= 0 {
			t.Errorf("hex prefix %q ends in a hex digit", p)
		}
	}
	sum := sha256.Sum256([]byte(strings.Join(recordDict[:], "\x00") + "\x01" + strings.Join(hexPrefixes[:], "\x00")))
	const want = "0e6d90f074092436"
	if got := hex.EncodeToString(sum[:8]); got != want {
		t.Fatalf("record format 4's dictionary changed (sum %s, want %s): records written with it would read wrong", got, want)
	}
}
