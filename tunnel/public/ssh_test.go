package public

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/tunnel"
)

func TestSSHTunnelDeliversAVerifiedWebhookAndRecordsTheHostKey(t *testing.T) {
	tl := startListener(t)
	env := newSSHEnv(t)
	srv := startSSHServer(t, "127.0.0.1:0", newSigner(t, ""), env.User.PublicKey(), "")
	target, err := ParseTarget("ssh://tester@" + srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	tun, err := StartSSH(context.Background(), env.options(target, tl.L))
	if err != nil {
		t.Fatal(err)
	}
	defer tun.Close()
	st := waitState(t, tun, "up", isUp)
	if !strings.HasPrefix(st.URL, "http://127.0.0.1:") || st.URL == "http://"+srv.Addr {
		t.Fatalf("public URL %q: want the server's allocated port", st.URL)
	}
	if got := postSigned(t, st.URL, 1, true); got != http.StatusOK {
		t.Fatalf("POST through the tunnel: status %d", got)
	}
	evs := tl.events(t)
	if len(evs) != 1 {
		t.Fatalf("history holds %d events, want 1", len(evs))
	}
	ev := evs[0]
	if ev.Signature.Status != sig.Pass {
		t.Fatalf("verdict %+v, want pass", ev.Signature)
	}
	if via := tunnel.Via(ev.Headers); via != "tunnel "+st.URL {
		t.Fatalf("event marked via %q, want %q", via, "tunnel "+st.URL)
	}
	known, err := os.ReadFile(env.KnownHosts)
	if err != nil || !strings.Contains(string(known), "ssh-ed25519") {
		t.Fatalf("known_hosts after the first connection: %q, %v", known, err)
	}
}

func TestSSHTunnelComesBackAfterTheServerRestarts(t *testing.T) {
	tl := startListener(t)
	env := newSSHEnv(t)
	hostKey := newSigner(t, "")
	srv := startSSHServer(t, "127.0.0.1:0", hostKey, env.User.PublicKey(), "")
	target, _ := ParseTarget("ssh://tester@" + srv.Addr)
	tun, err := StartSSH(context.Background(), env.options(target, tl.L))
	if err != nil {
		t.Fatal(err)
	}
	defer tun.Close()
	first := waitState(t, tun, "up", isUp)
	if got := postSigned(t, first.URL, 1, true); got != http.StatusOK {
		t.Fatalf("first POST: %d", got)
	}

	srv.srv.Close()
	waitState(t, tun, "down after the server stopped", func(s State) bool { return s.Phase == Down && s.Err != "" })
	startSSHServer(t, srv.Addr, hostKey, env.User.PublicKey(), "")
	again := waitState(t, tun, "up again", func(s State) bool { return s.Phase == Up && s.Since.After(first.Since) })
	if again.URL != first.URL {
		t.Fatalf("the public URL changed from %s to %s: the dashboard's copy would break", first.URL, again.URL)
	}
	if got := postSigned(t, again.URL, 2, true); got != http.StatusOK {
		t.Fatalf("POST after the restart: %d", got)
	}
	if evs := tl.events(t); len(evs) != 2 || evs[1].Signature.Status != sig.Pass {
		t.Fatalf("history after the restart: %d events", len(evs))
	}
}

func TestSSHTunnelRefusesAChangedHostKey(t *testing.T) {
	tl := startListener(t)
	env := newSSHEnv(t)
	srv := startSSHServer(t, "127.0.0.1:0", newSigner(t, ""), env.User.PublicKey(), "")
	target, _ := ParseTarget("ssh://tester@" + srv.Addr)
	tun, err := StartSSH(context.Background(), env.options(target, tl.L))
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, tun, "up", isUp)
	tun.Close()
	srv.srv.Close()

	// The same address now answers with another key: a reinstall, or someone in the middle.
	impostor := startSSHServer(t, srv.Addr, newSigner(t, ""), env.User.PublicKey(), "")
	tun, err = StartSSH(context.Background(), env.options(target, tl.L))
	if err != nil {
		t.Fatal(err)
	}
	defer tun.Close()
	st := waitState(t, tun, "failed", func(s State) bool { return s.Phase == Failed })
	if !strings.Contains(st.Err, "host key for") || !strings.Contains(st.Err, "changed") || !strings.Contains(st.Err, env.KnownHosts) {
		t.Fatalf("failure %q: want it to name the changed key and the known_hosts line", st.Err)
	}
	time.Sleep(300 * time.Millisecond) // longer than the backoff: it must not have retried
	if s := tun.State(); s.Phase != Failed {
		t.Fatalf("after refusing, the state is %+v", s)
	}
	_ = impostor
}

func TestSSHTunnelReadsTheAnnouncedURL(t *testing.T) {
	tl := startListener(t)
	env := newSSHEnv(t)
	srv := startSSHServer(t, "127.0.0.1:0", newSigner(t, ""), env.User.PublicKey(),
		"\x1b[32mYou are not authenticated.\x1b[0m\r\nhttp://abcd.a.free.pinggy.link\r\nHTTPS : https://abcd.a.free.pinggy.link\r\n")
	target, err := ParseTarget("ssh://tester@" + srv.Addr + "?announce=shell")
	if err != nil {
		t.Fatal(err)
	}
	tun, err := StartSSH(context.Background(), env.options(target, tl.L))
	if err != nil {
		t.Fatal(err)
	}
	defer tun.Close()
	st := waitState(t, tun, "up", isUp)
	if st.URL != "https://abcd.a.free.pinggy.link" {
		t.Fatalf("URL %q", st.URL)
	}
}

func TestSSHTunnelRequireSignatureAnswers401AndRecordsNothing(t *testing.T) {
	tl := startListener(t)
	env := newSSHEnv(t)
	srv := startSSHServer(t, "127.0.0.1:0", newSigner(t, ""), env.User.PublicKey(), "")
	target, _ := ParseTarget("ssh://tester@" + srv.Addr)
	opts := env.options(target, tl.L)
	opts.RequireSignature = true
	tun, err := StartSSH(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer tun.Close()
	st := waitState(t, tun, "up", isUp)
	if got := postSigned(t, st.URL, 1, false); got != http.StatusUnauthorized {
		t.Fatalf("badly signed public POST: %d, want 401", got)
	}
	if got := postSigned(t, st.URL, 2, true); got != http.StatusOK {
		t.Fatalf("signed public POST: %d, want 200", got)
	}
	if evs := tl.events(t); len(evs) != 1 || evs[0].Signature.Status != sig.Pass {
		t.Fatalf("history holds %d events, want only the signed one", len(evs))
	}
	if s := tun.State(); s.Refused != 1 || !strings.Contains(s.LastRefusal, "mismatch") {
		t.Fatalf("state after a refusal: %+v", s)
	}
	// The loopback listener itself still records everything (the developer's own tests).
	if got := postSigned(t, tl.L.URL(), 3, false); got != http.StatusOK {
		t.Fatalf("local POST: %d", got)
	}
}

func TestSSHTunnelStopsRetryingWhenClosed(t *testing.T) {
	tl := startListener(t)
	env := newSSHEnv(t)
	target, _ := ParseTarget("ssh://tester@127.0.0.1:1") // nothing listens there
	tun, err := StartSSH(context.Background(), env.options(target, tl.L))
	if err != nil {
		t.Fatal(err)
	}
	st := waitState(t, tun, "down", func(s State) bool { return s.Phase == Down })
	if !strings.Contains(st.Err, "connecting to 127.0.0.1:1") || !strings.Contains(st.StringAt(st.Since), "retry in") {
		t.Fatalf("down state %q / %q", st.Err, st.StringAt(st.Since))
	}
	done := make(chan struct{})
	go func() { tun.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	if s := tun.State(); s.Phase != Stopped {
		t.Fatalf("after Close: %+v", s)
	}
}

func TestSSHTunnelDropsASlowPublicClient(t *testing.T) {
	tl := startListener(t)
	env := newSSHEnv(t)
	srv := startSSHServer(t, "127.0.0.1:0", newSigner(t, ""), env.User.PublicKey(), "")
	target, _ := ParseTarget("ssh://tester@" + srv.Addr)
	opts := env.options(target, tl.L)
	opts.ReadHeaderTimeout = 300 * time.Millisecond
	tun, err := StartSSH(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer tun.Close()
	st := waitState(t, tun, "up", isUp)
	c, err := net.Dial("tcp", strings.TrimPrefix(st.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "POST /dexatel HTTP/1.1\r\nHost: x\r\n") // and never the rest
	start := time.Now()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	io.Copy(io.Discard, c)
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("a client that never finished its headers was held %v", took)
	}
	// The tunnel still serves the next sender.
	if got := postSigned(t, st.URL, 1, true); got != http.StatusOK {
		t.Fatalf("POST after the slow client: %d", got)
	}
}

// The public side is the webhook handler and nothing else: any path is a webhook,
// recorded as one, and a sender cannot pass itself off as relayed.
func TestSSHTunnelServesOnlyTheWebhookHandler(t *testing.T) {
	tl := startListener(t)
	env := newSSHEnv(t)
	srv := startSSHServer(t, "127.0.0.1:0", newSigner(t, ""), env.User.PublicKey(), "")
	target, _ := ParseTarget("ssh://tester@" + srv.Addr)
	tun, err := StartSSH(context.Background(), env.options(target, tl.L))
	if err != nil {
		t.Fatal(err)
	}
	defer tun.Close()
	st := waitState(t, tun, "up", isUp)
	req, _ := http.NewRequest("GET", st.URL+"/debug/pprof/", nil)
	req.Header.Set(tunnel.ViaHeader, "relay https://smee.io/forged")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get(tunnel.EventIDHeader) == "" {
		t.Fatalf("GET /debug/pprof/ through the tunnel: %d, event %q", resp.StatusCode, resp.Header.Get(tunnel.EventIDHeader))
	}
	evs := tl.events(t)
	if len(evs) != 1 || evs[0].Path != "/debug/pprof/" || tunnel.Via(evs[0].Headers) != "tunnel "+st.URL || tunnel.Relayed(evs[0].Headers) {
		t.Fatalf("recorded %d events; via %q", len(evs), tunnel.Via(evs[0].Headers))
	}
}
