package public

import (
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gssh "github.com/gliderlabs/ssh"
	"golang.org/x/crypto/ssh"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/tunnel"
)

const testSecret = "public-test-secret"

// signDexatel is the seed document's scheme, computed here independently of payloads/sig.
func signDexatel(body []byte) string {
	m := hmac.New(sha256.New, []byte(testSecret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func delivery(n int) []byte {
	return []byte(fmt.Sprintf(`{"data":{"account_id":"4ca07d94-7b4d-4434-97aa-9ec34772f111","message_id":"4ca07d94-7b4d-4434-97aa-%012d","event":"delivery","status":"delivered","timestamp":"2022-03-01 13:00:00"}}`, n))
}

type testListener struct {
	L     *tunnel.Listener
	Store *store.Store
}

// startListener runs a real listener on loopback over a fresh history.
func startListener(t testing.TB) *testListener {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "history.db"), store.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	l := tunnel.NewPublicListener(tunnel.Config{Addr: "127.0.0.1:0",
		Verify: payloads.VerifyConfig{Scheme: "auto", Secrets: []string{testSecret}}}, st, nil)
	if _, err := l.Listen(); err != nil {
		t.Fatal(err)
	}
	go l.Serve()
	t.Cleanup(func() {
		l.Shutdown(context.Background())
		st.Close()
	})
	return &testListener{L: l, Store: st}
}

// events are the stored events, oldest first.
func (tl *testListener) events(t testing.TB) []*payloads.Event {
	t.Helper()
	page, err := tl.Store.List(store.ListOptions{OldestFirst: true, WithBody: true})
	if err != nil {
		t.Fatal(err)
	}
	return page.Events
}

// postSigned sends a signed Dexatel delivery to url and returns the answer's status.
func postSigned(t testing.TB, url string, n int, signed bool) int {
	t.Helper()
	body := delivery(n)
	req, err := http.NewRequest("POST", url+"/dexatel", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	sigv := signDexatel(body)
	if !signed {
		sigv = strings.Repeat("0", 64)
	}
	req.Header.Set("X-Dexatel-Signature", sigv)
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// newSigner makes an ed25519 key; pemPath, when set, gets it as an OpenSSH private key file.
func newSigner(t testing.TB, pemPath string) ssh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	if pemPath != "" {
		blk, err := ssh.MarshalPrivateKey(priv, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(pemPath, pem.EncodeToMemory(blk), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// sshServer is an in-process SSH server that allows remote forwards on its loopback.
type sshServer struct {
	srv  *gssh.Server
	Addr string
	// banner, when set, is printed in every session (a service's announcement).
	banner string
}

func startSSHServer(t testing.TB, addr string, hostKey ssh.Signer, user ssh.PublicKey, banner string) *sshServer {
	t.Helper()
	fwd := &gssh.ForwardedTCPHandler{}
	s := &sshServer{banner: banner}
	s.srv = &gssh.Server{
		Handler: func(sess gssh.Session) {
			io.WriteString(sess, s.banner)
			<-sess.Context().Done()
		},
		ReversePortForwardingCallback: func(_ gssh.Context, host string, _ uint32) bool {
			return host == "localhost" || host == "127.0.0.1"
		},
		RequestHandlers: map[string]gssh.RequestHandler{
			"tcpip-forward":        fwd.HandleSSHRequest,
			"cancel-tcpip-forward": fwd.HandleSSHRequest,
		},
		PublicKeyHandler: func(_ gssh.Context, key gssh.PublicKey) bool {
			return gssh.KeysEqual(key, user)
		},
	}
	s.srv.AddHostKey(hostKey)
	var ln net.Listener
	var err error
	for range 50 { // a restarted server takes its old port back once it is free
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	go s.srv.Serve(ln)
	t.Cleanup(func() { s.srv.Close() })
	return s
}

// sshEnv is a user's ~/.ssh in a temp dir: a key and a known_hosts file.
type sshEnv struct {
	Dir        string
	KeyFile    string
	KnownHosts string
	User       ssh.Signer
}

func newSSHEnv(t testing.TB) *sshEnv {
	dir := t.TempDir()
	e := &sshEnv{Dir: dir, KeyFile: filepath.Join(dir, "id_ed25519"), KnownHosts: filepath.Join(dir, "known_hosts")}
	e.User = newSigner(t, e.KeyFile)
	return e
}

func (e *sshEnv) options(target Target, w Webhooks) Options {
	return Options{
		Target: target, Webhooks: w,
		KnownHosts: e.KnownHosts, IdentityFiles: []string{e.KeyFile}, AgentSocket: "none",
		Backoff:   Backoff{Min: 50 * time.Millisecond, Max: 500 * time.Millisecond},
		KeepAlive: time.Second, DialTimeout: 5 * time.Second, AnnounceTimeout: 5 * time.Second,
	}
}

// waitState waits for a state matching ok and returns it.
func waitState(t testing.TB, tun interface{ State() State }, what string, ok func(State) bool) State {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if s := tun.State(); ok(s) {
			return s
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("waiting for %s: state is %+v", what, tun.State())
	return State{}
}

func isUp(s State) bool { return s.Phase == Up }
