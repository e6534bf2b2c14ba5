package curl

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	"github.com/dexra/dexra-tui/payloads"
)

type received struct {
	method, uri string
	header      http.Header
	body        []byte
}

// replay runs the generated command with sh against a local server and returns what
// the server got.
func replay(t *testing.T, ev *payloads.Event) received {
	t.Helper()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	got := make(chan received, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- received{r.Method, r.RequestURI, r.Header.Clone(), body}
	}))
	defer srv.Close()
	cmd := Command(ev, srv.URL)
	out, err := exec.Command("sh", "-c", cmd).CombinedOutput()
	if err != nil {
		t.Fatalf("running %q: %v\n%s", cmd, err, out)
	}
	select {
	case r := <-got:
		return r
	default:
		t.Fatalf("the server got no request from %q", cmd)
		return received{}
	}
}

func TestCommandReplaysExactly(t *testing.T) {
	binary := []byte{0, 1, 2, 0xff, 0xfe, '\'', '"', '\n', 0x1b, '[', '2', 'J', 0x9b}
	cases := []struct {
		name string
		ev   *payloads.Event
	}{
		{"json with quotes", &payloads.Event{
			Method: "POST", Path: "/dexatel",
			Headers: http.Header{
				"Content-Type":        {"application/json"},
				"X-Dexatel-Signature": {"9051c49f2eed4cfe8125cba47a275e1460402ad2a4bc94d417fd1e10d9c55339"},
				"User-Agent":          {"Dexatel-Webhooks/1.0"},
				"Content-Length":      {"999"},
			},
			Body: []byte(`{"data":{"text":"it's \"quoted\" $HOME ` + "`id`" + ` %s \\n","status":"delivered"}}`),
		}},
		{"multi-line text", &payloads.Event{
			Method: "PUT", Path: "/hook", Query: "a=1&b=[x]{y}",
			Headers: http.Header{"Content-Type": {"text/plain"}, "X-Multi": {"one", "two"}},
			Body:    []byte("line one\nline 'two'\n\n"),
		}},
		{"binary body", &payloads.Event{
			Method: "POST", Path: "/bin",
			Headers: http.Header{"Content-Type": {"application/octet-stream"}},
			Body:    binary,
		}},
		{"body starting with @", &payloads.Event{
			Method: "POST", Path: "/at",
			Headers: http.Header{"Content-Type": {"text/plain"}},
			Body:    []byte("@/etc/passwd"),
		}},
		{"tabs and bidi in body", &payloads.Event{
			Method: "POST", Path: "/t",
			Headers: http.Header{"Content-Type": {"text/plain"}},
			Body:    []byte("a\tb\u202ec"),
		}},
		{"odd header bytes", &payloads.Event{
			Method: "POST", Path: "/h/../x",
			Headers: http.Header{"X-Odd": {"tab\there % 'q' \\ caf\xe9 \u202e"}},
			Body:    []byte("{}"),
		}},
		{"empty post", &payloads.Event{
			Method: "POST", Path: "/empty", Headers: http.Header{},
		}},
		{"get without body", &payloads.Event{
			Method: "GET", Path: "/ping", Headers: http.Header{"Accept": {"*/*"}},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := replay(t, tc.ev)
			if r.method != tc.ev.Method {
				t.Errorf("method = %q, want %q", r.method, tc.ev.Method)
			}
			wantURI := tc.ev.Path
			if tc.ev.Query != "" {
				wantURI += "?" + tc.ev.Query
			}
			if r.uri != wantURI {
				t.Errorf("request URI = %q, want %q", r.uri, wantURI)
			}
			if !bytes.Equal(r.body, tc.ev.Body) {
				t.Errorf("body = %q, want %q", r.body, tc.ev.Body)
			}
			for name, values := range tc.ev.Headers {
				if skipped[name] {
					continue
				}
				if got := r.header.Values(name); strings.Join(got, "\x00") != strings.Join(values, "\x00") {
					t.Errorf("header %s = %q, want %q", name, got, values)
				}
			}
			for _, name := range defaults {
				if _, had := tc.ev.Headers[name]; !had && r.header.Get(name) != "" {
					t.Errorf("curl added %s: %q that the event did not carry", name, r.header.Get(name))
				}
			}
		})
	}
}

func TestCommandKeepsControlBytesOutOfThePaste(t *testing.T) {
	ev := &payloads.Event{
		Method: "POST", Path: "/x",
		Headers: http.Header{"X-Evil": {"\x1b]52;c;AAAA\x07"}},
		Body:    []byte("\x1b]2;title\x07\r\u009b2J"),
	}
	cmd := Command(ev, "http://127.0.0.1:1")
	for _, bad := range []string{"\x1b", "\x07", "\r", "\u009b", "\t"} {
		if strings.Contains(cmd, bad) {
			t.Errorf("command carries raw %q: %q", bad, cmd)
		}
	}
}

func FuzzCommandKeepsControlBytesOut(f *testing.F) {
	f.Add([]byte("{\"a\":1}"), "/p", "v")
	f.Add([]byte{0x1b, ']', '5', '2', 0x07}, "/\x1b[2J", "\u202e\x9b")
	f.Fuzz(func(t *testing.T, body []byte, path, header string) {
		cmd := Command(&payloads.Event{Method: "POST", Path: path, Headers: http.Header{"X-H": {header}}, Body: body}, "http://127.0.0.1:1")
		for _, r := range cmd {
			if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == '\u202e' {
				t.Fatalf("command carries %U: %q", r, cmd)
			}
		}
	})
}
