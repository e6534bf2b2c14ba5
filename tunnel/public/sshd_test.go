//go:build unix

// Runs a real OpenSSH sshd in its own process group: Unix only.

package public

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/dexra/dexra-tui/payloads/sig"
)

// sshdBinary is OpenSSH's server; .ci/run installs it (apt-get install -y openssh-server).
const sshdBinary = "/usr/sbin/sshd"

// openSSHD is a real sshd on a loopback port, run by the test with its own config,
// host key and authorized_keys in a temp dir.
type openSSHD struct {
	t      testing.TB
	dir    string
	port   int
	cmd    *exec.Cmd
	stderr bytes.Buffer
}

func startOpenSSHD(t testing.TB, authorized ssh.PublicKey) *openSSHD {
	t.Helper()
	if _, err := os.Stat(sshdBinary); err != nil {
		t.Skipf("OpenSSH server not installed (%s missing): apt-get install -y openssh-server to run this test", sshdBinary)
	}
	if os.Geteuid() == 0 {
		if _, err := os.Stat("/run/sshd"); err != nil {
			t.Skip("sshd run as root needs its privilege separation directory: install -d -m 0755 /run/sshd")
		}
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	hostKey := filepath.Join(dir, "host_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", hostKey).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v: %s", err, out)
	}
	auth := filepath.Join(dir, "authorized_keys")
	if err := os.WriteFile(auth, ssh.MarshalAuthorizedKey(authorized), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	config := fmt.Sprintf(`ListenAddress 127.0.0.1
HostKey %s
AuthorizedKeysFile %s
PidFile %s
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
AllowTcpForwarding remote
GatewayPorts no
PermitTTY no
LogLevel ERROR
`, hostKey, auth, filepath.Join(dir, "sshd.pid"))
	cfgFile := filepath.Join(dir, "sshd_config")
	if err := os.WriteFile(cfgFile, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	d := &openSSHD{t: t, dir: dir, port: port}
	if out, err := exec.Command(sshdBinary, "-t", "-f", cfgFile).CombinedOutput(); err != nil {
		t.Fatalf("sshd -t refused the generated config: %v: %s", err, out)
	}
	d.start()
	t.Cleanup(d.stop)
	return d
}

func (d *openSSHD) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(d.port)) }

func (d *openSSHD) start() {
	d.t.Helper()
	d.stderr.Reset()
	d.cmd = exec.Command(sshdBinary, "-D", "-e", "-f", filepath.Join(d.dir, "sshd_config"), "-p", strconv.Itoa(d.port))
	d.cmd.Stderr = &d.stderr
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := d.cmd.Start(); err != nil {
		d.t.Fatalf("starting sshd: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", d.addr()); err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	d.t.Fatalf("sshd did not start listening on %s: %s", d.addr(), d.stderr.String())
}

// stop ends sshd and every connection process it forked (what a restart of the
// machine or the service does; sshd's own SIGTERM leaves connections running).
func (d *openSSHD) stop() {
	if d.cmd == nil || d.cmd.Process == nil {
		return
	}
	kids := descendants(d.cmd.Process.Pid)
	d.cmd.Process.Kill()
	for _, pid := range kids {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	d.cmd.Wait()
	d.cmd = nil
}

// descendants are the processes below pid, read from /proc.
func descendants(pid int) []int {
	parents := map[int][]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces, so read after the last ')'.
		rest := string(stat[bytes.LastIndexByte(stat, ')')+1:])
		f := strings.Fields(rest)
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		parents[ppid] = append(parents[ppid], child)
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range parents[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

func currentUser(t testing.TB) string {
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return u.Username
}

func TestOpenSSHTunnelDeliversAndComesBackAfterARestart(t *testing.T) {
	env := newSSHEnv(t)
	sshd := startOpenSSHD(t, env.User.PublicKey())
	tl := startListener(t)
	target, err := ParseTarget("ssh://" + currentUser(t) + "@" + sshd.addr())
	if err != nil {
		t.Fatal(err)
	}
	tun, err := StartSSH(context.Background(), env.options(target, tl.L))
	if err != nil {
		t.Fatal(err)
	}
	defer tun.Close()
	first := waitState(t, tun, "up through OpenSSH", isUp)
	if got := postSigned(t, first.URL, 1, true); got != http.StatusOK {
		t.Fatalf("POST to the remote forward %s: %d", first.URL, got)
	}

	sshd.stop()
	waitState(t, tun, "down after sshd stopped", func(s State) bool { return s.Phase == Down })
	sshd.start()
	again := waitState(t, tun, "up again", func(s State) bool { return s.Phase == Up && s.Since.After(first.Since) })
	if again.URL != first.URL {
		t.Fatalf("the public URL changed from %s to %s", first.URL, again.URL)
	}
	if got := postSigned(t, again.URL, 2, true); got != http.StatusOK {
		t.Fatalf("POST after sshd restarted: %d", got)
	}
	evs := tl.events(t)
	if len(evs) != 2 {
		t.Fatalf("history holds %d events, want 2", len(evs))
	}
	for _, ev := range evs {
		if ev.Signature.Status != sig.Pass {
			t.Fatalf("verdict %+v, want pass", ev.Signature)
		}
	}
}

func TestOpenSSHTunnelRefusesAChangedHostKey(t *testing.T) {
	env := newSSHEnv(t)
	sshd := startOpenSSHD(t, env.User.PublicKey())
	tl := startListener(t)
	target, _ := ParseTarget("ssh://" + currentUser(t) + "@" + sshd.addr())
	// known_hosts already holds another ed25519 key for this address.
	other := newSigner(t, "")
	line := fmt.Sprintf("[127.0.0.1]:%d %s", sshd.port, ssh.MarshalAuthorizedKey(other.PublicKey()))
	if err := os.WriteFile(env.KnownHosts, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	tun, err := StartSSH(context.Background(), env.options(target, tl.L))
	if err != nil {
		t.Fatal(err)
	}
	defer tun.Close()
	st := waitState(t, tun, "failed", func(s State) bool { return s.Phase == Failed })
	if !strings.Contains(st.Err, "changed") || !strings.Contains(st.Err, "line 1") {
		t.Fatalf("failure %q", st.Err)
	}
	if known, _ := os.ReadFile(env.KnownHosts); string(known) != line {
		t.Fatalf("known_hosts was changed to %q", known)
	}
}
