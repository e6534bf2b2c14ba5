package tunnel

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
)

func TestParseForwardTarget(t *testing.T) {
	cases := []struct {
		spec, prefix, url, err string
	}{
		{spec: "http://localhost:3000/hooks", url: "http://localhost:3000/hooks"},
		{spec: "localhost:3000/webhook", url: "http://localhost:3000/webhook"},
		{spec: "3000", url: "http://localhost:3000"},
		{spec: ":8080", url: "http://localhost:8080"},
		{spec: "https://app.test", url: "https://app.test"},
		{spec: "/dexatel=http://localhost:3000/hooks/dexatel", prefix: "/dexatel", url: "http://localhost:3000/hooks/dexatel"},
		{spec: "/dexatel/=localhost:3000", prefix: "/dexatel", url: "http://localhost:3000"},
		{spec: "/=http://a.test", prefix: "", url: "http://a.test"},
		{spec: "/dexatel", err: "/prefix=URL"},
		{spec: "/a?b=http://x", err: "plain path"},
		{spec: "ftp://x", err: "only http and https"},
		{spec: "http://", err: "no host"},
		{spec: "http://user:pw@x.test", err: "credentials"},
		{spec: "http://x.test/#frag", err: "fragment"},
		{spec: "", err: "no URL"},
		{spec: "localhost:99999", err: "port 99999"},
		{spec: "http://localhost:0/x", err: "port 0"},
	}
	for _, c := range cases {
		got, err := ParseForwardTarget(c.spec)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: error %v, want one saying %q", c.spec, err, c.err)
			}
			continue
		}
		if err != nil || got.Prefix != c.prefix || got.URL.String() != c.url || got.Spec != c.spec {
			t.Errorf("%q: got %+v (%v), want prefix %q url %q", c.spec, got, err, c.prefix, c.url)
		}
	}
}

func TestForwardTargetURLFor(t *testing.T) {
	cases := []struct{ spec, path, query, want string }{
		// A plain URL is used as given, whatever path the event came to.
		{"localhost:3000/webhook", "/", "", "http://localhost:3000/webhook"},
		{"localhost:3000/webhook", "/dexatel/in", "", "http://localhost:3000/webhook"},
		{"localhost:3000", "/dexatel/in", "a=1", "http://localhost:3000/?a=1"},
		{"localhost:3000/h?k=v", "/x", "a=1&b=%20", "http://localhost:3000/h?k=v&a=1&b=%20"},
		// "/*" appends the event's path (Hookdeck CLI's rule).
		{"localhost:3000/webhook/*", "/dexatel/in", "", "http://localhost:3000/webhook/dexatel/in"},
		{"localhost:3000/*", "/dexatel/in", "a=1", "http://localhost:3000/dexatel/in?a=1"},
		{"localhost:3000/*", "/", "", "http://localhost:3000/"},
		{"localhost:3000/*", "/x/", "", "http://localhost:3000/x/"},
		{"localhost:3000/h/*?k=v", "/x", "", "http://localhost:3000/h/*?k=v"}, // "/*" only at the very end
		// A route strips its prefix; what is left is appended.
		{"/dexatel=localhost:3000/hooks/dexatel", "/dexatel", "", "http://localhost:3000/hooks/dexatel"},
		{"/dexatel=localhost:3000/hooks/dexatel", "/dexatel/", "", "http://localhost:3000/hooks/dexatel"},
		{"/dexatel=localhost:3000/hooks/dexatel", "/dexatel/a%2Fb", "q=1", "http://localhost:3000/hooks/dexatel/a%2Fb?q=1"},
		{"/dexatel=localhost:3000", "/dexatel/x", "", "http://localhost:3000/x"},
	}
	for _, c := range cases {
		tg, err := ParseForwardTarget(c.spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := tg.URLFor(c.path, c.query); got != c.want {
			t.Errorf("%s + %s?%s = %s, want %s", c.spec, c.path, c.query, got, c.want)
		}
	}
}

func TestRouteTargetsLongestPrefixWins(t *testing.T) {
	ts := mustTargets(t, "http://all.test", "/a=http://a.test", "/a/b=http://ab.test", "/a/b=http://ab2.test")
	cases := map[string][]string{
		"/":      {"http://all.test"},
		"/ax":    {"http://all.test"},
		"/a":     {"http://a.test"},
		"/a/c":   {"http://a.test"},
		"/a/b":   {"http://ab.test", "http://ab2.test"},
		"/a/b/c": {"http://ab.test", "http://ab2.test"},
	}
	for path, want := range cases {
		var got []string
		for _, t := range RouteTargets(ts, path) {
			got = append(got, t.URL.String())
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s routes to %v, want %v", path, got, want)
		}
	}
	if got := RouteTargets(mustTargets(t, "/a=http://a.test"), "/b"); got != nil {
		t.Errorf("no route covers /b, got %v", got)
	}
}

func TestTargetHealthSummaryAndLabel(t *testing.T) {
	tg := mustTargets(t, "/dexatel=localhost:3000/hooks/")[0]
	if got := tg.Label(); got != "/dexatel → localhost:3000/hooks" {
		t.Errorf("label %q", got)
	}
	cases := []struct {
		h    TargetHealth
		want string
	}{
		{TargetHealth{State: HealthIdle}, "idle"},
		{TargetHealth{State: HealthIdle, InFlight: 1}, "sending"},
		{TargetHealth{State: HealthOK, Queued: 3}, "ok · 3 queued"},
		{TargetHealth{State: HealthFailing, LastError: "connection refused"}, "failing: connection refused"},
		{TargetHealth{State: HealthFailing, LastStatus: 503}, "failing: 503"},
	}
	for _, c := range cases {
		if got := c.h.Summary(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.h, got, c.want)
		}
	}
}

func TestReordererRestoresSeqOrder(t *testing.T) {
	clock := time.Unix(0, 0)
	r := &reorderer{next: 5, now: func() time.Time { return clock }}
	ev := func(seq uint64) *payloads.Event { return &payloads.Event{Seq: seq} }
	seqs := func(evs []*payloads.Event) string {
		var s []uint64
		for _, e := range evs {
			s = append(s, e.Seq)
		}
		return fmt.Sprint(s)
	}
	if got := seqs(r.add(ev(6))); got != "[]" {
		t.Fatalf("6 before 5 went out: %s", got)
	}
	if got := seqs(r.add(ev(5))); got != "[5 6]" {
		t.Fatalf("after 5: %s", got)
	}
	if got := seqs(r.add(ev(9))); got != "[]" {
		t.Fatalf("9 with 7 and 8 missing went out: %s", got)
	}
	if d, ok := r.wait(); !ok || d != reorderWait {
		t.Fatalf("wait %v %v", d, ok)
	}
	clock = clock.Add(reorderWait)
	if got := seqs(r.ready()); got != "[9]" {
		t.Fatalf("after the wait: %s", got)
	}
	if got := seqs(r.add(ev(7))); got != "[7]" {
		t.Fatalf("a latecomer whose turn passed goes at once: %s", got)
	}
	if got := seqs(r.add(ev(0))); got != "[0]" {
		t.Fatalf("an event without seq goes at once: %s", got)
	}
	r.add(ev(12))
	r.add(ev(11))
	if got := seqs(r.flush()); got != "[11 12]" {
		t.Fatalf("flush: %s", got)
	}
	fresh := &reorderer{now: func() time.Time { return clock }}
	if got := seqs(fresh.add(ev(3))); got != "[]" {
		t.Fatalf("with no known next, the first event waits for possible predecessors: %s", got)
	}
}

func TestListenerSecretsFollowRoutes(t *testing.T) {
	s := ListenerSecrets([]string{"default"}, []Route{{Prefix: "/a", Secrets: []string{"a"}}, {Prefix: "/a/b", Scheme: "stripe"}})
	cases := map[string]string{"/": "[default]", "/a/x": "[a]", "/a/b": "[default]", "/ab": "[default]"}
	for path, want := range cases {
		if got := fmt.Sprint(s(path)); got != want {
			t.Errorf("%s: %s, want %s", path, got, want)
		}
	}
}

func FuzzParseForwardTarget(f *testing.F) {
	for _, s := range []string{"3000", "localhost:3000/x", "/p=http://a.test/h?q=1", "http://[::1]:80/a%2F", "/=x", "/a=", "http://u@h"} {
		f.Add(s, "/p/x", "a=1")
	}
	f.Fuzz(func(t *testing.T, spec, path, query string) {
		tg, err := ParseForwardTarget(spec)
		if err != nil {
			return
		}
		if tg.URL.User != nil || (tg.URL.Scheme != "http" && tg.URL.Scheme != "https") || tg.URL.Host == "" {
			t.Fatalf("%q accepted as %+v", spec, tg.URL)
		}
		if !strings.HasPrefix(path, "/") || !PathHasPrefix(path, tg.Prefix) {
			return
		}
		got := tg.URLFor(path, query)
		if !strings.HasPrefix(got, tg.URL.Scheme+"://"+tg.URL.Host+"/") {
			t.Fatalf("%q + %q = %q leaves the target", spec, path, got)
		}
		if _, err := url.Parse(got); err != nil && validURLPart(path) && validURLPart(query) {
			t.Fatalf("%q + %q?%q = %q does not parse: %v", spec, path, query, got, err)
		}
	})
}

// validURLPart reports whether s could have come from a parsed request line.
func validURLPart(s string) bool {
	for _, c := range []byte(s) {
		if c <= ' ' || c == 0x7f || c == '#' || c >= 0x80 {
			return false
		}
	}
	if strings.Contains(s, "%") {
		_, err := url.PathUnescape(s)
		return err == nil
	}
	return true
}
