package tunnel

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
)

// rawLog is a log handler that prints messages and values as they are, as a status
// line might: whatever reaches it unescaped reaches the terminal unescaped.
type rawLog struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func newRawLog() rawLog { return rawLog{&sync.Mutex{}, &bytes.Buffer{}} }

func (h rawLog) Enabled(context.Context, slog.Level) bool { return true }
func (h rawLog) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h rawLog) WithGroup(string) slog.Handler            { return h }
func (h rawLog) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.buf.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool { fmt.Fprintf(h.buf, " %s=%v", a.Key, a.Value.Any()); return true })
	h.buf.WriteByte('\n')
	return nil
}

func (h rawLog) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.buf.String()
}

// flakyStore fails every Append while failing is set.
type flakyStore struct {
	failing atomic.Bool
	n       atomic.Int64
}

func (f *flakyStore) Append(ev *payloads.Event) error {
	if f.failing.Load() {
		return errors.New("write history.db.wal: no space left on device")
	}
	ev.Seq = uint64(f.n.Add(1))
	return nil
}

// TestListenerLogsFailedCommitsOnceThenACountThenTheRecovery: the first failed commit
// is logged with why, the next ones only as a count every logEvery, and the first
// commit that works again says so; CommitHealth follows.
func TestListenerLogsFailedCommitsOnceThenACountThenTheRecovery(t *testing.T) {
	log := newRawLog()
	fs := &flakyStore{}
	fs.failing.Store(true)
	l := newListener(Config{Addr: "127.0.0.1:0", Logger: slog.New(log)}, fs, nil)
	var now atomic.Int64
	now.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	l.commits.now = func() time.Time { return time.Unix(0, now.Load()) }
	tl := serveListener(t, l)

	for range 3 {
		if status, _, _ := tl.post(t, "/", []byte("{}"), nil); status != http.StatusServiceUnavailable {
			t.Fatalf("status %d, want 503", status)
		}
	}
	if n := strings.Count(log.String(), "could not commit"); n != 1 || !strings.Contains(log.String(), "no space left") {
		t.Fatalf("after 3 failures the log says:\n%s\nwant one line with why", log)
	}
	if h := l.CommitHealth(); !h.Failing || h.Failures != 3 || !strings.Contains(h.Err, "no space") {
		t.Fatalf("CommitHealth %+v while failing", h)
	}
	now.Add(int64(logEvery + time.Second))
	tl.post(t, "/", []byte("{}"), nil)
	if !strings.Contains(log.String(), "commits still failing") || !strings.Contains(log.String(), "failures=4") {
		t.Fatalf("after %s more the log says:\n%s\nwant a count of 4", logEvery, log)
	}
	fs.failing.Store(false)
	if status, _, _ := tl.post(t, "/", []byte("{}"), nil); status != http.StatusOK {
		t.Fatalf("status %d after the history recovered, want 200", status)
	}
	if !strings.Contains(log.String(), "commits work again") {
		t.Fatalf("no recovery line:\n%s", log)
	}
	if h := l.CommitHealth(); h.Failing {
		t.Fatalf("CommitHealth %+v after the recovery", h)
	}
}

// TestListenerLogsRefusedRequests: net/http's own 400 and 431 and the listener's 413
// are logged, a flood of one kind as one line.
func TestListenerLogsRefusedRequests(t *testing.T) {
	log := newRawLog()
	tl := startListener(t, Config{MaxBody: 10, MaxHeaderBytes: 1, Logger: slog.New(log)})
	addr := strings.TrimPrefix(tl.URL, "http://")
	send := func(raw string) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprint(c, raw)
		http.ReadResponse(bufio.NewReader(c), nil)
	}
	for range 5 {
		send("NOT HTTP\r\n\r\n")
	}
	send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 8<<10) + "\r\n\r\n")
	tl.post(t, "/big", []byte(strings.Repeat("b", 100)), nil)
	out := log.String()
	for _, want := range []string{"400 Bad Request", "431 Request Header Fields Too Large", "recorded without its body"} {
		if !strings.Contains(out, want) {
			t.Errorf("log does not mention %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "400 Bad Request"); n != 1 {
		t.Errorf("5 bad requests gave %d log lines, want 1:\n%s", n, out)
	}
}

// TestForwarderLogsFailuresEscaped: a failed forward is logged with why, and what
// the app sent back (here a header line holding a terminal escape) arrives escaped
// even at a handler that prints values as they are.
func TestForwarderLogsFailuresEscaped(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				http.ReadRequest(bufio.NewReader(c))
				fmt.Fprint(c, "HTTP/1.1 200 OK\r\n\x1b]0;pwned\x07\r\n\r\n")
			}()
		}
	}()
	log := newRawLog()
	tl := startListener(t, Config{})
	startForwarder(t, tl, ForwardConfig{Targets: mustTargets(t, "http://"+ln.Addr().String()), Logger: slog.New(log)})
	_, id, _ := tl.post(t, "/x", []byte("{}"), nil)
	attemptsOf(t, tl.Store, id, 1)
	waitUntil(t, "the failure logged", func() bool { return strings.Contains(log.String(), "delivery failed") })
	out := log.String()
	if strings.ContainsAny(out, "\x1b\x07") || !strings.Contains(out, `\x1b]0;pwned`) {
		t.Fatalf("log:\n%q\nwant the app's bytes escaped", out)
	}
	// Whatever the error text holds, and the query of the target (it may hold what
	// the history redacts), never reaches the log raw.
	f := startForwarder(t, tl, ForwardConfig{Targets: mustTargets(t, "http://127.0.0.1:1"), Logger: slog.New(log)})
	f.logOutcome(false, payloads.Attempt{Target: "http://app.test/y?token=tok-9", Error: "odd \x1b]52;c;aGk=\x07 answer"}, false)
	out = log.String()
	if strings.ContainsAny(out, "\x1b\x07") || strings.Contains(out, "tok-9") || !strings.Contains(out, "http://app.test/y") {
		t.Fatalf("log:\n%q\nwant the error escaped and the target without its query", out)
	}
}
