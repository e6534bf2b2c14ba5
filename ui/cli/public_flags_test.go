package cli

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	gssh "github.com/gliderlabs/ssh"
	"golang.org/x/crypto/ssh"

	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/tunnel/public"
)

// sshUser gives home a ~/.ssh/id_ed25519 and returns its public key.
func sshUser(t *testing.T, home string) ssh.PublicKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	blk, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(home, ".ssh"), 0o700)
	if err := os.WriteFile(filepath.Join(home, ".ssh", "id_ed25519"), pem.EncodeToMemory(blk), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s.PublicKey()
}

// forwardingSSHServer is an in-process sshd that allows remote forwards on loopback.
func forwardingSSHServer(t *testing.T, user ssh.PublicKey) string {
	t.Helper()
	_, hostPriv, _ := ed25519.GenerateKey(rand.Reader)
	hostKey, err := ssh.NewSignerFromKey(hostPriv)
	if err != nil {
		t.Fatal(err)
	}
	fwd := &gssh.ForwardedTCPHandler{}
	srv := &gssh.Server{
		Handler: func(s gssh.Session) { <-s.Context().Done() },
		ReversePortForwardingCallback: func(_ gssh.Context, host string, _ uint32) bool {
			return host == "localhost"
		},
		RequestHandlers:  map[string]gssh.RequestHandler{"tcpip-forward": fwd.HandleSSHRequest, "cancel-tcpip-forward": fwd.HandleSSHRequest},
		PublicKeyHandler: func(_ gssh.Context, key gssh.PublicKey) bool { return gssh.KeysEqual(key, user) },
	}
	srv.AddHostKey(hostKey)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// listen --tunnel shows the public URL, and what arrives there is recorded (or refused).
func TestListenTunnel(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	addr := forwardingSSHServer(t, sshUser(t, home))
	const secret = "cli-tunnel-secret"
	l := startListen(t, home, "--secret", secret, "--tunnel", "ssh://tester@"+addr, "--public-require-signature")
	urlRE := regexp.MustCompile(`paste this public URL into the platform's webhook settings: (http://\S+)`)
	waitFor(t, "the public URL", func() bool { return urlRE.MatchString(l.errOut.String()) })
	publicURL := urlRE.FindStringSubmatch(l.errOut.String())[1]
	if publicURL == l.url {
		t.Fatalf("the public URL is the listener's own: %s", publicURL)
	}
	if !strings.Contains(l.errOut.String(), "its key is now recorded") {
		t.Fatalf("the first connection's host key was not reported:\n%s", l.errOut.String())
	}

	body := `{"data":{"message_id":"cli-1","event":"delivery","status":"delivered"}}`
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	for _, signature := range []string{"00", hex.EncodeToString(m.Sum(nil))} {
		req, _ := http.NewRequest("POST", publicURL+"/dexatel", strings.NewReader(body))
		req.Header.Set("X-Dexatel-Signature", signature)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := http.StatusOK
		if signature == "00" {
			want = http.StatusUnauthorized
		}
		if resp.StatusCode != want {
			t.Fatalf("signature %s…: status %d, want %d", signature[:2], resp.StatusCode, want)
		}
	}
	waitFor(t, "the event printed", func() bool { return strings.Contains(l.out.String(), "delivery") })
	if code := l.stop(); code != 0 {
		t.Fatalf("listen exited %d: %s", code, l.errOut.String())
	}
	if n := strings.Count(l.out.String(), "delivery"); n != 1 {
		t.Fatalf("%d events printed, want only the signed one:\n%s", n, l.out.String())
	}
	known, _ := os.ReadFile(filepath.Join(home, ".ssh", "known_hosts"))
	if !strings.Contains(string(known), "ssh-ed25519") {
		t.Fatalf("known_hosts: %q", known)
	}
}

func TestPublicFlagsChecked(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--tunnel", "example.com"}, "not a known service"},
		{[]string{"--tunnel", "ngrok"}, "NGROK_AUTHTOKEN"},
		{[]string{"--public-require-signature"}, "pass --tunnel too"},
		{[]string{"--relay", "smee.io/x"}, "channel's http(s) URL"},
	} {
		home := t.TempDir()
		code, _, stderr := runCLI(t, home, "", append([]string{"listen", "--addr", "127.0.0.1:0"}, tc.args...)...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("listen %v: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
		if _, err := os.Stat(filepath.Join(home, ".local/share/dexra-tui/history.db")); err == nil {
			t.Errorf("listen %v made a history", tc.args)
		}
	}
}

func TestConfigKeyTunnel(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "config.toml")
	os.WriteFile(file, []byte("tunnel = \"localhost.run\"\n"), 0o600)
	cfg, err := loadConfig(testEnv(map[string]string{"HOME": dir}), file)
	if err != nil || cfg.Tunnel != "localhost.run" {
		t.Fatalf("tunnel from the config file: %q, %v", cfg.Tunnel, err)
	}
}

func TestPublicSideTellsTheConsoleOfChanges(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	addr := forwardingSSHServer(t, sshUser(t, home))
	cfg := Config{Tunnel: "ssh://tester@" + addr, sshDir: filepath.Join(home, ".ssh")}
	l := tunnel.NewPublicListener(tunnel.Config{Addr: "127.0.0.1:0"}, nil, nil)
	p, err := startPublic(cfg, l)
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case <-p.Changed():
		case <-deadline:
			t.Fatalf("no change told; states %+v", p.States())
		}
		if st := p.States(); len(st) == 1 && st[0].Phase == public.Up {
			if !strings.HasPrefix(st[0].URL, "http://127.0.0.1:") || st[0].Engine != "ssh" {
				t.Fatalf("state %+v", st[0])
			}
			return
		}
	}
}

func TestListenRelay(t *testing.T) {
	t.Parallel()
	const secret = "cli-relay-secret"
	body := `{"data":{"message_id":"relayed-1","event":"delivery","status":"delivered"}}`
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	event := `{"x-dexatel-signature":"` + hex.EncodeToString(m.Sum(nil)) + `","content-type":"application/json","body":` + body + `,"query":{},"timestamp":1700000000000}`
	channel := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "event: ready\ndata: {}\n\ndata: "+event+"\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer channel.Close()
	home := t.TempDir()
	l := startListen(t, home, "--secret", secret, "--relay", "/dexatel="+channel.URL+"/AbC", "--json")
	waitFor(t, "the relayed event", func() bool {
		return strings.Contains(l.out.String(), "relayed-1") || strings.Contains(l.out.String(), `"path":"/dexatel"`)
	})
	if !strings.Contains(l.errOut.String(), "paste this relay channel into the platform's webhook settings: "+channel.URL+"/AbC") {
		t.Fatalf("stderr:\n%s", l.errOut.String())
	}
	if code := l.stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(l.out.String(), `"status":"pass"`) {
		t.Fatalf("printed:\n%s", l.out.String())
	}
}
