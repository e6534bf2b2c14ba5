package public

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/dexra/dexra-tui/tunnel"
)

// Options configure an SSH tunnel. Zero values take the defaults.
type Options struct {
	Target Target
	// Webhooks is what forwarded connections are served with: the webhook handler only.
	Webhooks Webhooks
	// RequireSignature answers 401 to public requests whose signature does not pass.
	RequireSignature bool
	// KnownHosts is the known_hosts file (default ~/.ssh/known_hosts).
	KnownHosts string
	// IdentityFiles are key files tried after the agent (default ~/.ssh/id_ed25519, id_ecdsa, id_rsa).
	IdentityFiles []string
	// AgentSocket is the ssh agent (default $SSH_AUTH_SOCK; "none" uses no agent).
	AgentSocket string
	Logger      *slog.Logger
	// OnState hears every state change; it must not block.
	OnState func(State)
	Backoff Backoff // default 1 s doubling to 1 min
	// DialTimeout bounds connecting and the SSH handshake (default 15 s).
	DialTimeout time.Duration
	// KeepAlive is how often the server is asked whether it is still there; one that
	// does not answer within twice this is taken as gone (default 15 s).
	KeepAlive time.Duration
	// AnnounceTimeout bounds waiting for a service to say the public URL (default 30 s).
	AnnounceTimeout time.Duration
	// ReadHeaderTimeout and ReadTimeout drop slow public clients (default: the listener's).
	ReadHeaderTimeout, ReadTimeout time.Duration
}

// Tunnel is an SSH reverse tunnel that keeps itself up until Close.
type Tunnel struct {
	opts   Options
	st     *Status
	keys   *hostKeys
	cancel context.CancelFunc
	done   chan struct{}
	// port is the remote port a plain sshd gave us first: asked for again after a
	// reconnection, so the URL pasted into the dashboard keeps working.
	port int
}

// StartSSH validates opts and starts connecting in the background; the state says how
// it goes. The error is only for options that can never work.
func StartSSH(ctx context.Context, opts Options) (*Tunnel, error) {
	if opts.Target.Engine != "ssh" {
		return nil, fmt.Errorf("tunnel %q is not an ssh tunnel", opts.Target.Raw)
	}
	if opts.Webhooks == nil {
		return nil, errors.New("ssh tunnel: no webhook handler to serve")
	}
	home, _ := os.UserHomeDir()
	if opts.KnownHosts == "" {
		if home == "" {
			return nil, errors.New("ssh tunnel: no home directory for ~/.ssh/known_hosts")
		}
		opts.KnownHosts = filepath.Join(home, ".ssh", "known_hosts")
	}
	if opts.IdentityFiles == nil && home != "" {
		for _, name := range defaultIdentities {
			opts.IdentityFiles = append(opts.IdentityFiles, filepath.Join(home, ".ssh", name))
		}
	}
	switch opts.AgentSocket {
	case "":
		opts.AgentSocket = os.Getenv("SSH_AUTH_SOCK")
	case "none":
		opts.AgentSocket = ""
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Backoff.Min == 0 {
		opts.Backoff = Backoff{Min: time.Second, Max: time.Minute}
	}
	opts.DialTimeout = orDefault(opts.DialTimeout, 15*time.Second)
	opts.KeepAlive = orDefault(opts.KeepAlive, 15*time.Second)
	opts.AnnounceTimeout = orDefault(opts.AnnounceTimeout, 30*time.Second)
	opts.ReadHeaderTimeout = orDefault(opts.ReadHeaderTimeout, tunnel.DefaultReadHeaderTimeout)
	opts.ReadTimeout = orDefault(opts.ReadTimeout, tunnel.DefaultReadTimeout)

	ctx, cancel := context.WithCancel(ctx)
	t := &Tunnel{opts: opts, st: NewStatus("ssh", opts.Target.Raw, opts.OnState), cancel: cancel, done: make(chan struct{})}
	t.keys = &hostKeys{file: opts.KnownHosts, trusted: func(host, fp string) {
		opts.Logger.Info("ssh tunnel: first connection to this host; its key is now recorded", "host", host, "key", fp, "file", opts.KnownHosts)
	}}
	go t.run(ctx)
	return t, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// State is the tunnel's state now.
func (t *Tunnel) State() State { return t.st.State() }

// Updates delivers the newest state after each change (older unread ones are dropped).
func (t *Tunnel) Updates() <-chan State { return t.st.Updates() }

// URL is the public URL while up, "" otherwise.
func (t *Tunnel) URL() string {
	if s := t.State(); s.Phase == Up {
		return s.URL
	}
	return ""
}

// Close takes the tunnel down and waits until it is.
func (t *Tunnel) Close() error {
	t.cancel()
	<-t.done
	return nil
}

// permanentError ends reconnection: retrying cannot help until the user acts.
type permanentError struct{ error }

func (e permanentError) Unwrap() error { return e.error }

func (t *Tunnel) run(ctx context.Context) {
	defer close(t.done)
	b := t.opts.Backoff
	for {
		t.st.Enter(Connecting, "", time.Time{})
		held, err := t.connectOnce(ctx)
		if ctx.Err() != nil {
			t.st.Enter(Stopped, "", time.Time{})
			return
		}
		var perm permanentError
		if errors.As(err, &perm) {
			t.opts.Logger.Error("ssh tunnel: giving up", "target", t.opts.Target.Raw, "err", err)
			t.st.Enter(Failed, err.Error(), time.Time{})
			return
		}
		if held >= 30*time.Second {
			b.Reset() // it was up for a while: the next loss starts from a short wait again
		}
		wait := b.Next()
		t.opts.Logger.Debug("ssh tunnel: down", "target", t.opts.Target.Raw, "err", err, "retry_in", wait)
		t.st.Enter(Down, errText(err), time.Now().Add(wait))
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			t.st.Enter(Stopped, "", time.Time{})
			return
		case <-timer.C:
		}
	}
}

func errText(err error) string {
	if err == nil {
		return "connection closed"
	}
	return err.Error()
}

// connectOnce connects, forwards and serves until the connection ends; held is how
// long it was up.
func (t *Tunnel) connectOnce(ctx context.Context) (held time.Duration, err error) {
	client, err := t.dial(ctx)
	if err != nil {
		return 0, err
	}
	defer client.Close()
	stop := context.AfterFunc(ctx, func() { client.Close() })
	defer stop()

	target := t.opts.Target
	ln, err := t.listen(client)
	if err != nil {
		return 0, err
	}
	defer ln.Close()

	var url string
	lines := make(chan string, 16)
	if target.Preset != nil {
		if err := t.startSession(client, target.Preset, lines); err != nil {
			return 0, err
		}
		if url, err = t.awaitURL(ctx, client, target.Preset, lines); err != nil {
			return 0, err
		}
	} else {
		port := 0
		if a, ok := ln.Addr().(*net.TCPAddr); ok {
			port = a.Port
		}
		url = target.plainURL(port)
		if t.port == 0 {
			t.port = port
		}
	}

	srv := &http.Server{
		Handler:           t.handler(url),
		ReadHeaderTimeout: t.opts.ReadHeaderTimeout,
		ReadTimeout:       t.opts.ReadTimeout,
		IdleTimeout:       tunnel.DefaultIdleTimeout,
		ErrorLog:          slog.NewLogLogger(t.opts.Logger.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(deadlineListener{ln}) }()
	defer srv.Close()

	up := time.Now()
	t.opts.Logger.Debug("ssh tunnel: up", "target", target.Raw, "url", url)
	t.st.Up(url)
	go t.followAnnouncements(target.Preset, lines)

	gone := make(chan error, 1)
	go func() { gone <- client.Wait() }()
	go t.keepAlive(ctx, client)
	select {
	case err = <-gone:
		if err == nil || errors.Is(err, io.EOF) {
			err = errors.New("the server closed the connection")
		}
	case err = <-served:
		err = fmt.Errorf("the remote forward stopped: %w", err)
	case <-ctx.Done():
	}
	return time.Since(up), err
}

// listen asks for the remote forward: the port we had before when the server chose
// it, else what the target says.
func (t *Tunnel) listen(client *ssh.Client) (net.Listener, error) {
	target := t.opts.Target
	host, port, _ := net.SplitHostPort(target.Bind)
	if port == "0" && t.port != 0 && target.Preset == nil {
		if ln, err := client.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(t.port))); err == nil {
			return ln, nil
		}
		t.opts.Logger.Info("ssh tunnel: the previous remote port is taken; the public URL changes", "port", t.port)
	}
	ln, err := client.Listen("tcp", target.Bind)
	if err != nil {
		return nil, fmt.Errorf("asking %s to forward %s: %w (is remote forwarding allowed there? AllowTcpForwarding)", target.Addr(), target.Bind, err)
	}
	return ln, nil
}

func (t *Tunnel) dial(ctx context.Context) (*ssh.Client, error) {
	target := t.opts.Target
	addr := target.Addr()
	algos, err := t.keys.knownAlgorithms(addr)
	if err != nil {
		return nil, permanentError{err}
	}
	methods, notes, release := authMethods(t.opts.AgentSocket, t.opts.IdentityFiles)
	defer release()
	for _, n := range notes {
		t.opts.Logger.Info("ssh tunnel: "+n, "target", target.Raw)
	}
	cfg := &ssh.ClientConfig{
		User:              target.userName(),
		Auth:              methods,
		HostKeyCallback:   t.keys.callback(),
		HostKeyAlgorithms: algos,
		Timeout:           t.opts.DialTimeout,
		ClientVersion:     "SSH-2.0-dexra-tui",
	}
	dctx, cancel := context.WithTimeout(ctx, t.opts.DialTimeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(dctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", addr, err)
	}
	stop := context.AfterFunc(dctx, func() { conn.Close() }) // the handshake honours ctx too
	c, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	stop()
	if err != nil {
		conn.Close()
		var changed *HostKeyChangedError
		if errors.As(err, &changed) {
			return nil, permanentError{changed}
		}
		if strings.Contains(err.Error(), "unable to authenticate") {
			return nil, fmt.Errorf("logging in to %s as %s: %w (load a key into your ssh agent, or put one in ~/.ssh, and authorize it on the server)", addr, cfg.User, err)
		}
		return nil, fmt.Errorf("ssh handshake with %s: %w", addr, err)
	}
	return ssh.NewClient(c, chans, reqs), nil
}

// keepAlive closes the client when the server stops answering, so a silent loss
// (a dropped network, a suspended laptop) is noticed and the tunnel rebuilt.
func (t *Tunnel) keepAlive(ctx context.Context, client *ssh.Client) {
	tick := time.NewTicker(t.opts.KeepAlive)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		answered := make(chan error, 1)
		go func() {
			_, _, err := client.SendRequest("keepalive@openssh.com", true, nil)
			answered <- err
		}()
		select {
		case err := <-answered:
			if err != nil {
				client.Close()
				return
			}
		case <-time.After(2 * t.opts.KeepAlive):
			t.opts.Logger.Warn("ssh tunnel: the server stopped answering keepalives", "target", t.opts.Target.Raw)
			client.Close()
			return
		case <-ctx.Done():
			return
		}
	}
}

// startSession opens the session a service announces the URL in, and sends every line
// it prints (stdout and stderr) to lines until the connection ends.
func (t *Tunnel) startSession(client *ssh.Client, p *Preset, lines chan<- string) error {
	sess, err := client.NewSession()
	if err != nil {
		return fmt.Errorf("opening a session on %s: %w", p.Host, err)
	}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		return fmt.Errorf("session on %s: %w", p.Host, err)
	}
	stderr, err := sess.StderrPipe()
	if err != nil {
		return fmt.Errorf("session on %s: %w", p.Host, err)
	}
	if p.Command != "" {
		err = sess.Start(p.Command)
	} else {
		err = sess.Shell()
	}
	if err != nil {
		return fmt.Errorf("starting the session on %s: %w", p.Host, err)
	}
	var wg sync.WaitGroup
	for _, r := range []io.Reader{stdout, stderr} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := bufio.NewScanner(r)
			sc.Buffer(make([]byte, 0, 4096), 64<<10)
			for sc.Scan() {
				lines <- sc.Text()
			}
			io.Copy(io.Discard, r) // an overlong line: keep draining so the channel never stalls
		}()
	}
	go func() { wg.Wait(); close(lines); sess.Close() }()
	return nil
}

// awaitURL reads the service's lines until one announces the public URL.
func (t *Tunnel) awaitURL(ctx context.Context, client *ssh.Client, p *Preset, lines <-chan string) (string, error) {
	timer := time.NewTimer(t.opts.AnnounceTimeout)
	defer timer.Stop()
	var last string
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				return "", fmt.Errorf("%s ended the session without announcing a public URL (last line: %q)", p.Name, last)
			}
			if url, ok := p.Announced(line); ok {
				return url, nil
			}
			if strings.TrimSpace(line) != "" {
				last = line
			}
		case <-timer.C:
			return "", fmt.Errorf("%s announced no public URL within %s (last line: %q)", p.Name, t.opts.AnnounceTimeout, last)
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}

// followAnnouncements drains the session and takes a newly announced URL.
func (t *Tunnel) followAnnouncements(p *Preset, lines <-chan string) {
	if p == nil {
		return
	}
	for line := range lines {
		if url, ok := p.Announced(line); ok && url != t.State().URL {
			t.st.Up(url)
		}
	}
}

// handler serves the public side of this connection, marking what arrives by url.
func (t *Tunnel) handler(url string) http.Handler {
	return Handler(t.opts.Webhooks, HandlerOptions{
		Via:              tunnel.ViaTunnel + " " + url,
		RequireSignature: t.opts.RequireSignature,
		Refused:          t.st.Refused,
	})
}
