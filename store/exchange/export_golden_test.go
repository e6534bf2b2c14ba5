package exchange

import (
	"bytes"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/store/storetest"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/export_golden.jsonl from the current export")

// goldenSecrets are the configured secrets the golden export redacts.
var goldenSecrets = []string{"whsec_c2VjcmV0LWtleQ==", "hunter2-secret"}

// goldenEvents are events that exercise every branch of the jsonl line and of the
// redactor: odd header names and values, binary and invalid UTF-8 bodies, secrets in
// headers, query, body and summary, attempts, zones, rejected and empty requests.
func goldenEvents() (events []*payloads.Event, attempts map[int][]payloads.Attempt) {
	at := time.Date(2025, 6, 7, 8, 9, 10, 123456789, time.UTC)
	n := 0
	next := func() time.Time { at = at.Add(1500 * time.Microsecond); return at }
	// IDs fixed, not random, so the export is the same every run.
	id := func(t time.Time) string {
		n++
		var entropy [10]byte
		entropy[9] = byte(n)
		return ulid.MustNew(ulid.Timestamp(t), bytes.NewReader(entropy[:])).String()
	}
	ev := func(mut func(*payloads.Event)) {
		t := next()
		e := &payloads.Event{ID: id(t), Received: t, Direction: payloads.Inbound, Method: http.MethodPost,
			Path: "/hooks", Host: "127.0.0.1:4242", RemoteAddr: "127.0.0.1:5555", BodyKind: payloads.BodyJSON,
			Headers: http.Header{"Content-Type": {"application/json"}}, Source: "dexatel", Type: "delivery",
			Signature: sig.Verdict{Scheme: "dexatel", Status: sig.Pass}, Status: 200}
		mut(e)
		e.Size = len(e.Body)
		events = append(events, e)
	}
	ev(func(e *payloads.Event) { e.Body = []byte(`{"a":"<b>&amp;\u2028"}`) })
	ev(func(e *payloads.Event) { e.Body = []byte("\x00\x01\xff\xfe binary"); e.BodyKind = payloads.BodyBinary })
	ev(func(e *payloads.Event) {
		e.Body = []byte("text \xc3 broken \u2029 ü\t\r\n\b\f\x7f \"q\" \\ end")
		e.BodyKind = payloads.BodyText
	})
	ev(func(e *payloads.Event) {
		e.Body = nil
		e.Headers = nil
		e.Method = http.MethodGet
		e.Query = "a=1&b=%3C%3E"
	})
	ev(func(e *payloads.Event) {
		e.Headers = http.Header{
			"Authorization": {"Bearer abc"}, "X-Api-Key": {"k1", "k2"}, "x-auth-token": {"lower"},
			"Cookie": {"s=1"}, "X-Telegram-Bot-Api-Secret-Token": {"tg"}, "X-Plain": {"value hunter2-secret here"},
			"X-Empty": {}, "X-Nil": nil, "X-Multi": {"", " ", "\x00\x1f"},
		}
		e.Body = []byte(`{"secret":"hunter2-secret","key":"c2VjcmV0LWtleQ=="}`)
		e.Summary = "about hunter2-secret"
	})
	ev(func(e *payloads.Event) {
		e.Headers = http.Header{"X-Api-\u212aey": {"kelvin"}, "\xff\xfe": {"\xc3"}, "Sp ace": {"v"}, "X-Ok": {"whsec_c2VjcmV0LWtleQ=="}}
		e.Query = "api_key=abc&token=t&x=1&api%5Fkey=z&Secret=s&plain=hunter2-secret"
		e.Body = []byte("{}")
	})
	ev(func(e *payloads.Event) {
		e.Received = e.Received.In(time.FixedZone("plus", 5*3600+1800))
		e.Direction = payloads.Outbound
		e.Correlation, e.DedupKey, e.Summary = "m-1", "sha256:00", "sent"
		e.Signature = sig.Verdict{Scheme: "dexatel", Status: sig.Fail, Reason: "mismatch \"x\"", SecretIndex: -1, Expected: "e", Received: "r"}
		e.Body = []byte(`{"to":"+1555"}`)
	})
	ev(func(e *payloads.Event) {
		e.Rejected, e.Status, e.Simulated, e.DerivedFrom = "body too large", 413, "500", "01JNE0R1T8M3S4Q2W5K6A7B8C9"
		e.Body = bytes.Repeat([]byte("abc\"\\\n"), 3000)
	})
	ev(func(e *payloads.Event) { e.Body = []byte("forwarded"); e.Source, e.Type = "", "" })
	for i := range 5 {
		r := storetest.Event(i)
		r.ID = id(next())
		r.Received = at
		events = append(events, r)
	}
	attempts = map[int][]payloads.Attempt{
		4: {{Target: "http://localhost:3000/x?token=hunter2-secret", Mode: "forward", At: at, Status: 502, Latency: 1500 * time.Millisecond,
			Error: "refused hunter2-secret", ResponseHeaders: http.Header{"Set-Cookie": {"a=b"}, "X-R": {"<1>"}},
			ResponseBody: []byte("bad \xff hunter2-secret"), ResponseTruncated: true, Warning: "old"}},
		8: {{Target: "http://localhost:3000/", At: at, Status: 200, Latency: time.Millisecond, ResponseBody: []byte("ok")},
			{Target: "http://localhost:3000/", Mode: "edited", At: at, DerivedID: "01JNE0R1T8M3S4Q2W5K6A7B8C9"}},
	}
	return events, attempts
}

// goldenHistory stores goldenEvents (and their attempts) in a new history.
func goldenHistory(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "history.db"), store.Options{Retention: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	events, attempts := goldenEvents()
	for i, err := range st.AppendBatch(events) {
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	for i, list := range attempts {
		for _, a := range list {
			if err := st.AddAttempt(events[i].ID, a); err != nil {
				t.Fatal(err)
			}
		}
	}
	return st
}

// TestExportMatchesGolden holds the jsonl export of goldenEvents, read back from a
// history and redacted, to the bytes the export wrote before it was made fast
// (testdata/export_golden.jsonl, written by the reflection-based path of 44e3ea0).
// Pages of 3 events have the golden history read in windows, by two readers.
func TestExportMatchesGolden(t *testing.T) {
	for _, window := range []uint64{ExportPage, 3} {
		t.Run(fmt.Sprintf("window %d", window), func(t *testing.T) {
			withWindows(t, window, func() { checkGoldenExport(t) })
		})
	}
}

func checkGoldenExport(t *testing.T) {
	st := goldenHistory(t)
	events, _ := goldenEvents()
	var all, byID bytes.Buffer
	for _, c := range []struct {
		out *bytes.Buffer
		ids []string
	}{{&all, nil}, {&byID, []string{events[4].ID, events[8].ID, events[0].ID}}} {
		w := NewJSONLWriter(c.out)
		if _, err := Export(st, c.ids, "", NewRedactor(goldenSecrets...), w, nil); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	got := append(all.Bytes(), byID.Bytes()...)
	path := filepath.Join("testdata", "export_golden.jsonl")
	if *updateGolden {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
		for i := range min(len(gl), len(wl)) {
			if !bytes.Equal(gl[i], wl[i]) {
				t.Fatalf("line %d differs:\ngot  %s\nwant %s", i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("got %d lines, want %d", len(gl), len(wl))
	}
	if bytes.Contains(got, []byte("hunter2-secret")) || bytes.Contains(got, []byte("c2VjcmV0LWtleQ==")) || bytes.Contains(got, []byte("Bearer abc")) {
		t.Fatal("a secret reached the export")
	}
}
