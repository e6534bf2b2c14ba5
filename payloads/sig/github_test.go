package sig

import (
	"testing"
)

// GitHub's published example, "Testing the webhook payload validation":
// https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
const (
	githubDocSecret    = "It's a Secret to Everybody"
	githubDocPayload   = "Hello, World!"
	githubDocSignature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
)

func TestGitHubDocumentedVector(t *testing.T) {
	req := Request{Header: hdr("X-Hub-Signature-256", githubDocSignature), Body: []byte(githubDocPayload)}
	wantPass(t, Check("github", req, at(t0, githubDocSecret)), "github", 0)
	wantPass(t, Check(Auto, req, at(t0, githubDocSecret)), "github", 0)

	h, err := githubScheme.Sign(SignInput{Secret: githubDocSecret, Body: []byte(githubDocPayload)})
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Get("X-Hub-Signature-256"); got != githubDocSignature {
		t.Fatalf("signed %q, GitHub documents %q", got, githubDocSignature)
	}

	req.Body = []byte("Hello, World?")
	wantMismatch(t, Check("github", req, at(t0, githubDocSecret)), "github")
}

func TestGitHubLegacySHA1(t *testing.T) {
	h, err := githubScheme.Sign(SignInput{Secret: githubDocSecret, Body: []byte(githubDocPayload)})
	if err != nil {
		t.Fatal(err)
	}
	legacy := h.Get("X-Hub-Signature")
	if len(legacy) != len("sha1=")+40 {
		t.Fatalf("GitHub also sends X-Hub-Signature: sha1=<hex>, got %q", legacy)
	}
	onlyLegacy := Request{Header: hdr("X-Hub-Signature", legacy), Body: []byte(githubDocPayload)}
	wantPass(t, Check("github", onlyLegacy, at(t0, githubDocSecret)), "github", 0)
	wantPass(t, Check(Auto, onlyLegacy, at(t0, githubDocSecret)), "github", 0)

	// With both headers the SHA-256 one decides: a good sha1 cannot rescue a bad sha256.
	both := Request{Header: hdr("X-Hub-Signature-256", githubDocSignature[:len(githubDocSignature)-1]+"0", "X-Hub-Signature", legacy), Body: []byte(githubDocPayload)}
	wantMismatch(t, Check("github", both, at(t0, githubDocSecret)), "github")
}

func TestGitHubPrefix(t *testing.T) {
	upper := Request{Header: hdr("X-Hub-Signature-256", "SHA256="+githubDocSignature[7:]), Body: []byte(githubDocPayload)}
	wantPass(t, Check("github", upper, at(t0, githubDocSecret)), "github", 0)
	for _, value := range []string{githubDocSignature[7:], "sha1=" + githubDocSignature[7:], "sha256=", "sha256=xyz", "sha"} {
		v := Check("github", Request{Header: hdr("X-Hub-Signature-256", value), Body: []byte(githubDocPayload)}, at(t0, githubDocSecret))
		wantMalformed(t, v, "github", "X-Hub-Signature-256")
	}
	v := Check("github", Request{Header: hdr("X-Hub-Signature", "sha256="+githubDocSignature[7:]), Body: nil}, at(t0, githubDocSecret))
	wantMalformed(t, v, "github", "X-Hub-Signature")
}
