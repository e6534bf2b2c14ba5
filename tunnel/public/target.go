package public

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os/user"
	"regexp"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Target is where --tunnel points: an SSH server (a preset service or any sshd) or ngrok.
type Target struct {
	Raw    string // as given, for display
	Engine string // "ssh" or "ngrok"
	User   string
	Host   string
	Port   int
	// Bind is the remote forward asked for ("localhost:80" for the services, "localhost:0"
	// for a plain sshd: any free port on the server's loopback).
	Bind   string
	Preset *Preset // nil for a plain sshd
}

// Preset is an SSH tunnel service: where it is and how it announces the public URL.
type Preset struct {
	Name string
	Host string
	Port int
	User string // "" takes the local user name, as ssh does
	Bind string
	// Command is run in a session to get the announcement ("" asks for a shell,
	// which these services answer with their banner).
	Command string
	// Announced finds the public URL in one line the service printed.
	Announced func(line string) (string, bool)
}

// Presets are the services --tunnel knows by name. None can be reached from here
// (loopback only): their announcement formats are tested on recorded lines.
var Presets = []*Preset{
	{Name: "localhost.run", Host: "localhost.run", Port: 22, User: "nokey", Bind: "localhost:80",
		Command: "--output json", Announced: localhostRunURL},
	{Name: "pinggy", Host: "a.pinggy.io", Port: 443, Bind: "localhost:0", Announced: labelledHTTPSURL},
	{Name: "serveo", Host: "serveo.net", Port: 22, Bind: "localhost:80", Announced: serveoURL},
}

// presetAliases are the other names a preset answers to.
var presetAliases = map[string]string{
	"lhr": "localhost.run", "pinggy.io": "pinggy", "a.pinggy.io": "pinggy",
	"serveo.net": "serveo",
}

func presetNamed(name string) *Preset {
	name = strings.ToLower(name)
	if alias, ok := presetAliases[name]; ok {
		name = alias
	}
	for _, p := range Presets {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// ParseTarget reads --tunnel: "ngrok", a preset name ("localhost.run", "pinggy",
// "serveo"), or ssh://[user@]host[:port][?bind=host:port&announce=shell].
func ParseTarget(s string) (Target, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Target{}, fmt.Errorf("empty tunnel target: use ngrok, localhost.run, pinggy, serveo or ssh://[user@]host[:port]")
	}
	if strings.EqualFold(s, "ngrok") {
		return Target{Raw: s, Engine: "ngrok"}, nil
	}
	if p := presetNamed(s); p != nil {
		return presetTarget(s, p, "", 0), nil
	}
	if !strings.HasPrefix(s, "ssh://") {
		return Target{}, fmt.Errorf("tunnel %q: not a known service (ngrok, localhost.run, pinggy, serveo) nor an ssh:// URL such as ssh://you@example.com:22", s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return Target{}, fmt.Errorf("tunnel %q: %w", s, err)
	}
	if u.Hostname() == "" || (u.Path != "" && u.Path != "/") {
		return Target{}, fmt.Errorf("tunnel %q: write it as ssh://[user@]host[:port]", s)
	}
	port := 0
	if ps := u.Port(); ps != "" {
		if port, err = strconv.Atoi(ps); err != nil || port < 1 || port > 65535 {
			return Target{}, fmt.Errorf("tunnel %q: port %q is not a number from 1 to 65535", s, ps)
		}
	}
	userName := u.User.Username()
	if p := presetNamed(u.Hostname()); p != nil {
		return presetTarget(s, p, userName, port), nil
	}
	t := Target{Raw: s, Engine: "ssh", User: userName, Host: u.Hostname(), Port: port, Bind: "localhost:0"}
	if t.Port == 0 {
		t.Port = 22
	}
	q := u.Query()
	if b := q.Get("bind"); b != "" {
		if _, _, err := net.SplitHostPort(b); err != nil {
			return Target{}, fmt.Errorf("tunnel %q: bind=%q is not host:port (e.g. bind=0.0.0.0:8080): %v", s, b, err)
		}
		t.Bind = b
	}
	switch q.Get("announce") {
	case "":
	case "shell": // sish and similar: the URL comes in the session's banner
		t.Preset = &Preset{Name: t.Host, Host: t.Host, Port: t.Port, Bind: t.Bind, Announced: labelledHTTPSURL}
	default:
		return Target{}, fmt.Errorf("tunnel %q: announce=%q: only announce=shell is known", s, q.Get("announce"))
	}
	return t, nil
}

func presetTarget(raw string, p *Preset, userName string, port int) Target {
	t := Target{Raw: raw, Engine: "ssh", User: userName, Host: p.Host, Port: p.Port, Bind: p.Bind, Preset: p}
	if t.User == "" {
		t.User = p.User
	}
	if port != 0 {
		t.Port = port
	}
	return t
}

// Addr is host:port of the SSH server.
func (t Target) Addr() string { return net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) }

// userName is who we log in as: the one given, else the local user, as ssh does.
func (t Target) userName() string {
	if t.User != "" {
		return t.User
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "dexra-tui"
}

// plainURL is the public URL of a plain sshd forward: its host and the allocated port.
func (t Target) plainURL(port int) string {
	host, _, _ := net.SplitHostPort(t.Bind)
	switch host {
	case "", "localhost", "0.0.0.0", "::", "*":
		host = t.Host
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(port))
}

// safeURL accepts an announced URL only if it is a plain http(s) URL with a host:
// what the service printed is untrusted and will be shown and copied.
func safeURL(s string) (string, bool) {
	s = strings.TrimRight(s, ".,;)")
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return "", false
	}
	for _, r := range s {
		if r < 0x21 || r > 0x7e {
			return "", false
		}
	}
	return s, true
}

var urlInLine = regexp.MustCompile(`https?://[^\s"'<>]+`)

// localhostRunURL reads localhost.run's JSON output mode: one object per line, the
// forward's public host in "address" once its "tcpip-forward" event succeeds.
func localhostRunURL(line string) (string, bool) {
	var ev struct {
		Event   string `json:"event"`
		Address string `json:"address"`
		Status  string `json:"status"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(ansi.Strip(line))), &ev); err != nil || ev.Address == "" {
		return "", false
	}
	if ev.Event != "" && ev.Event != "tcpip-forward" {
		return "", false
	}
	return safeURL("https://" + ev.Address)
}

// labelledHTTPSURL reads pinggy's (and sish's) banner: a line "HTTPS : https://…"
// (or "HTTPS: …"), or the https URL alone on a line.
func labelledHTTPSURL(line string) (string, bool) {
	line = strings.TrimSpace(ansi.Strip(line))
	m := urlInLine.FindStringIndex(line)
	if m == nil || !strings.HasPrefix(line[m[0]:], "https://") {
		return "", false
	}
	label := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(line[:m[0]]), ":"))
	if label != "" && !strings.EqualFold(label, "HTTPS") {
		return "", false
	}
	return safeURL(line[m[0]:m[1]])
}

// serveoURL reads serveo's "Forwarding HTTP traffic from https://….serveo.net".
func serveoURL(line string) (string, bool) {
	line = strings.TrimSpace(ansi.Strip(line))
	const lead = "Forwarding HTTP traffic from "
	i := strings.Index(line, lead)
	if i < 0 {
		return "", false
	}
	m := urlInLine.FindString(line[i+len(lead):])
	if m == "" {
		return "", false
	}
	return safeURL(m)
}
