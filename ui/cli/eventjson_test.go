package cli

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store/storetest"
)

// encoderLine is the --json line as encoding/json writes it (the encoding before
// appendEventJSON): the reference it must match byte for byte.
func encoderLine(t testing.TB, ev *payloads.Event) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := writeJSON(&b, toLine(ev), false); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// awkwardStrings need escaping one way or another: quotes, controls, HTML, invalid
// UTF-8, line separators, C1 controls and bidi marks a terminal acts on.
var awkwardStrings = []string{
	"", "plain", `quo"te\back`, "tab\tnl\ncr\r\b\f\x00\x1f\x7f", "<script>&amp;</script>",
	"bad \xff\xfe utf8 \xc3", "sep\u2028\u2029", "c1 \u0085\u009b\u009d", "bidi \u202e\u2066\u200f\u061c",
	"ünïcødé 日本 🎉 \ufffd", "\u00a0nbsp", "/webhooks/dexatel?x=1&y=<2>",
}

func TestEventJSONMatchesEncoder(t *testing.T) {
	var events []*payloads.Event
	for i := range 40 {
		events = append(events, storetest.Event(i))
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600))
	for i, s := range awkwardStrings {
		events = append(events, &payloads.Event{
			ID: s, Received: at.Add(time.Duration(i) * 1234567), Direction: payloads.Direction(s), Method: s,
			Path: s, Source: s, Type: s, Signature: sig.Verdict{Scheme: s, Status: sig.Status(s), Reason: s},
			DuplicateOf: s, Correlation: s, Size: -i, Status: i * 100,
		})
	}
	events = append(events, &payloads.Event{}, &payloads.Event{Direction: payloads.Outbound, Method: http.MethodPost, Received: time.Unix(0, 1)})
	for _, ev := range events {
		want := encoderLine(t, ev)
		if got := appendEventJSON(nil, ev); !bytes.Equal(got, want) {
			t.Errorf("event %q:\n got %s\nwant %s", ev.ID, got, want)
		}
	}
}

// FuzzEventJSON: appendEventJSON writes what encoding/json and escapeTerminalRunes do,
// for any strings.
func FuzzEventJSON(f *testing.F) {
	for i, s := range awkwardStrings {
		f.Add(s, awkwardStrings[(i+3)%len(awkwardStrings)], int64(i)*1e9+7, i)
	}
	f.Fuzz(func(t *testing.T, a, b string, nanos int64, n int) {
		ev := &payloads.Event{
			ID: a, Received: time.Unix(0, nanos), Direction: payloads.Direction(b), Method: a, Path: b,
			Source: a + b, Type: b + a, Signature: sig.Verdict{Scheme: a, Status: sig.Status(b), Reason: a + "\u2028" + b},
			DuplicateOf: b, Correlation: a, Size: n, Status: -n,
		}
		if got, want := appendEventJSON(nil, ev), encoderLine(t, ev); !bytes.Equal(got, want) {
			t.Fatalf("\n got %s\nwant %s", got, want)
		}
	})
}
