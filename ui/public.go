package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/tunnel/public"
	"github.com/dexra/dexra-tui/ui/present"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// PublicSide is the listener's tunnel and relays as the console reads them: States
// (tunnel first, then relays) and a token on Changed after any change.
type PublicSide interface {
	States() []public.State
	Changed() <-chan struct{}
}

// publicMsg carries the public side's states after a change.
type publicMsg struct{ states []public.State }

// readPublic reads the states once, at start (later ones come through the bridge).
func (m *Model) readPublic() tea.Cmd {
	p := m.opts.Public
	if p == nil {
		return nil
	}
	return func() tea.Msg { return publicMsg{states: p.States()} }
}

// publicArrived keeps the states for the header, and tells a new user which URL to
// paste into the platform's dashboard.
func (m *Model) publicArrived(msg publicMsg) tea.Cmd {
	was := m.publicURL()
	m.public = msg.states
	url := m.publicURL()
	if url == "" {
		m.list.SetEmptyHint("no events yet: press t for a sample")
		return nil
	}
	m.list.SetEmptyHint("paste " + url + " into the platform (u copies) · t sends a sample")
	if url != was && m.publicUp() {
		return m.showToast("public URL "+url+" is up: u copies it", false)
	}
	return nil
}

// publicURL is the URL to paste into the platform's dashboard (the tunnel's, else a
// relay channel's), sanitized; "" before any is known.
func (m *Model) publicURL() string {
	for _, s := range m.public {
		if s.URL != "" {
			return sanitize.Line(s.URL)
		}
	}
	return ""
}

// publicUp reports whether the tunnel (or, without one, a relay) is up now.
func (m *Model) publicUp() bool {
	return len(m.public) > 0 && m.public[0].Phase == public.Up
}

// publicText is the header's part for the tunnel and relays: the public URL and
// state, or (short) the state alone.
func (m *Model) publicText(short bool, noHint ...bool) string {
	if len(m.public) == 0 {
		return ""
	}
	st := m.styles
	var out string
	for i, s := range m.public {
		name := "tunnel"
		if s.Engine == "relay" {
			name = "relay"
		}
		var part string
		switch s.Phase {
		case public.Up:
			part = st.Pass.Render("⇄ public")
			if name == "relay" {
				part = st.Pass.Render("⇄ relay")
			}
			if !short && i == 0 {
				part += " " + sanitize.Line(s.URL)
				if len(noHint) == 0 || !noHint[0] {
					part += st.Muted.Render(" (u copies)")
				}
			}
		case public.Connecting:
			part = st.Muted.Render("⇄ " + name + " connecting…")
		case public.Down:
			part = st.Fail.Render("⇄ " + name + " down")
			if !short {
				part = st.Fail.Render("⇄ " + name + " " + sanitize.Line(s.StringAt(m.now)))
			}
		case public.Failed:
			part = st.Error.Render("⇄ " + name + " failed")
			if !short {
				part = st.Error.Render("⇄ " + name + " failed: " + sanitize.Line(s.Err))
			}
		default:
			part = st.Muted.Render("⇄ " + name + " " + sanitize.Line(string(s.Phase)))
		}
		if s.Refused > 0 && !short {
			part += st.Muted.Render(fmt.Sprintf(" · %s refused", present.Count(s.Refused)))
		}
		if out != "" {
			out += "  "
		}
		out += part
		if short {
			break // the tunnel's (or first relay's) state is enough
		}
	}
	return out
}

// copyPublicURL copies the public URL (OSC 52).
func (m *Model) copyPublicURL() tea.Cmd {
	url := m.publicURL()
	if url == "" {
		if len(m.public) == 0 {
			return m.showToast("no public URL: start dexra-tui with --tunnel (localhost.run, pinggy, ssh://host) or --relay URL", true)
		}
		return m.showToast("no public URL yet: the tunnel is "+string(m.public[0].Phase), true)
	}
	return func() tea.Msg { return copyMsg{what: "public URL " + url, text: url} }
}

// publicWelcome is the welcome's line saying which URL the platform should call.
func (m *Model) publicWelcome() string {
	if url := m.publicURL(); url != "" {
		return "Paste " + url + " (u copies it) into the platform's webhook settings: it reaches this listener from the internet."
	}
	return ""
}

// withHeaderBadges puts failing commits (never left out) and the public side's state
// (after the listener) into the candidate headers, widest first: each in full, then
// short, and each candidate also without its last part (the secret hint).
func (m *Model) withHeaderBadges(candidates [][]string) [][]string {
	commits, public := m.commitText(), m.publicText(false)
	if commits == "" && public == "" {
		return candidates
	}
	insert := func(parts []string, at int, part string) []string {
		if part == "" {
			return parts
		}
		at = min(at, len(parts))
		return append(parts[:at:at], append([]string{part}, parts[at:]...)...)
	}
	// Without the listener's loopback URL (when the public URL must stay).
	noListener := func(parts []string) []string {
		url := sanitize.Line(m.opts.ListenURL)
		out := make([]string, 0, len(parts))
		for _, p := range parts {
			if url == "" || !strings.Contains(p, url) {
				out = append(out, p)
			}
		}
		return out
	}
	// Without the secret hint at the end (a revealed secret stays).
	noHint := func(parts []string) ([]string, bool) {
		last := parts[len(parts)-1]
		if m.reveal || (last != m.secretText(true) && last != m.secretText(false)) {
			return nil, false
		}
		return parts[: len(parts)-1 : len(parts)-1], true
	}
	type form struct {
		text       string
		noListener bool
	}
	publicForms := []form{{public, false}, {m.publicText(false, true), false}, {m.publicText(false, true), true}, {m.publicText(true), false}}
	if public == "" {
		publicForms = publicForms[:1]
	}
	var out [][]string
	for _, cf := range []string{commits, m.commitText(true)} {
		for _, pf := range publicForms {
			for _, c := range candidates {
				if pf.noListener {
					c = noListener(c)
				}
				out = append(out, insert(insert(c, 2, pf.text), 1, cf))
				if trimmed, ok := noHint(c); ok {
					out = append(out, insert(insert(trimmed, 2, pf.text), 1, cf))
				}
			}
		}
	}
	return out
}
