package compose

import (
	"encoding/json"
	"net/http"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/ui/curl"
	"github.com/dexra/dexra-tui/ui/frame"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// sideBySide is the narrowest body that shows the preview beside the form.
const sideBySide = 100

// split is the form's width and the preview's (0: the preview goes under the form).
func (f *Form) split() (form, preview int) {
	return splitWidth(f.width)
}

// splitWidth is split for a body w cells wide.
func splitWidth(w int) (form, preview int) {
	if w >= sideBySide {
		form = w * 9 / 20
		return form, w - form - 1
	}
	return w, 0
}

// Endpoint is where the chosen profile sends.
func (f *Form) Endpoint() string {
	return strings.TrimRight(f.Profile().BaseURL, "/") + tunnel.SendPath
}

// Preview is the request as it would be sent: the JSON body, and a curl command that
// sends it (the key masked).
func (f *Form) Preview() (body []byte, command string) {
	m, _ := f.Message()
	body, _ = json.Marshal(m)
	p := f.Profile()
	ev := &payloads.Event{Method: http.MethodPost, Path: tunnel.SendPath, Body: body, Headers: http.Header{
		"Content-Type":           {"application/json"},
		"Authorization":          {"Bearer " + tunnel.MaskKey(p.Key)},
		tunnel.IdempotencyHeader: {"<one per send>"},
	}}
	return body, curl.Command(ev, strings.TrimRight(p.BaseURL, "/"))
}

// View draws the form, the problems found and the preview in w×h cells.
func (f *Form) View(w, h int) string {
	if w != f.width || h != f.height {
		f.SetSize(w, h)
	}
	fw, _ := f.split()
	left := []string{f.styles.TitleActive.Render("COMPOSE A MESSAGE"), ""}
	left = append(left, strings.Split(f.form.View(), "\n")...)
	left = append(left, f.problemLines(fw)...)
	return f.Frame(left, w, h)
}

// Frame draws left (the form, or what the send answered) beside the preview.
func (f *Form) Frame(left []string, w, h int) string {
	if w != f.width || h != f.height {
		f.SetSize(w, h)
	}
	st := f.styles
	fw, pw := f.split()
	if pw == 0 {
		left = append(left, "")
		left = append(left, f.previewLines(w)...)
		return strings.Join(frame.Box(strings.Join(left, "\n"), w, h), "\n")
	}
	l := frame.Box(strings.Join(left, "\n"), fw, h)
	r := frame.Box(strings.Join(f.previewLines(pw), "\n"), pw, h)
	sep := st.Separator.Render("│")
	out := make([]string, h)
	for i := range out {
		out[i] = l[i] + sep + r[i]
	}
	return strings.Join(out, "\n")
}

// problemLines name each field that is wrong now and why.
func (f *Form) problemLines(w int) []string {
	st := f.styles
	problems := f.Problems()
	if len(problems) == 0 {
		return []string{"", st.Pass.Render("✓ ready to send") + st.Muted.Render(" (enter on the last field sends)")}
	}
	lines := []string{""}
	wrap := lipgloss.NewStyle().Width(max(w-2, 10))
	for _, p := range problems {
		text := st.Error.Render("✗ "+p.Field) + " " + sanitize.Line(p.Reason)
		lines = append(lines, strings.Split(wrap.Render(text), "\n")...)
	}
	return lines
}

// previewLines are the endpoint, the masked key, the JSON and the curl command.
func (f *Form) previewLines(w int) []string {
	st := f.styles
	p := f.Profile()
	body, command := f.Preview()
	var pretty strings.Builder
	m, _ := f.Message()
	if b, err := json.MarshalIndent(m, "", "  "); err == nil {
		pretty.Write(b)
	} else {
		pretty.Write(body)
	}
	wrap := lipgloss.NewStyle().Width(max(w-1, 10))
	profile := st.Label.Render("profile ") + sanitize.Line(p.Name)
	if p.Name == Production {
		profile += " " + st.Production.Render(" PRODUCTION ")
	}
	lines := []string{
		st.TitleActive.Render("REQUEST"),
		profile,
		wrap.Render(st.Label.Render("POST ") + sanitize.Line(f.Endpoint())),
		st.Label.Render("key ") + sanitize.Line(tunnel.MaskKey(p.Key)),
		"",
	}
	for _, l := range strings.Split(pretty.String(), "\n") {
		lines = append(lines, st.JSONString.Render(sanitize.Line(l)))
	}
	lines = append(lines, "", st.TitleActive.Render("CURL"))
	lines = append(lines, strings.Split(wrap.Render(sanitize.Line(command)), "\n")...)
	return lines
}
