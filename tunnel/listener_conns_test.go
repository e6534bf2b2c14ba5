package tunnel

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawRequest sends one keep-alive POST on c and reads the answer's status.
func rawRequest(c net.Conn, br *bufio.Reader, path string) (int, error) {
	if _, err := fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", path); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// isClosed says whether the peer closed c (within wait), rather than leaving it open.
func isClosed(c net.Conn, br *bufio.Reader, wait time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(wait))
	_, err := br.ReadByte()
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// TestListenerClosesTheOldestIdleConnectionAtTheLimit: with 4 connections allowed and
// 4 idle keep-alive ones open, a fifth is served and the oldest idle one is closed.
func TestListenerClosesTheOldestIdleConnectionAtTheLimit(t *testing.T) {
	tl := startListener(t, Config{MaxConns: 4})
	addr := strings.TrimPrefix(tl.URL, "http://")
	type kept struct {
		c  net.Conn
		br *bufio.Reader
	}
	var conns []kept
	for i := range 5 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		k := kept{c, bufio.NewReader(c)}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if status, err := rawRequest(c, k.br, fmt.Sprintf("/c%d", i)); err != nil || status != http.StatusOK {
			t.Fatalf("connection %d: status %d, %v", i, status, err)
		}
		conns = append(conns, k)
		time.Sleep(10 * time.Millisecond) // a distinct idle order
	}
	if !isClosed(conns[0].c, conns[0].br, 2*time.Second) {
		t.Fatal("the oldest idle connection is still open with 5 of 4 held")
	}
	for i, k := range conns[1:] {
		if isClosed(k.c, k.br, 100*time.Millisecond) {
			t.Fatalf("connection %d was closed; only the oldest idle one should be", i+1)
		}
	}
	open, evicted := tl.L.limiter.stats()
	if open != 4 || evicted != 1 {
		t.Fatalf("open %d, evicted %d; want 4 and 1", open, evicted)
	}
}

func TestConnLimitFor(t *testing.T) {
	for _, c := range []struct {
		nofile uint64
		want   int
	}{{1024, 704}, {256, 128}, {20, minConns}, {1 << 20, maxConns}, {^uint64(0), maxConns}} {
		if got := connLimitFor(c.nofile); got != c.want {
			t.Errorf("connLimitFor(%d) = %d, want %d", c.nofile, got, c.want)
		}
	}
}

const fdChildEnv = "DEXRA_TUNNEL_FD_CHILD_DIR"
