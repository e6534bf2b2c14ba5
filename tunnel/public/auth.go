package public

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// defaultIdentities are the key files ssh itself tries, in its order.
var defaultIdentities = []string{"id_ed25519", "id_ecdsa", "id_rsa"}

// authMethods offers the agent's keys, then unencrypted key files; a service that
// takes anyone (localhost.run's nokey) needs none. close releases the agent socket.
func authMethods(agentSocket string, identityFiles []string) (methods []ssh.AuthMethod, notes []string, close func()) {
	close = func() {}
	var signers []ssh.Signer
	if agentSocket != "" {
		conn, err := net.Dial("unix", agentSocket)
		if err != nil {
			notes = append(notes, fmt.Sprintf("ssh agent at %s not reachable: %v", agentSocket, err))
		} else {
			close = func() { conn.Close() }
			if s, err := agent.NewClient(conn).Signers(); err == nil {
				signers = append(signers, s...)
			} else {
				notes = append(notes, fmt.Sprintf("ssh agent: %v", err))
			}
		}
	}
	for _, file := range identityFiles {
		pem, err := os.ReadFile(file)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			notes = append(notes, fmt.Sprintf("key %s: %v", file, err))
			continue
		}
		s, err := ssh.ParsePrivateKey(pem)
		var missing *ssh.PassphraseMissingError
		if errors.As(err, &missing) {
			notes = append(notes, fmt.Sprintf("key %s has a passphrase: add it to your ssh agent (ssh-add %s)", file, file))
			continue
		}
		if err != nil {
			notes = append(notes, fmt.Sprintf("key %s: %v", file, err))
			continue
		}
		signers = append(signers, s)
	}
	if len(signers) > 0 {
		methods = append(methods, ssh.PublicKeys(signers...))
	}
	return methods, notes, close
}
