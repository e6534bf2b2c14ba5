package cli

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
)

// These tests hand the exports to real readers: curl, httpyac (.http), hurl, and the
// har-validator package (HAR 1.2 schema). A reader that is not installed skips its
// test with a message; .ci/run installs them (npm i -g httpyac har-validator).

// deliverExport exports the exportHome history as format with --host set to a fresh
// listener (same secret), runs the reader on the file, and checks that every event
// arrived with its exact body and that the Dexatel-signed one passes as captured.
func deliverExport(t *testing.T, format string, run func(file, url string) *exec.Cmd) {
	t.Helper()
	home, _, events := exportHome(t)
	home2 := t.TempDir()
	cfgDir := filepath.Join(home2, ".config", "dexra-tui")
	os.MkdirAll(cfgDir, 0o700)
	os.WriteFile(filepath.Join(cfgDir, "config.toml"), []byte("secrets = [\""+exportSecret+"\"]\n"), 0o600)
	l := startListen(t, home2)
	file := filepath.Join(t.TempDir(), "export."+format)
	if code, _, errOut := runCLI(t, home, "", "export", "--format", format, "--host", l.url, "-o", file); code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	cmd := run(file, l.url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
	if code := l.stop(); code != 0 {
		t.Fatalf("listener exit %d: %s", code, l.errOut.String())
	}
	st, err := store.Open(filepath.Join(home2, ".local", "share", "dexra-tui", "history.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	page, err := st.List(store.ListOptions{WithBody: true, OldestFirst: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Events) != len(events) {
		t.Fatalf("%d events arrived, want %d; reader said:\n%s", len(page.Events), len(events), out)
	}
	for i, want := range events {
		got := page.Events[i]
		wantBody := want.Body
		if want.Path == "/hooks/text" {
			wantBody = bytes.ReplaceAll(wantBody, []byte(exportSecret), []byte(store.Redacted))
		}
		if got.Path != want.Path || !bytes.Equal(got.Body, wantBody) {
			t.Errorf("event %d: got %s %q, want %s %q", i, got.Path, got.Body, want.Path, wantBody)
		}
		if want.Signature.Scheme == "dexatel" && got.Signature.Status != sig.Pass {
			t.Errorf("%s: signature %s %s, want pass", want.Path, got.Signature.Status, got.Signature.Reason)
		}
	}
}

func TestCurlExportRunsInShell(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed (apt-get install curl)")
	}
	deliverExport(t, "curl", func(file, url string) *exec.Cmd {
		return exec.Command("sh", file) // $HOST defaults to --host
	})
}

func TestHTTPFileExportRunsInHttpyac(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("httpyac"); err != nil {
		t.Skip("httpyac is not installed (npm i -g httpyac); skipping the .http reader check")
	}
	deliverExport(t, "http", func(file, url string) *exec.Cmd {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		t.Cleanup(cancel)
		cmd := exec.CommandContext(ctx, "httpyac", "send", "--all", filepath.Base(file), "-o", "none", "--bail")
		cmd.Dir = filepath.Dir(file) // httpyac takes files under its working directory only
		return cmd
	})
}

func TestHurlExportRunsInHurl(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("hurl"); err != nil {
		t.Skip("hurl is not installed (no Debian package here; its npm package downloads a binary from outside); skipping the Hurl reader check")
	}
	deliverExport(t, "hurl", func(file, url string) *exec.Cmd {
		return exec.Command("hurl", "--test", "--variable", "host="+url, file)
	})
}

// TestHARExportValidates checks the HAR against the HAR 1.2 JSON schema of the
// har-validator package (the one the HAR-reading tools of npm use).
func TestHARExportValidates(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed; skipping the HAR 1.2 schema check")
	}
	root, err := exec.Command("npm", "root", "-g").Output()
	if err != nil || !fileExists(filepath.Join(strings.TrimSpace(string(root)), "har-validator")) {
		t.Skip("har-validator is not installed (npm i -g har-validator); skipping the HAR 1.2 schema check")
	}
	home, _, _ := exportHome(t)
	file := filepath.Join(t.TempDir(), "export.har")
	if code, _, errOut := runCLI(t, home, "", "export", "--format", "har", "-o", file); code != 0 {
		t.Fatalf("export: %d %s", code, errOut)
	}
	script := `const v = require('har-validator'); const fs = require('fs');
const har = JSON.parse(fs.readFileSync(process.argv[1], 'utf8'));
v.har(har).then(() => { console.log('valid', har.log.entries.length); })
 .catch(e => { console.error(JSON.stringify(e.errors || e.message)); process.exit(1); });`
	cmd := exec.Command(node, "-e", script, file)
	cmd.Env = append(os.Environ(), "NODE_PATH="+strings.TrimSpace(string(root)))
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "valid 5") {
		t.Fatalf("har-validator: %v\n%s", err, out)
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
