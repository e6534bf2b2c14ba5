package tunnel

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
)

// rawExchange writes raw bytes to the listener and reads one answer.
func rawExchange(t *testing.T, baseURL, raw string) (*http.Response, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(baseURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to %.60q: %v", raw, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, body
}

// badInputListener verifies /dexatel with the dexatel scheme, everything else with auto.
func badInputListener(t *testing.T, cfg Config) *testListener {
	cfg.Verify = payloads.VerifyConfig{Scheme: "auto", Secrets: []string{testSecret}}
	cfg.Routes = []Route{{Prefix: "/dexatel", Scheme: "dexatel"}}
	return startListener(t, cfg)
}

// The documented answers to bad input (README, "Bad input"):
//   - body over MaxBody: 413 with a JSON error, recorded (Status 413, Rejected, body dropped)
//   - invalid JSON, binary, invalid UTF-8, control characters in the body: 200, stored
//     byte for byte and flagged by BodyKind
//   - raw control bytes in the request line or a header value: 400 from net/http, not
//     recorded (HTTP forbids them); percent-encoded in the path, C1/bidi in headers: 200
//   - 10,000 small headers: 200, all recorded; a header block over 1 MiB: 431, not recorded
//   - headers sent too slowly: the connection is closed after ReadHeaderTimeout, no answer
//   - missing or malformed signature header: 200, recorded with verdict missing or fail
func TestListenerBadInputGetsTheDocumentedAnswer(t *testing.T) {
	tl := badInputListener(t, Config{})
	signed := func(body []byte) map[string]string {
		return map[string]string{"X-Dexatel-Signature": signDexatel(testSecret, body)}
	}
	accepted := []struct {
		name    string
		path    string
		body    []byte
		headers map[string]string
		kind    payloads.BodyKind
		verdict sig.Status
	}{
		{"invalid JSON", "/", []byte(`{"data": {"event": "delivery",`), nil, payloads.BodyText, ""},
		{"binary body", "/", []byte{0x00, 0xff, 0xfe, 0x89, 'P', 'N', 'G', 0x1b, 0x00}, nil, payloads.BodyBinary, ""},
		{"invalid UTF-8 in JSON", "/", []byte("{\"text\":\"\xc3\x28 \xed\xa0\x80\"}"), nil, payloads.BodyBinary, ""},
		{"escapes in body", "/", []byte("{\"text\":\"\x1b]52;c;aGVsbG8=\x07\x1b]2;pwned\x07\x1b[2J\r\u009b\u202e\"}"), nil, payloads.BodyText, ""},
		{"escaped JSON escapes", "/", []byte(`{"text":"\u001b[2J\u0007"}`), nil, payloads.BodyJSON, ""},
		{"escapes in path", "/x%1b%5b2J%0d%07/%e2%80%ae", []byte("{}"), nil, payloads.BodyJSON, ""},
		{"C1 and bidi in header", "/", []byte("{}"), map[string]string{"X-Note": "a\u009b31mb\u202ec"}, payloads.BodyJSON, ""},
		{"empty body", "/", nil, nil, payloads.BodyEmpty, ""},
		{"empty body signed", "/dexatel", []byte{}, signed([]byte{}), payloads.BodyEmpty, sig.Pass},
		{"missing signature", "/dexatel", dexatelDelivery(10, 200), nil, payloads.BodyJSON, sig.Missing},
		{"malformed signature", "/dexatel", dexatelDelivery(11, 200), map[string]string{"X-Dexatel-Signature": "not-hex-or-base64!!"}, payloads.BodyJSON, sig.Fail},
		{"empty signature", "/dexatel", dexatelDelivery(12, 200), map[string]string{"X-Dexatel-Signature": ""}, payloads.BodyJSON, ""},
		{"tampered body", "/dexatel", dexatelDelivery(13, 200), signed(dexatelDelivery(14, 200)), payloads.BodyJSON, sig.Fail},
	}
	for _, c := range accepted {
		t.Run(c.name, func(t *testing.T) {
			status, id, answer := tl.post(t, c.path, c.body, c.headers)
			if status != 200 || id == "" || string(answer) != "{}" {
				t.Fatalf("answered %d %q id %q, want 200 {}", status, answer, id)
			}
			ev := tl.stored(t, id)
			if !bytes.Equal(ev.Body, c.body) || ev.BodyKind != c.kind || ev.Status != 200 {
				t.Fatalf("stored body %q kind %s status %d, want %q kind %s", ev.Body, ev.BodyKind, ev.Status, c.body, c.kind)
			}
			if c.path != "/" && ev.Path != c.path {
				t.Fatalf("path stored as %q, want %q as sent", ev.Path, c.path)
			}
			for k, v := range c.headers {
				if got := ev.Headers.Get(k); got != v {
					t.Fatalf("header %s stored as %q, want %q", k, got, v)
				}
			}
			if c.verdict != "" && ev.Signature.Status != c.verdict {
				t.Fatalf("verdict %+v, want %s", ev.Signature, c.verdict)
			}
			if (c.verdict == sig.Fail || c.verdict == sig.Missing) && ev.Signature.Reason == "" {
				t.Fatalf("verdict %s without a reason", c.verdict)
			}
		})
	}

	t.Run("raw escape in request line", func(t *testing.T) {
		resp, _ := rawExchange(t, tl.URL, "POST /x\x1b[2J HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n")
		if resp.StatusCode != 400 {
			t.Fatalf("answered %d, want 400", resp.StatusCode)
		}
	})
	t.Run("raw escape in header value", func(t *testing.T) {
		resp, _ := rawExchange(t, tl.URL, "POST / HTTP/1.1\r\nHost: a\r\nX-Evil: \x1b]52;c;aGk=\x07\r\nContent-Length: 0\r\n\r\n")
		if resp.StatusCode != 400 {
			t.Fatalf("answered %d, want 400", resp.StatusCode)
		}
	})
	t.Run("10,000 headers", func(t *testing.T) {
		var raw strings.Builder
		raw.WriteString("POST /many HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n")
		for i := range 10_000 {
			fmt.Fprintf(&raw, "X-H-%d: v%d\r\n", i, i)
		}
		raw.WriteString("\r\n{}")
		resp, _ := rawExchange(t, tl.URL, raw.String())
		if resp.StatusCode != 200 {
			t.Fatalf("answered %d, want 200", resp.StatusCode)
		}
		ev := tl.stored(t, resp.Header.Get(EventIDHeader))
		if len(ev.Headers) < 10_000 || ev.Headers.Get("X-H-9999") != "v9999" {
			t.Fatalf("stored %d headers", len(ev.Headers))
		}
	})
	t.Run("header block over 1 MiB", func(t *testing.T) {
		var raw strings.Builder
		raw.WriteString("POST /huge HTTP/1.1\r\nHost: a\r\n")
		for i := range 1100 {
			fmt.Fprintf(&raw, "X-H-%d: %s\r\n", i, strings.Repeat("v", 1000))
		}
		raw.WriteString("Content-Length: 0\r\n\r\n")
		resp, _ := rawExchange(t, tl.URL, raw.String())
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Fatalf("answered %d, want 431", resp.StatusCode)
		}
	})

	// After all of it the listener still verifies a good request.
	ev := tl.stored(t, tl.postSigned(t, "/dexatel", dexatelDelivery(15, 1000)))
	if ev.Signature.Status != sig.Pass {
		t.Fatalf("valid request after bad input: %+v", ev.Signature)
	}
}

func TestListenerOversizeBodyIs413AndRecorded(t *testing.T) {
	tl := badInputListener(t, Config{})
	limit := DefaultMaxBody
	over := bytes.Repeat([]byte("a"), limit+1)
	wantRejected := "body exceeds 5242880 bytes"

	check := func(t *testing.T, resp *http.Response, answer []byte) {
		t.Helper()
		if resp.StatusCode != 413 || resp.Header.Get("Content-Type") != "application/json" || !strings.Contains(string(answer), wantRejected) {
			t.Fatalf("answered %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), answer)
		}
		ev := tl.stored(t, resp.Header.Get(EventIDHeader))
		if ev.Status != 413 || ev.Rejected != wantRejected || len(ev.Body) != 0 || ev.Size <= limit {
			t.Fatalf("recorded status %d rejected %q body %d size %d", ev.Status, ev.Rejected, len(ev.Body), ev.Size)
		}
		if ev.Signature.Status == sig.Pass {
			t.Fatalf("unchecked body recorded as signed: %+v", ev.Signature)
		}
	}
	t.Run("declared length", func(t *testing.T) {
		resp, err := http.Post(tl.URL+"/dexatel", "application/json", bytes.NewReader(over))
		if err != nil {
			t.Fatal(err)
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		check(t, resp, answer)
	})
	t.Run("chunked", func(t *testing.T) {
		// io.MultiReader hides the length, so the client sends chunks.
		resp, err := http.Post(tl.URL+"/dexatel", "application/json", io.MultiReader(bytes.NewReader(over)))
		if err != nil {
			t.Fatal(err)
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		check(t, resp, answer)
	})
	t.Run("exactly the limit", func(t *testing.T) {
		status, id, _ := tl.post(t, "/", over[:limit], nil)
		if status != 200 || len(tl.stored(t, id).Body) != limit {
			t.Fatalf("a body of exactly the limit answered %d", status)
		}
	})
	tl.postSigned(t, "/dexatel", dexatelDelivery(16, 1000))
}

func TestListenerTimesOutSlowHeaderSenders(t *testing.T) {
	const timeout = 400 * time.Millisecond
	tl := badInputListener(t, Config{ReadHeaderTimeout: timeout})
	conn, err := net.Dial("tcp", strings.TrimPrefix(tl.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := time.Now()
	closed := make(chan time.Duration, 1)
	go func() {
		// The server answers nothing; a read returns once it drops the connection.
		io.Copy(io.Discard, conn)
		closed <- time.Since(start)
	}()
	head := "POST /slow HTTP/1.1\r\nHost: a\r\nX-Slow: " + strings.Repeat("z", 100)
	ticker := time.NewTicker(100 * time.Millisecond) // one byte per tick
	defer ticker.Stop()
	var after time.Duration
loop:
	for i := 0; i < len(head); i++ {
		select {
		case after = <-closed:
			break loop
		case <-ticker.C:
			if _, err := conn.Write([]byte{head[i]}); err != nil {
				after = time.Since(start)
				break loop
			}
		}
	}
	if after == 0 {
		select {
		case after = <-closed:
		case <-time.After(5 * time.Second):
			t.Fatal("slow header sender never timed out")
		}
	}
	if after < timeout/2 || after > timeout+2*time.Second {
		t.Fatalf("connection dropped after %v, want about %v", after, timeout)
	}
	// Meanwhile and afterwards, others are served.
	tl.postSigned(t, "/dexatel", dexatelDelivery(17, 1000))
}
