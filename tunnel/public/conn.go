package public

import (
	"io"
	"net"
)

// withDeadlines gives a forwarded connection (an SSH channel, an ngrok stream) the
// deadlines net/http relies on to drop slow clients and to interrupt its own reads:
// the server reads one end of a net.Pipe, which has them, and the other end is
// copied to and from the forwarded connection.
func withDeadlines(c net.Conn) net.Conn {
	served, bridge := net.Pipe()
	go func() {
		io.Copy(bridge, c)
		bridge.Close()
	}()
	go func() {
		io.Copy(c, bridge)
		c.Close()
	}()
	return addrConn{Conn: served, local: c.LocalAddr(), remote: c.RemoteAddr()}
}

// addrConn keeps the forwarded connection's addresses (the pipe has none).
type addrConn struct {
	net.Conn
	local, remote net.Addr
}

func (c addrConn) LocalAddr() net.Addr  { return c.local }
func (c addrConn) RemoteAddr() net.Addr { return c.remote }

// deadlineListener wraps every accepted connection.
type deadlineListener struct{ net.Listener }

func (l deadlineListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return withDeadlines(c), nil
}
