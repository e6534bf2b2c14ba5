//go:build unix

// Sets RLIMIT_NOFILE in a child process: Unix only.

package tunnel

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/store"
)

// TestListenerServesUnderTheDescriptorLimit: a listener in a child process with
// RLIMIT_NOFILE 1,024 holds 2,000 idle connections (300 keep-alive after a request,
// 1,700 that never sent a byte) and still answers a valid request within 100 ms, and
// its control socket still answers.
func TestListenerServesUnderTheDescriptorLimit(t *testing.T) {
	if dir := os.Getenv(fdChildEnv); dir != "" {
		runFDChild(t, dir)
		return
	}
	if testing.Short() {
		t.Skip("holds 2,000 connections")
	}
	dir, err := os.MkdirTemp("", "fd") // short: the control socket's path must fit sun_path
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command(os.Args[0], "-test.run", "^TestListenerServesUnderTheDescriptorLimit$", "-test.v")
	cmd.Env = append(os.Environ(), fdChildEnv+"="+dir)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("child: %v", err)
		}
	}()
	out := bufio.NewScanner(stdout)
	var addr, sock string
	for (addr == "" || sock == "") && out.Scan() {
		line := out.Text()
		if v, ok := strings.CutPrefix(line, "ADDR "); ok {
			addr = v
		}
		if v, ok := strings.CutPrefix(line, "SOCK "); ok {
			sock = v
		}
		if strings.HasPrefix(line, "FAIL") || strings.HasPrefix(line, "---") {
			t.Fatalf("child: %s", line)
		}
	}
	if addr == "" || sock == "" {
		t.Fatal("the child did not say where it listens")
	}
	go io.Copy(io.Discard, stdout)

	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for i := range 300 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("keep-alive connection %d: %v", i, err)
		}
		held = append(held, c)
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if status, err := rawRequest(c, bufio.NewReader(c), "/warm"); err != nil || status != http.StatusOK {
			t.Fatalf("keep-alive connection %d: status %d, %v", i, status, err)
		}
	}
	for i := range 1700 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("silent connection %d: %v", i, err)
		}
		held = append(held, c)
	}
	time.Sleep(500 * time.Millisecond) // the child takes in the flood: 2,000 held, nothing closed by time-outs yet

	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	start := time.Now()
	resp, err := client.Post("http://"+addr+"/valid", "application/json", strings.NewReader(`{"ok":1}`))
	took := time.Since(start)
	if err != nil {
		t.Fatalf("valid request: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || took > 100*time.Millisecond {
		t.Fatalf("valid request: %d after %s; want 200 within 100ms", resp.StatusCode, took)
	}
	t.Logf("valid request answered in %s with 2,000 connections held", took)

	start = time.Now()
	cc, err := DialControl(sock)
	if err != nil {
		t.Fatalf("control socket: %v", err)
	}
	defer cc.Close()
	stats, err := cc.Stats()
	if err != nil || stats.Total < 301 {
		t.Fatalf("control socket stats %+v, %v; want the 301 events", stats, err)
	}
	t.Logf("control socket answered in %s", time.Since(start))
}

// runFDChild is the child's side: a listener and control socket under a 1,024
// descriptor limit, serving until stdin closes.
func runFDChild(t *testing.T, dir string) {
	lim := syscall.Rlimit{Cur: 1024, Max: 1024}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatalf("setrlimit: %v", err)
	}
	db := filepath.Join(dir, "h.db")
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	l := NewListener(Config{Addr: "127.0.0.1:0"}, st, NewHub())
	addr, err := l.Listen()
	if err != nil {
		t.Fatal(err)
	}
	go l.Serve()
	defer l.Shutdown(context.Background())
	cs, err := ServeControl(ControlSocketPath(db), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	fmt.Printf("ADDR %s\nSOCK %s\n", addr, cs.Path())
	io.Copy(io.Discard, os.Stdin)
	if open, evicted := l.limiter.stats(); open > l.cfg.MaxConns || evicted == 0 {
		t.Errorf("child: %d connections open (limit %d), %d closed to make room", open, l.cfg.MaxConns, evicted)
	}
}
