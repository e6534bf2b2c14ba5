package relay

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/http/httpguts"
)

func FuzzSSEReader(f *testing.F) {
	f.Add("id: 0\nevent: ready\ndata: {}\n\n")
	f.Add("data: a\r\ndata: b\r\n\r\n: ping\r\rretry: 1500\n\n")
	f.Add("data\n\ndata:\n\nid: x\x00y\n")
	f.Fuzz(func(t *testing.T, stream string) {
		r := newSSEReader(strings.NewReader(stream), 1<<10)
		total := 0
		for range 1000 {
			ev, err := r.Next()
			if err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, errEventTooLarge) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if ev.Type == "" {
				t.Fatal("an event without a type")
			}
			total += len(ev.Data)
			if total > len(stream) {
				t.Fatalf("events carry %d bytes from a %d-byte stream", total, len(stream))
			}
		}
	})
}

func FuzzDecodeSmee(f *testing.F) {
	f.Add(`{"x-dexatel-signature":"ab","content-type":"application/json","host":"smee.io","body":{"a":1},"query":{"q":["1","2"]},"timestamp":1700000000000}`)
	f.Add(`{"body":"text","x-n":3,"x-b":true,"bad name":"v","x-ctl":"a\nb"}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, data string) {
		d, err := decodeSmee([]byte(data))
		if err != nil {
			return
		}
		// Whatever came in, the request we build must be one net/http can send.
		for name, values := range d.Header {
			if !httpguts.ValidHeaderFieldName(name) {
				t.Fatalf("invalid header name %q carried", name)
			}
			for _, v := range values {
				if !httpguts.ValidHeaderFieldValue(v) {
					t.Fatalf("invalid value for %s carried: %q", name, v)
				}
			}
		}
		if d.Host != "" && !httpguts.ValidHostHeader(d.Host) {
			t.Fatalf("invalid host %q", d.Host)
		}
		if _, err := http.NewRequest("POST", "/?"+d.Query.Encode(), nil); err != nil {
			t.Fatalf("query does not make a request: %v", err)
		}
	})
}
