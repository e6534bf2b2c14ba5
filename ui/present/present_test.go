package present

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/tunnel"
)

// plain joins a document's text, one line per line.
func plain(d Doc) string {
	var b strings.Builder
	for i, l := range d {
		if i > 0 {
			b.WriteByte('\n')
		}
		for _, s := range l {
			b.WriteString(s.Text)
		}
	}
	return b.String()
}

func kinds(l Line) map[string]Kind {
	out := map[string]Kind{}
	for _, s := range l {
		out[s.Text] = s.Kind
	}
	return out
}

func TestBodyPrettyPrintsJSONKeepingTokens(t *testing.T) {
	ev := &payloads.Event{Body: []byte(`{"a":1.50,"b":[true,null],"c":"x\"y\u00e9"}`), BodyKind: payloads.BodyJSON}
	doc := Body(ev, 80)
	want := "{\n  \"a\": 1.50,\n  \"b\": [\n    true,\n    null\n  ],\n  \"c\": \"x\\\"y\\u00e9\"\n}"
	if got := plain(doc); got != want {
		t.Fatalf("pretty JSON:\n%s\nwant:\n%s", got, want)
	}
	k := kinds(doc[1])
	if k[`"a"`] != Key || k["1.50"] != Number {
		t.Fatalf("line %q kinds %v", plain(Doc{doc[1]}), k)
	}
	if k := kinds(doc[3]); k["true"] != Literal {
		t.Fatalf("true is %v", k["true"])
	}
	if k := kinds(doc[6]); k[`"x\"y\u00e9"`] != String {
		t.Fatalf("string kinds %v", k)
	}
}

func TestBodyTextAndBinary(t *testing.T) {
	text := Body(&payloads.Event{Body: []byte("a=1&b=2\r\nline\ttwo")}, 80)
	if got := plain(text); got != `a=1&b=2\r`+"\nline    two" {
		t.Fatalf("text body: %q", got)
	}
	bin := Body(&payloads.Event{Body: []byte{0, 1, 2, 'A', 0xff}, BodyKind: payloads.BodyBinary}, 80)
	if got := plain(bin); !strings.Contains(got, "00000000  00 01 02 41 ff") || !strings.Contains(got, "|...A.|") {
		t.Fatalf("hex dump: %q", got)
	}
	narrow := HexDump(make([]byte, 20), 8)
	if len(narrow) != 3 {
		t.Fatalf("8 bytes a row: %d rows for 20 bytes", len(narrow))
	}
	empty := Body(&payloads.Event{}, 80)
	if plain(empty) != "(empty body)" {
		t.Fatalf("empty body: %q", plain(empty))
	}
}

func TestLargeBodiesSayTheyAreCut(t *testing.T) {
	big := []byte(strings.Repeat("x", MaxText+10))
	doc := Body(&payloads.Event{Body: big, BodyKind: payloads.BodyText}, 80)
	if got := plain(doc); !strings.Contains(got, "showing the first 262,144 of 262,154 bytes") {
		t.Fatalf("no cut note: %q", got[len(got)-80:])
	}
}

func TestSignatureExplainsAMismatch(t *testing.T) {
	ev := &payloads.Event{Signature: sig.Verdict{
		Scheme: "dexatel", Status: sig.Fail, Reason: sig.ReasonMismatch, SecretIndex: -1,
		Expected: "aaaa", Received: "bbbb",
	}}
	got := plain(Signature(ev))
	for _, want := range []string{"Scheme    dexatel", "✗ fail", "Reason    mismatch", "no configured secret matched",
		"Expected  aaaa", "Received  bbbb", "wrong secret", "body changed on the way"} {
		if !strings.Contains(got, want) {
			t.Fatalf("signature tab lacks %q:\n%s", want, got)
		}
	}
	pass := plain(Signature(&payloads.Event{Signature: sig.Verdict{Scheme: "dexatel", Status: sig.Pass, SecretIndex: 1}}))
	if !strings.Contains(pass, "configured secret #2 matched") || strings.Contains(pass, "Common causes") {
		t.Fatalf("pass:\n%s", pass)
	}
	stale := Causes(sig.Verdict{Status: sig.Fail, Reason: "timestamp outside tolerance by 12s (in the past)", SecretIndex: 0})
	if len(stale) == 0 || !strings.Contains(stale[0], "stale timestamp") {
		t.Fatalf("stale causes: %v", stale)
	}
}

func TestRowAndDetailTitle(t *testing.T) {
	ev := &payloads.Event{
		ID: "01JNGQ0000000000000000000A", Seq: 7, Received: time.Date(2026, 3, 1, 13, 0, 5, 0, time.UTC),
		Source: "dexatel", Type: "delivery", Summary: "delivered\x1b[2J", Size: 2048, DuplicateOf: "01JNGQ0000000000000000000B",
		Signature: sig.Verdict{Status: sig.Pass}, Headers: http.Header{},
	}
	r := NewRow(ev, time.UTC, ev.Received, 3)
	if r.Time != "13:00:05" || r.Summary != `delivered\x1b[2J` || r.Deliveries != 3 || r.Size != "2.0K" {
		t.Fatalf("row %+v", r)
	}
	d := NewDetail(ev, Options{Location: time.UTC, Width: 80}, Dedup{Deliveries: 3})
	if got := plain(Doc{d.Title}); got != "✓ delivery · dexatel · 01JNGQ0000… · 13:00:05 · ↺3" {
		t.Fatalf("title %q", got)
	}
	if got := plain(d.Tabs[TabHeaders].Head); !strings.Contains(got, "Redelivery  ↺ 3 deliveries carry this event; the first was 01JNGQ0000000000000000000B") {
		t.Fatalf("headers tab does not explain the redelivery:\n%s", got)
	}
}

func TestCountAndSize(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1204: "-1,204"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
	if Size(512) != "512B" || Size(1536) != "1.5K" || Size(5<<20) != "5.0M" {
		t.Errorf("sizes: %s %s %s", Size(512), Size(1536), Size(5<<20))
	}
}

func FuzzBody(f *testing.F) {
	f.Add([]byte(`{"a":[1,2,{"b":"c"}]}`))
	f.Add([]byte("\x1b]52;c;AAAA\x07"))
	f.Add([]byte{0xff, 0x00})
	f.Add([]byte(`{"t":"\u001b]2;x\u0007` + "\u009b\u202e" + `"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ev := &payloads.Event{Body: body, BodyKind: payloads.KindOf(body)}
		lines := Body(ev, 80)
		for _, width := range []int{80, 7} {
			lines = append(lines, allLines(BodyRows(ev, width))...)
			lines = append(lines, allLines(RawRows(ev, width))...)
		}
		for _, l := range lines {
			for _, s := range l {
				for _, r := range s.Text {
					if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
						t.Fatalf("control %U reaches a span: %q", r, s.Text)
					}
				}
			}
		}
	})
}

func TestAboutLabelsAndValuesAreApart(t *testing.T) {
	ev := &payloads.Event{ID: "01JNGQ0000000000000000000D", DuplicateOf: "01JNGQ0000000000000000000A", DedupKey: "k", Correlation: "9c25a952-1"}
	got := plain(NewDetail(ev, Options{Location: time.UTC, Width: 80}, Dedup{Deliveries: 2}).Tabs[TabHeaders].Head)
	for _, want := range []string{"Redelivery  ↺ 2", "Correlates  9c25a952-1", "Dedup key   k"} {
		if !strings.Contains(got, want) {
			t.Fatalf("lacks %q:\n%s", want, got)
		}
	}
}

func TestRejectedBodySaysItWasDropped(t *testing.T) {
	ev := &payloads.Event{ID: "01JNGQ0000000000000000000R", Status: 413, Rejected: "body exceeds 5242880 bytes", Size: 6291456}
	for _, got := range []string{plain(Body(ev, 80)), plain(BodyRows(ev, 80).Head)} {
		if !strings.Contains(got, "body of 6,291,456 bytes dropped (body exceeds 5242880 bytes") || strings.Contains(got, "empty body") {
			t.Fatalf("a 413's body: %q", got)
		}
	}
}

func TestSignatureTabOfAnUnsignedRequest(t *testing.T) {
	ev := &payloads.Event{Signature: sig.Verdict{Status: sig.Missing, SecretIndex: -1}}
	got := plain(Signature(ev))
	if !strings.Contains(got, "Scheme    none: the request has no signature header") || !strings.Contains(got, "Verdict   ? missing: unsigned") || strings.Contains(got, "Scheme    -") {
		t.Fatalf("unsigned request:\n%s", got)
	}
	stale := &payloads.Event{Signature: sig.Verdict{Scheme: "stripe", Status: sig.Fail, SecretIndex: -1, Reason: "timestamp outside tolerance by 196159041s (in the past)"}}
	if got := plain(Signature(stale)); !strings.Contains(got, "outside tolerance by 2270d 8h (in the past)") {
		t.Fatalf("the age is not a human duration:\n%s", got)
	}
}

// A row says when its event came through a relay or a tunnel rather than straight.
func TestRowSaysHowTheEventArrived(t *testing.T) {
	for via, want := range map[string]string{"relay https://smee.io/x": "relay", "tunnel http://p.example": "tunnel", "": "", "forged": ""} {
		ev := &payloads.Event{ID: "01X", Method: "POST", Path: "/", Headers: http.Header{}}
		if via != "" {
			ev.Headers.Set(tunnel.ViaHeader, via)
		}
		if got := NewRow(ev, time.UTC, time.Now(), 0).Via; got != want {
			t.Errorf("via %q: row says %q, want %q", via, got, want)
		}
	}
}
