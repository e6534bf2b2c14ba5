package sig

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// t0 is the signing time every timestamped test uses.
var t0 = time.Unix(1700000000, 0)

// hdr builds a header from name, value pairs, canonicalizing names as net/http does.
func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func at(now time.Time, secrets ...string) Options {
	return Options{Secrets: secrets, Now: now}
}

func wantPass(t *testing.T, v Verdict, scheme string, index int) {
	t.Helper()
	if v.Status != Pass || v.Scheme != scheme || v.SecretIndex != index || v.Reason != "" {
		t.Fatalf("want pass for %s with secret %d, got %+v", scheme, index, v)
	}
}

func wantFail(t *testing.T, v Verdict, scheme, reason string) {
	t.Helper()
	if v.Status != Fail || v.Scheme != scheme || v.Reason != reason {
		t.Fatalf("want %s fail %q, got %+v", scheme, reason, v)
	}
}

func wantMalformed(t *testing.T, v Verdict, scheme, header string) {
	t.Helper()
	prefix := "malformed header " + header + ": "
	if v.Status != Fail || v.Scheme != scheme || !strings.HasPrefix(v.Reason, prefix) || len(v.Reason) == len(prefix) || v.SecretIndex != -1 {
		t.Fatalf("want %s %q..., got %+v", scheme, prefix, v)
	}
}

func wantMismatch(t *testing.T, v Verdict, scheme string) {
	t.Helper()
	if v.Status != Fail || v.Scheme != scheme || v.Reason != ReasonMismatch || v.SecretIndex != -1 || v.Expected == "" || v.Received == "" {
		t.Fatalf("want %s mismatch with expected and received, got %+v", scheme, v)
	}
}
