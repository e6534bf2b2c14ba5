package public

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// HostKeyChangedError: the server's key is not the one known_hosts records for it.
// It is never accepted: either the server was reinstalled, or someone is in the middle.
type HostKeyChangedError struct {
	Host        string
	File        string
	Line        int
	Fingerprint string // of the key the server offered
}

func (e *HostKeyChangedError) Error() string {
	return fmt.Sprintf("host key for %s changed (offered %s; %s line %d records another): refusing to connect; if the server was really reinstalled, remove that line and try again",
		e.Host, e.Fingerprint, e.File, e.Line)
}

// hostKeys checks server keys against a known_hosts file and records a host seen for
// the first time there (trust on first use, as ssh's StrictHostKeyChecking=accept-new).
type hostKeys struct {
	file string
	mu   sync.Mutex // one writer of the file per process
	// trusted is told about every key recorded on first use (for the log).
	trusted func(host, fingerprint string)
}

// knownAlgorithms are the host key algorithms known_hosts has for addr, so the server
// is asked for a key we can compare rather than one of a type never recorded.
func (h *hostKeys) knownAlgorithms(addr string) ([]string, error) {
	cb, err := h.load()
	if err != nil {
		return nil, err
	}
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("host keys: %w", err)
	}
	probe, err := ssh.NewPublicKey(pub) // matches nothing: the error lists what is known
	if err != nil {
		return nil, fmt.Errorf("host keys: %w", err)
	}
	var ke *knownhosts.KeyError
	if err := cb(addr, placeholderAddr(addr), probe); !errors.As(err, &ke) {
		return nil, nil
	}
	var algos []string
	seen := map[string]bool{}
	for _, k := range ke.Want {
		for _, a := range algorithmsFor(k.Key.Type()) {
			if !seen[a] {
				seen[a] = true
				algos = append(algos, a)
			}
		}
	}
	return algos, nil
}

func algorithmsFor(keyType string) []string {
	if keyType == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{keyType}
}

// placeholderAddr stands in for the remote address before we are connected.
func placeholderAddr(hostport string) net.Addr {
	a, err := net.ResolveTCPAddr("tcp", hostport)
	if err != nil || a.IP == nil {
		return &net.TCPAddr{IP: net.IPv4zero}
	}
	return a
}

func (h *hostKeys) load() (ssh.HostKeyCallback, error) {
	if _, err := os.Stat(h.file); errors.Is(err, os.ErrNotExist) {
		return func(string, net.Addr, ssh.PublicKey) error {
			return &knownhosts.KeyError{} // nothing known yet
		}, nil
	}
	cb, err := knownhosts.New(h.file)
	if err != nil {
		return nil, fmt.Errorf("reading known hosts %s: %w (fix or move the file)", h.file, err)
	}
	return cb, nil
}

// callback checks the offered key; an unknown host is recorded, a changed key refused.
func (h *hostKeys) callback() ssh.HostKeyCallback {
	return func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		h.mu.Lock()
		defer h.mu.Unlock()
		cb, err := h.load()
		if err != nil {
			return err
		}
		err = cb(hostname, remote, key)
		var ke *knownhosts.KeyError
		switch {
		case err == nil:
			return nil
		case errors.As(err, &ke) && len(ke.Want) == 0:
			return h.record(hostname, key)
		case errors.As(err, &ke):
			w := ke.Want[0]
			for _, k := range ke.Want {
				if k.Key.Type() == key.Type() {
					w = k
					break
				}
			}
			return &HostKeyChangedError{Host: hostname, File: w.Filename, Line: w.Line, Fingerprint: ssh.FingerprintSHA256(key)}
		default:
			return fmt.Errorf("checking the host key of %s: %w", hostname, err)
		}
	}
}

// record appends the host's key to known_hosts (made 0600 in a 0700 directory).
func (h *hostKeys) record(hostname string, key ssh.PublicKey) error {
	if err := os.MkdirAll(filepath.Dir(h.file), 0o700); err != nil {
		return fmt.Errorf("recording the host key of %s: %w", hostname, err)
	}
	f, err := os.OpenFile(h.file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("recording the host key of %s in %s: %w", hostname, h.file, err)
	}
	line := knownhosts.Line([]string{knownhosts.Normalize(hostname)}, key) + "\n"
	if _, err := f.WriteString(line); err != nil {
		f.Close()
		return fmt.Errorf("recording the host key of %s in %s: %w", hostname, h.file, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("recording the host key of %s in %s: %w", hostname, h.file, err)
	}
	if h.trusted != nil {
		h.trusted(hostname, ssh.FingerprintSHA256(key))
	}
	return nil
}
