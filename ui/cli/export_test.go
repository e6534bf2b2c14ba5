package cli

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/store/exchange"
)

const (
	exportSecret = "whsec_dGVzdC1zZWNyZXQtZm9yLWV4cG9ydHMtMTIzNDU2"
	bearerKey    = "dxk_live_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
)

// exportHome is a home whose config holds exportSecret, with a history of events
// covering every body kind and every place a secret could hide.
func exportHome(t *testing.T) (home, db string, events []*payloads.Event) {
	t.Helper()
	home = t.TempDir()
	cfgDir := filepath.Join(home, ".config", "dexra-tui")
	os.MkdirAll(cfgDir, 0o700)
	if err := os.WriteFile(filepath.Join(cfgDir, "config.toml"), []byte("secrets = [\""+exportSecret+"\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	db = filepath.Join(home, ".local", "share", "dexra-tui", "history.db")
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	dexatel, _ := sig.Lookup("dexatel")
	telegram, _ := sig.Lookup("telegram")
	jsonBody := []byte("{\n    \"data\": {\n        \"event\": \"delivery\",\n        \"status\": \"delivered\",\n        \"text\": \"<b>&amp;</b> ünï\"\n    }\n}")
	binBody := []byte{0x00, 0xff, 0xfe, 'a', '\n', 0x1b, '[', '3', '1', 'm', 0x80, '\'', '%', '\\'}
	tgBody := []byte(`{"update_id":10000,"message":{"message_id":1,"text":"hi"}}`)
	at := time.Date(2025, 3, 1, 13, 0, 0, 123456789, time.UTC)
	mk := func(i int, path, query string, h http.Header, body []byte) *payloads.Event {
		ev := &payloads.Event{Received: at.Add(time.Duration(i) * time.Second), Direction: payloads.Inbound, Method: "POST",
			Path: path, Query: query, Host: "127.0.0.1:4242", RemoteAddr: "127.0.0.1:5555", Headers: h, Body: body, Status: 200}
		payloads.Analyze(ev, payloads.VerifyConfig{Secrets: []string{exportSecret}})
		return ev
	}
	sign := func(s sig.Scheme, body []byte) http.Header {
		h, err := s.Sign(sig.SignInput{Secret: exportSecret, Body: body})
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	h1 := sign(dexatel, jsonBody)
	h1.Set("Content-Type", "application/json")
	h1.Set("User-Agent", "Dexatel-Webhooks/1.0")
	h1.Add("X-Multi", "one")
	h1.Add("X-Multi", "two")
	h2 := http.Header{"Content-Type": {"text/plain; charset=utf-8"}, "X-Api-Key": {bearerKey}, "X-Debug": {"secret=" + exportSecret}}
	h3 := http.Header{"Content-Type": {"application/octet-stream"}, "Authorization": {"Bearer " + bearerKey}}
	h5 := sign(telegram, tgBody)
	h5.Set("Content-Type", "application/json")
	events = []*payloads.Event{
		mk(0, "/dexatel", "", h1, jsonBody),
		mk(1, "/hooks/text", "api_key="+bearerKey+"&x=1", h2, []byte("plain text line\nsecond line mentions "+exportSecret+"\n")),
		mk(2, "/hooks/bin", "", h3, binBody),
		mk(3, "/hooks/empty", "", http.Header{"X-Empty": {""}}, nil),
		mk(4, "/telegram", "", h5, tgBody),
	}
	events[1].Attempts = []payloads.Attempt{{Target: "http://localhost:3000/hooks/text", Mode: "forward", At: at.Add(time.Minute), Status: 500,
		Latency: 1500 * time.Microsecond, ResponseHeaders: http.Header{"X-Api-Key": {bearerKey}}, ResponseBody: []byte("boom")}}
	events[4].DerivedFrom = events[0].ID // any value: it must survive
	for _, ev := range events {
		if err := st.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	return home, db, events
}

// TestExportRedactsSecretsInEveryFormat greps each format's output for the
// configured secret (and its base64 key) and an API key.
func TestExportRedactsSecretsInEveryFormat(t *testing.T) {
	t.Parallel()
	home, _, _ := exportHome(t)
	for _, f := range exchange.ExportFormats {
		out := filepath.Join(t.TempDir(), "export."+string(f))
		code, _, errOut := runCLI(t, home, "", "export", "--format", string(f), "-o", out)
		if code != 0 {
			t.Fatalf("export %s: %d %s", f, code, errOut)
		}
		var all bytes.Buffer
		filepath.Walk(filepath.Dir(out), func(p string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				b, _ := os.ReadFile(p)
				all.Write(b)
			}
			return nil
		})
		if all.Len() == 0 {
			t.Fatalf("%s: nothing written", f)
		}
		for _, secret := range []string{exportSecret, strings.TrimPrefix(exportSecret, "whsec_"), bearerKey} {
			if bytes.Contains(all.Bytes(), []byte(secret)) {
				t.Errorf("%s export holds the secret %q", f, secret)
			}
		}
		if f != exchange.Fixtures && !bytes.Contains(all.Bytes(), []byte("hooks/bin")) {
			t.Errorf("%s export lacks an event", f)
		}
	}
}

// TestExportImportRoundTrip: export → import into a new history gives byte-identical
// bodies and headers (but for the import mark) in jsonl, fixtures and har.
func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	home, _, events := exportHome(t)
	for _, f := range []exchange.Format{exchange.JSONL, exchange.Fixtures, exchange.HAR} {
		t.Run(string(f), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "export."+string(f))
			if code, _, errOut := runCLI(t, home, "", "export", "--format", string(f), "-o", out); code != 0 {
				t.Fatalf("export: %d %s", code, errOut)
			}
			db2 := filepath.Join(t.TempDir(), "other.db")
			code, stdout, errOut := runCLI(t, home, "", "import", out, "--db", db2)
			if code != 0 || !strings.Contains(stdout, "imported 5 of 5") {
				t.Fatalf("import: %d %q %s", code, stdout, errOut)
			}
			st, err := store.Open(db2, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range events {
				got, err := st.Get(want.ID)
				if err != nil {
					t.Fatalf("event %s not imported: %v", want.ID, err)
				}
				red := exchange.NewRedactor(exportSecret).Event(storedCopy(t, want))
				if !bytes.Equal(got.Body, red.Body) {
					t.Errorf("%s body: got %q want %q", want.Path, got.Body, red.Body)
				}
				if from := got.Headers.Get(exchange.ImportedFromHeader); from == "" {
					t.Errorf("%s: not marked as imported", want.Path)
				}
				gh := got.Headers.Clone()
				delete(gh, exchange.ImportedFromHeader)
				wh := red.Headers
				if !equalHeaders(gh, wh) {
					t.Errorf("%s headers:\n got %v\nwant %v", want.Path, gh, wh)
				}
				if got.Method != want.Method || got.Path != want.Path || !got.Received.Equal(want.Received) {
					t.Errorf("%s: request line or time changed: %s %s %s", want.Path, got.Method, got.Path, got.Received)
				}
				if f != exchange.Fixtures {
					if got.Signature.Status != want.Signature.Status || got.Correlation != want.Correlation ||
						got.DerivedFrom != want.DerivedFrom || len(got.Attempts) != len(want.Attempts) {
						t.Errorf("%s: derived fields changed: %+v vs %+v", want.Path, got.Signature, want.Signature)
					}
				}
			}
			st.Close()
			// Again: every ID is already there, so all are skipped and reported.
			code, stdout, errOut = runCLI(t, home, "", "import", out, "--db", db2)
			if code != 0 || !strings.Contains(stdout, "imported 0 of 5") || !strings.Contains(stdout, "5 already in the history") {
				t.Fatalf("second import: %d %q %s", code, stdout, errOut)
			}
		})
	}
}

// storedCopy is want as the history holds it (secret headers redacted).
func storedCopy(t *testing.T, want *payloads.Event) *payloads.Event {
	c := want.Clone()
	c.Headers = store.RedactHeaders(want.Headers)
	return c
}

func equalHeaders(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, va := range a {
		vb, ok := b[k]
		if !ok || strings.Join(va, "\x00") != strings.Join(vb, "\x00") {
			return false
		}
	}
	return true
}

// TestImportRefusesBadInputWhole: a bad entry anywhere names file and entry, and
// nothing of the file is imported.
func TestImportRefusesBadInputWhole(t *testing.T) {
	t.Parallel()
	home, _, _ := exportHome(t)
	out := filepath.Join(t.TempDir(), "export.jsonl")
	if code, _, errOut := runCLI(t, home, "", "export", "-o", out); code != 0 {
		t.Fatal(errOut)
	}
	data, _ := os.ReadFile(out)
	lines := strings.SplitAfter(string(data), "\n")
	lines[3] = `{"dexra_tui":1,"id":"01JBAD","method":"POST"}` + "\n"
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(bad, []byte(strings.Join(lines, "")), 0o644)
	db2 := filepath.Join(t.TempDir(), "other.db")
	code, _, errOut := runCLI(t, home, "", "import", bad, "--db", db2)
	if code != 1 || !strings.Contains(errOut, "bad.jsonl: line 4") || !strings.Contains(errOut, "nothing imported") {
		t.Fatalf("bad line: code %d err %q", code, errOut)
	}
	if _, err := os.Stat(db2); err == nil {
		st, _ := store.Open(db2, store.Options{})
		stats, _ := st.Stats()
		st.Close()
		if stats.Total != 0 {
			t.Fatalf("%d events half-imported", stats.Total)
		}
	}
	har := filepath.Join(t.TempDir(), "bad.har")
	os.WriteFile(har, []byte(`{"log":{"version":"1.2","entries":[{"startedDateTime":"2025-01-01T00:00:00Z","request":{"method":"POST","url":"http://x/a"}},{"startedDateTime":"yesterday","request":{"method":"POST","url":"http://x/b"}}]}}`), 0o644)
	code, _, errOut = runCLI(t, home, "", "import", har, "--db", db2)
	if code != 1 || !strings.Contains(errOut, "bad.har: entry 2") {
		t.Fatalf("bad har: code %d err %q", code, errOut)
	}
	if code, _, errOut = runCLI(t, home, "", "import", har, "--format", "curl", "--db", db2); code != 2 {
		t.Fatalf("--format curl must be a usage error: %d %s", code, errOut)
	}
}

// TestImportForeignHAR: a browser's HAR (HTTP/2 pseudo-headers, no dexra-tui fields)
// is taken as far as it carries a request, and its signature is checked.
func TestImportForeignHAR(t *testing.T) {
	t.Parallel()
	home, _, _ := exportHome(t)
	body := `{"data":{"event":"delivery","status":"delivered"}}`
	dexatel, _ := sig.Lookup("dexatel")
	h, _ := dexatel.Sign(sig.SignInput{Secret: exportSecret, Body: []byte(body)})
	har := `{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},"entries":[{"startedDateTime":"2025-02-03T04:05:06.789Z","time":12,
"request":{"method":"POST","url":"https://hook.example/dexatel?x=1","httpVersion":"h2","headers":[{"name":":authority","value":"hook.example"},{"name":"content-type","value":"application/json"},{"name":"x-dexatel-signature","value":"` + h.Get("X-Dexatel-Signature") + `"}],"queryString":[],"cookies":[],"headersSize":-1,"bodySize":52,"postData":{"mimeType":"application/json","text":` + jsonString(body) + `}},
"response":{"status":200,"statusText":"","httpVersion":"h2","headers":[],"cookies":[],"content":{"size":0,"mimeType":""},"redirectURL":"","headersSize":-1,"bodySize":-1},"cache":{},"timings":{"send":0,"wait":0,"receive":0}}]}}`
	file := filepath.Join(t.TempDir(), "browser.har")
	os.WriteFile(file, []byte(har), 0o644)
	db2 := filepath.Join(t.TempDir(), "other.db")
	if code, out, errOut := runCLI(t, home, "", "import", file, "--db", db2); code != 0 || !strings.Contains(out, "(har)") {
		t.Fatalf("import: %d %q %s", code, out, errOut)
	}
	st, _ := store.Open(db2, store.Options{})
	defer st.Close()
	page, _ := st.List(store.ListOptions{WithBody: true})
	if len(page.Events) != 1 {
		t.Fatalf("%d events", len(page.Events))
	}
	ev := page.Events[0]
	if string(ev.Body) != body || ev.Path != "/dexatel" || ev.Query != "x=1" || ev.Source != "dexatel" || ev.Signature.Status != sig.Pass {
		t.Fatalf("imported %+v body %q", ev, ev.Body)
	}
	if _, ok := ev.Headers[":authority"]; ok {
		t.Fatal("pseudo-header kept")
	}
}

func jsonString(s string) string {
	var b bytes.Buffer
	b.WriteByte('"')
	for _, r := range s {
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}
