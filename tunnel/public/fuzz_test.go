package public

import (
	"net/url"
	"testing"
)

func FuzzAnnouncedURL(f *testing.F) {
	f.Add(`{"address":"3b1d872d3c1d63.lhr.life","event":"tcpip-forward","listen_host":"localhost","listen_port":80}`)
	f.Add("HTTPS : https://abcd.a.free.pinggy.link")
	f.Add("\x1b[1mForwarding HTTP traffic from https://abc.serveo.net\x1b[0m")
	f.Add("https://evil.example/\x1b]52;c;aGk=\x07")
	f.Fuzz(func(t *testing.T, line string) {
		for _, parse := range []func(string) (string, bool){localhostRunURL, labelledHTTPSURL, serveoURL} {
			got, ok := parse(line)
			if !ok {
				continue
			}
			// What we announce is shown and copied: a plain http(s) URL, printable ASCII only.
			u, err := url.Parse(got)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				t.Fatalf("announced %q from %q", got, line)
			}
			for _, r := range got {
				if r < 0x21 || r > 0x7e {
					t.Fatalf("announced %q holds %q", got, r)
				}
			}
		}
	})
}

func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"ngrok", "localhost.run", "pinggy", "ssh://u@h:22", "ssh://h?bind=0.0.0.0:80&announce=shell", "ssh://[::1]:2222"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseTarget(s)
		if err != nil {
			return
		}
		if tg.Engine == "ssh" && (tg.Host == "" || tg.Port < 1 || tg.Port > 65535 || tg.Bind == "") {
			t.Fatalf("ParseTarget(%q) = %+v", s, tg)
		}
	})
}
