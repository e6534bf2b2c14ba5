package public

import (
	"strings"
	"testing"
	"time"
)

func TestParseTargetPresetsAndSSHURLs(t *testing.T) {
	for _, tc := range []struct {
		in                 string
		engine, user, host string
		port               int
		bind, preset       string
	}{
		{"ngrok", "ngrok", "", "", 0, "", ""},
		{"localhost.run", "ssh", "nokey", "localhost.run", 22, "localhost:80", "localhost.run"},
		{"pinggy", "ssh", "", "a.pinggy.io", 443, "localhost:0", "pinggy"},
		{"serveo", "ssh", "", "serveo.net", 22, "localhost:80", "serveo"},
		{"ssh://TOKEN@a.pinggy.io", "ssh", "TOKEN", "a.pinggy.io", 443, "localhost:0", "pinggy"},
		{"ssh://me@example.com", "ssh", "me", "example.com", 22, "localhost:0", ""},
		{"ssh://127.0.0.1:2222?bind=0.0.0.0:8080", "ssh", "", "127.0.0.1", 2222, "0.0.0.0:8080", ""},
		{"ssh://sish.example.com?announce=shell", "ssh", "", "sish.example.com", 22, "localhost:0", "sish.example.com"},
	} {
		got, err := ParseTarget(tc.in)
		if err != nil {
			t.Errorf("ParseTarget(%q): %v", tc.in, err)
			continue
		}
		preset := ""
		if got.Preset != nil {
			preset = got.Preset.Name
		}
		if got.Engine != tc.engine || got.User != tc.user || got.Host != tc.host || got.Port != tc.port || got.Bind != tc.bind || preset != tc.preset {
			t.Errorf("ParseTarget(%q) = %+v (preset %q)", tc.in, got, preset)
		}
	}
	for _, bad := range []string{"", "example.com", "http://x", "ssh://", "ssh://h:0", "ssh://h:99999", "ssh://h/path", "ssh://h?bind=nope", "ssh://h?announce=tty"} {
		if _, err := ParseTarget(bad); err == nil {
			t.Errorf("ParseTarget(%q) accepted", bad)
		}
	}
}

// The lines below are the services' announcements as their documentation and users'
// logs show them; none of the services can be reached from the test machine.
func TestPresetsReadTheirServicesAnnouncements(t *testing.T) {
	for _, tc := range []struct {
		preset, line, want string
	}{
		{"localhost.run", `{"address":"3b1d872d3c1d63.lhr.life","authz_code":"OK","connection_id":"1.2.3.4:5","event":"tcpip-forward","listen_host":"localhost","listen_port":80,"message":"3b1d872d3c1d63.lhr.life tunneled with tls termination, https://3b1d872d3c1d63.lhr.life"}`, "https://3b1d872d3c1d63.lhr.life"},
		{"localhost.run", `{"event":"authn","message":"authenticated as anonymous user"}`, ""},
		{"localhost.run", `Welcome to localhost.run!`, ""},
		{"pinggy", "HTTPS : https://rnqxc-1-2-3-4.a.free.pinggy.link", "https://rnqxc-1-2-3-4.a.free.pinggy.link"},
		{"pinggy", "\x1b[32mhttps://rnqxc.a.free.pinggy.link\x1b[0m", "https://rnqxc.a.free.pinggy.link"},
		{"pinggy", "http://rnqxc.a.free.pinggy.link", ""},
		{"pinggy", "Upgrade at https://pinggy.io/#prices", ""},
		{"serveo", "Forwarding HTTP traffic from https://abc123.serveo.net", "https://abc123.serveo.net"},
		{"serveo", "Press g to start a GUI session and ctrl-c to quit.", ""},
	} {
		got, ok := presetNamed(tc.preset).Announced(tc.line)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("%s %q: got %q %v, want %q", tc.preset, tc.line, got, ok, tc.want)
		}
	}
}

func TestStateReadsAsTheConsoleShowsIt(t *testing.T) {
	s := State{Phase: Down, Err: "connection refused"}
	s.RetryAt = s.Since.Add(4e9)
	if got := s.StringAt(s.Since); got != "down: connection refused, retry in 4 s" {
		t.Fatalf("%q", got)
	}
	if got := (State{Phase: Connecting, Target: "pinggy"}).String(); got != "connecting to pinggy" {
		t.Fatalf("%q", got)
	}
	if got := (State{Phase: Up, URL: "https://x"}).String(); !strings.HasPrefix(got, "up since ") || !strings.HasSuffix(got, " https://x") {
		t.Fatalf("%q", got)
	}
}

func TestBackoffDoublesWithJitterAndResets(t *testing.T) {
	b := Backoff{Min: 100e6, Max: 800e6}
	want := []float64{100e6, 200e6, 400e6, 800e6, 800e6}
	for i, w := range want {
		d := float64(b.Next())
		if d < w*0.8 || d > w*1.2 {
			t.Fatalf("wait %d = %v, want %v ±20%%", i, d, w)
		}
	}
	b.Reset()
	if d := float64(b.Next()); d > 120e6 {
		t.Fatalf("after Reset: %v", d)
	}
}

func TestStateEscapesWhatAServerSaid(t *testing.T) {
	st := NewStatus("ssh", "x", nil)
	st.Enter(Down, "ssh: disconnect: \x1b]52;c;aGk=\x07 bye\u202e", time.Time{})
	if got := st.State().Err; strings.ContainsAny(got, "\x1b\x07\u202e") || !strings.Contains(got, `\x1b]52`) {
		t.Fatalf("Err = %q", got)
	}
}
