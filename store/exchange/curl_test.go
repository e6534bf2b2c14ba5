package exchange

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
)

// TestCurlScriptEscapesHeadersAndPaths: header lines, the method and the path with
// control or non-ASCII bytes (an imported file's) are written as octal escapes like
// the body, so the script shows the terminal no raw byte; run by sh, curl sends the
// header lines' exact bytes, and the path with its controls percent-encoded.
func TestCurlScriptEscapesHeadersAndPaths(t *testing.T) {
	t.Parallel()
	ev := &payloads.Event{ID: "01TEST", Method: "POST", Path: "/x\x1b]0;title\x07y/caf\u00e9", Query: "q=\x1b[2J",
		Received: time.Unix(1767225600, 0), Body: []byte("hi\n"),
		Headers: http.Header{"X-Csi": {"a\u009bb"}, "X-Esc": {"\x1b[31mred"}, "X-Quote": {`it's 100% \ok`},
			"Content-Type": {"text/plain"}}}
	var script bytes.Buffer
	cw := NewCurlWriter(&script, "http://127.0.0.1:1")
	if err := cw.Write(ev); err != nil {
		t.Fatal(err)
	}
	if err := cw.Close(); err != nil {
		t.Fatal(err)
	}
	for i, c := range script.Bytes() {
		if (c < 0x20 && c != '\n') || c >= 0x7f {
			t.Fatalf("byte %#x at %d of the script:\n%s", c, i, script.Bytes())
		}
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed (apt-get install curl)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan []string, 1)
	go func() { got <- captureRequest(ln) }()
	file := filepath.Join(t.TempDir(), "replay.sh")
	os.WriteFile(file, script.Bytes(), 0o600)
	cmd := exec.Command("sh", file)
	cmd.Env = append(os.Environ(), "HOST=http://"+ln.Addr().String())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sh %s: %v\n%s\n%s", file, err, out, script.Bytes())
	}
	lines := <-got
	want := []string{"POST /x%1B]0;title%07y/caf\u00e9?q=%1B[2J HTTP/1.1", "X-Csi: a\u009bb", "X-Esc: \x1b[31mred",
		`X-Quote: it's 100% \ok`, "Content-Type: text/plain", "body hi\n"}
	for _, w := range want {
		found := false
		for _, l := range lines {
			// curl percent-encodes a path's non-ASCII bytes itself (7.88: /caf%c3%a9).
			found = found || l == w || strings.EqualFold(l, strings.Replace(w, "caf\u00e9", "caf%C3%A9", 1)) && l != w && strings.HasPrefix(l, "POST ")
		}
		if !found {
			t.Errorf("the request lacks %q:\n%q", w, lines)
		}
	}
}

// captureRequest reads one HTTP/1.1 request off ln as its raw lines (the body as
// "body "+body) and answers 200.
func captureRequest(ln net.Listener) []string {
	conn, err := ln.Accept()
	if err != nil {
		return nil
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(conn)
	var lines []string
	n := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return lines
		}
		line = strings.TrimSuffix(line, "\r\n")
		if line == "" {
			break
		}
		if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
			n, _ = strconv.Atoi(v)
		}
		lines = append(lines, line)
	}
	body := make([]byte, n)
	io.ReadFull(r, body)
	lines = append(lines, "body "+string(body))
	io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
	return lines
}
