package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestExportUsageErrors(t *testing.T) {
	t.Parallel()
	home, _, events := exportHome(t)
	for _, args := range [][]string{
		{"export", "--format", "pdf"},
		{"export", "--format", "fixtures"}, // a directory needs -o
		{"export", events[0].ID, "--filter", "type:delivery"},
		{"export", "--filter", "bogus:key"},
		{"export", "01J"}, // too short an ID
	} {
		if code, _, errOut := runCLI(t, home, "", args...); code != 2 {
			t.Errorf("%v: code %d (%s), want 2", args, code, errOut)
		}
	}
	// IDs by prefix, in the order given.
	code, out, errOut := runCLI(t, home, "", "export", events[2].ID[:20], events[0].ID)
	if code != 0 || strings.Count(out, "\n") != 2 || strings.Index(out, events[2].ID) > strings.Index(out, events[0].ID) {
		t.Fatalf("export by IDs: %d %s %s", code, out, errOut)
	}
}

// TestExportToATerminalIsEscaped: raw payload bytes (an ESC in the binary body) never
// reach a terminal; a pipe gets them exactly.
func TestExportToATerminalIsEscaped(t *testing.T) {
	t.Parallel()
	home, _, _ := exportHome(t)
	for _, format := range []string{"jsonl", "http", "har"} {
		var out, errOut bytes.Buffer
		a := &App{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Env: testEnv(map[string]string{"HOME": home}), StdoutIsTerminal: true}
		if code := a.Run(context.Background(), []string{"export", "--format", format}); code != 0 {
			t.Fatalf("%s: %d %s", format, code, errOut.String())
		}
		if bytes.ContainsAny(out.Bytes(), "\x1b\x9b") || !strings.Contains(errOut.String(), "escaped for the terminal") {
			t.Errorf("%s to a terminal holds raw control bytes or says nothing", format)
		}
	}
}

// TestHurlExportShape checks the Hurl file without hurl: each request has its exact
// body as a base64 literal and a 2xx assert, and header values are escaped.
func TestHurlExportShape(t *testing.T) {
	t.Parallel()
	home, _, events := exportHome(t)
	code, out, errOut := runCLI(t, home, "", "export", "--format", "hurl")
	if code != 0 {
		t.Fatal(errOut)
	}
	if n := strings.Count(out, "\nHTTP *\n[Asserts]\nstatus >= 200\nstatus < 300\n"); n != len(events) {
		t.Fatalf("%d asserts for %d events:\n%s", n, len(events), out)
	}
	bodies := regexp.MustCompile(`(?m)^base64,([A-Za-z0-9+/=]*);$`).FindAllStringSubmatch(out, -1)
	var withBody []string
	for _, ev := range events {
		if len(ev.Body) > 0 {
			withBody = append(withBody, ev.ID)
		}
	}
	if len(bodies) != len(withBody) {
		t.Fatalf("%d bodies, want %d", len(bodies), len(withBody))
	}
	i := 0
	for _, ev := range events {
		if len(ev.Body) == 0 {
			continue
		}
		got, _ := base64.StdEncoding.DecodeString(bodies[i][1])
		want := bytes.ReplaceAll(ev.Body, []byte(exportSecret), []byte("[redacted]"))
		if !bytes.Equal(got, want) {
			t.Errorf("%s: body %q, want %q", ev.Path, got, want)
		}
		i++
	}
	if !strings.Contains(out, "POST {{host}}/dexatel\n") || !strings.Contains(out, "X-Debug: secret=[redacted]") {
		t.Fatalf("request lines or headers:\n%s", out)
	}
}

// TestImportHandWrittenFixture: a fixture without id or received time gets both.
func TestImportHandWrittenFixture(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.json"), []byte(`{"dexra_fixture":1,"method":"POST","path":"/dexatel","body":"{\"data\":{\"event\":\"delivery\"}}"}`), 0o644)
	db := filepath.Join(t.TempDir(), "h.db")
	if code, out, errOut := runCLI(t, home, "", "import", dir, "--db", db); code != 0 || !strings.Contains(out, "imported 1 of 1") {
		t.Fatalf("%d %s %s", code, out, errOut)
	}
	code, out, _ := runCLI(t, home, "", "events", "--db", db, "--json")
	if code != 0 || !strings.Contains(out, `"source":"dexatel","type":"delivery"`) {
		t.Fatalf("imported event: %s", out)
	}
}
