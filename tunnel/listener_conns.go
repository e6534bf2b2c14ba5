package tunnel

import (
	"bytes"
	"container/list"
	"net"
	"net/http"
	"sync"
)

// connLimiter bounds how many connections the listener holds open, well under the
// descriptor limit, so the history, its log and the control socket always get one.
// Past the bound, a new connection closes the oldest one doing nothing: an idle
// keep-alive one first, else one that has not sent a complete request yet. When every
// one is busy with a request, Accept waits and new connections queue in the kernel.
type connLimiter struct {
	net.Listener
	max int
	// refused is told of each request net/http answered itself (400, 431, 501) because
	// it could not read it; the handler never sees those.
	refused func(status, remote string)

	mu      sync.Mutex
	open    int
	idle    list.List // *trackedConn, oldest idle first: served and waiting for another request
	fresh   list.List // *trackedConn, oldest first: accepted, no complete request read yet
	evicted int

	room      chan struct{} // capacity 1: a connection closed or became idle
	closed    chan struct{}
	closeOnce sync.Once
}

func newConnLimiter(ln net.Listener, max int, refused func(status, remote string)) *connLimiter {
	return &connLimiter{Listener: ln, max: max, refused: refused, room: make(chan struct{}, 1), closed: make(chan struct{})}
}

// trackedConn is an accepted connection and where it stands.
type trackedConn struct {
	net.Conn
	lim  *connLimiter
	elem *list.Element // in lim.idle or lim.fresh, nil when busy or closed; under lim.mu
	in   *list.List
	gone bool // closed or hijacked: no longer counted
}

// Accept waits until a connection may be held, then accepts one, closing the oldest
// one doing nothing if that puts it over the bound.
func (l *connLimiter) Accept() (net.Conn, error) {
	if err := l.waitRoom(); err != nil {
		return nil, err
	}
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, lim: l}
	l.mu.Lock()
	l.open++
	var victim *trackedConn
	if l.open > l.max {
		victim = l.oldestLocked()
		if victim != nil {
			l.evicted++
			l.unlistLocked(victim)
		}
	}
	l.listLocked(tc, &l.fresh)
	l.mu.Unlock()
	if victim != nil {
		victim.Conn.Close() // its net/http goroutine then ends and reports it closed
	}
	return tc, nil
}

// waitRoom returns once there is room for one more connection or one to close for it.
func (l *connLimiter) waitRoom() error {
	for {
		l.mu.Lock()
		ok := l.open < l.max || l.idle.Len() > 0 || l.fresh.Len() > 0
		l.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-l.room:
		case <-l.closed:
			return net.ErrClosed
		}
	}
}

func (l *connLimiter) oldestLocked() *trackedConn {
	if e := l.idle.Front(); e != nil {
		return e.Value.(*trackedConn)
	}
	if e := l.fresh.Front(); e != nil {
		return e.Value.(*trackedConn)
	}
	return nil
}

func (l *connLimiter) listLocked(tc *trackedConn, in *list.List) {
	l.unlistLocked(tc)
	tc.elem, tc.in = in.PushBack(tc), in
}

func (l *connLimiter) unlistLocked(tc *trackedConn) {
	if tc.elem != nil {
		tc.in.Remove(tc.elem)
		tc.elem, tc.in = nil, nil
	}
}

// connState is the http.Server's ConnState hook: it keeps each connection in the
// list it belongs to.
func (l *connLimiter) connState(c net.Conn, state http.ConnState) {
	tc, ok := c.(*trackedConn)
	if !ok {
		return
	}
	l.mu.Lock()
	if tc.gone {
		l.mu.Unlock()
		return
	}
	signal := false
	switch state {
	case http.StateNew:
		if tc.elem == nil {
			l.listLocked(tc, &l.fresh)
		}
	case http.StateActive:
		l.unlistLocked(tc)
	case http.StateIdle:
		l.listLocked(tc, &l.idle)
		signal = true
	case http.StateClosed, http.StateHijacked:
		l.unlistLocked(tc)
		tc.gone = true
		l.open--
		signal = true
	}
	l.mu.Unlock()
	if signal {
		select {
		case l.room <- struct{}{}:
		default:
		}
	}
}

// stats says how many connections are open and how many were closed to make room.
func (l *connLimiter) stats() (open, evicted int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open, l.evicted
}

func (l *connLimiter) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// netHTTPErrorHeaders ends the status line of every answer net/http gives itself to a
// request it could not read (server.go's errorHeaders); the handler's never do.
var netHTTPErrorHeaders = []byte("\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n")

// Write notices net/http's own refusals, which it writes straight to the connection
// in one piece, so the operator hears of them.
func (tc *trackedConn) Write(p []byte) (int, error) {
	if len(p) > 12 && (p[9] == '4' || p[9] == '5') && bytes.HasPrefix(p, []byte("HTTP/1.1 ")) && tc.lim.refused != nil {
		if i := bytes.Index(p, netHTTPErrorHeaders); i > 0 {
			tc.lim.refused(string(p[len("HTTP/1.1 "):i]), tc.RemoteAddr().String())
		}
	}
	return tc.Conn.Write(p)
}

// Connection bounds.
const (
	// connHeadroom is descriptors kept for everything but the listener's connections:
	// stdio, the history and its log, the control socket and its clients, forwarding.
	connHeadroom = 64
	minConns     = 16
	maxConns     = 16384
)

// connLimitFor is the listener's connection bound under a descriptor limit: three
// quarters of it, less connHeadroom (1,024 gives 704).
func connLimitFor(nofile uint64) int {
	if nofile > 4*maxConns {
		return maxConns
	}
	return max(minConns, int(nofile)*3/4-connHeadroom)
}
