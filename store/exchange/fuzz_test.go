package exchange

import (
	"bytes"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
)

func FuzzReadJSONL(f *testing.F) {
	ev := &payloads.Event{ID: payloads.NewID(time.Unix(1700000000, 0)), Received: time.Unix(1700000000, 0).UTC(), Method: "POST", Path: "/a",
		Body: []byte{0, 0xff}, Size: 2}
	var buf bytes.Buffer
	w := NewJSONLWriter(&buf)
	w.Write(ev)
	w.Close()
	f.Add(buf.Bytes())
	f.Add([]byte(`{"dexra_tui":1,"method":"POST","path":"/","received":"2025-01-01T00:00:00Z","body":"x","size":1}` + "\n"))
	f.Add([]byte("{\n}\n{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		events, err := ReadJSONL(data, "fuzz.jsonl")
		if err != nil {
			return
		}
		var out bytes.Buffer
		w := NewJSONLWriter(&out)
		for _, ev := range events {
			if err := w.Write(ev); err != nil {
				t.Fatal(err)
			}
		}
		w.Close()
		again, err := ReadJSONL(out.Bytes(), "again.jsonl")
		if err != nil || len(again) != len(events) {
			t.Fatalf("re-read of a written export: %v", err)
		}
		for i := range events {
			if !bytes.Equal(again[i].Body, events[i].Body) || again[i].Path != events[i].Path {
				t.Fatalf("event %d changed in a round trip", i)
			}
		}
	})
}

func FuzzReadHAR(f *testing.F) {
	f.Add([]byte(`{"log":{"version":"1.2","entries":[{"startedDateTime":"2025-01-01T00:00:00Z","request":{"method":"POST","url":"http://x/a?b=1","headers":[{"name":":path","value":"/"},{"name":"A","value":"b"}],"postData":{"mimeType":"text/plain","text":"hi"}}}]}}`))
	f.Add([]byte(`{"log":{"entries":[{"request":{"postData":{"_encoding":"base64","text":"AP8="}}}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		events, err := ReadHAR(data, "fuzz.har", nil)
		if err != nil {
			return
		}
		var out bytes.Buffer
		w := NewHARWriter(&out, "test")
		for _, ev := range events {
			ev.ID = payloads.NewID(ev.Received)
			ev.Size = len(ev.Body)
			if err := w.Write(ev); err != nil {
				t.Fatal(err)
			}
		}
		w.Close()
		again, err := ReadHAR(out.Bytes(), "again.har", nil)
		if err != nil || len(again) != len(events) {
			t.Fatalf("re-read of a written HAR: %v\n%s", err, out.Bytes())
		}
		for i := range events {
			if !bytes.Equal(again[i].Body, events[i].Body) {
				t.Fatalf("entry %d body changed: %q vs %q", i, again[i].Body, events[i].Body)
			}
		}
	})
}
