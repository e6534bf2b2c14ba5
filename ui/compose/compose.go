// Package compose is the console's compose form (c): profile, channel, recipient,
// type and that type's fields, checked as they are typed with the rules the sandbox
// applies, beside a preview of the exact request as JSON and as curl.
package compose

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/ui/theme"
)

// Profile is where a send goes: the API's base URL and key.
type Profile struct {
	Name    string
	BaseURL string
	Key     string // never shown unmasked
}

// Production is the profile whose sends ask for confirmation.
const Production = "production"

// values are what the fields hold; huh writes them as keys are typed.
type values struct {
	profile, channel, to, typ        string
	text, mediaURL, caption, buttons string
	template, language, params       string
	confirm                          bool
}

// Form is one compose form, from c to a send or esc.
type Form struct {
	profiles []Profile
	v        *values
	form     *huh.Form
	styles   *theme.Styles
	width    int
	height   int
}

// New builds the form over profiles (at least one), def picked first.
func New(profiles []Profile, def string, styles *theme.Styles) *Form {
	f := &Form{profiles: profiles, v: &values{channel: "whatsapp", typ: "text", confirm: false}, styles: styles}
	f.v.profile = profiles[0].Name
	for _, p := range profiles {
		if p.Name == def {
			f.v.profile = def
		}
	}
	f.form = f.build()
	return f
}

func (f *Form) build() *huh.Form {
	v := f.v
	var names []huh.Option[string]
	for _, p := range f.profiles {
		names = append(names, huh.NewOption(p.Name, p.Name))
	}
	forType := func(t string) func() bool { return func() bool { return v.typ != t } }
	check := func(field string) func(string) error {
		return func(string) error { return f.problem(field) }
	}
	form := huh.NewForm(
		huh.NewGroup(
			huh.NewSelect[string]().Title("Profile").Options(names...).Value(&v.profile).Inline(true),
			huh.NewSelect[string]().Title("Channel").Options(huh.NewOptions(tunnel.Channels...)...).Value(&v.channel).Inline(true),
			huh.NewInput().Title("Recipient").Placeholder("+15551234567").Value(&v.to).Validate(check("recipient_id")),
			huh.NewSelect[string]().Title("Type").Options(huh.NewOptions(tunnel.MessageTypes...)...).Value(&v.typ).Inline(true),
		),
		huh.NewGroup(
			huh.NewInput().Title("Text").Value(&v.text).CharLimit(tunnel.MaxTextRunes).Validate(check("text")),
		).WithHideFunc(forType("text")),
		huh.NewGroup(
			huh.NewInput().Title("Media URL").Placeholder("https://example.com/a.jpg").Value(&v.mediaURL).Validate(check("media_url")),
			huh.NewInput().Title("Caption").Value(&v.caption).Validate(check("caption")),
		).WithHideFunc(forType("media")),
		huh.NewGroup(
			huh.NewInput().Title("Text").Value(&v.text).Validate(check("text")),
			huh.NewInput().Title("Buttons").Description("id=Title, id=Title (up to 3)").Placeholder("yes=Yes, no=No").Value(&v.buttons).Validate(check("buttons")),
		).WithHideFunc(forType("button")),
		huh.NewGroup(
			huh.NewInput().Title("Template").Placeholder("order_shipped").Value(&v.template).Validate(check("template.name")),
			huh.NewInput().Title("Language").Placeholder("en_US").Value(&v.language).Validate(check("template.language")),
			huh.NewInput().Title("Parameters").Description("name=value, name=value").Value(&v.params).Validate(check("template.parameters")),
		).WithHideFunc(forType("template")),
		huh.NewGroup(
			huh.NewConfirm().Title("Send to PRODUCTION? This reaches a real recipient.").Affirmative("Send").Negative("Cancel").Value(&v.confirm),
		).WithHideFunc(func() bool { return v.profile != Production }),
	).WithShowHelp(false).WithShowErrors(true)
	km := huh.NewDefaultKeyMap()
	km.Quit.SetKeys("esc")
	form.WithKeyMap(km)
	if f.styles.NoColor {
		form.WithTheme(huh.ThemeFunc(huh.ThemeBase))
	}
	return form
}

// Reopen makes the form editable again with what it holds (after a failed send).
func (f *Form) Reopen() {
	f.form = f.build()
	f.SetSize(f.width, f.height)
}

// FormWidth is the width of the form's column in a body w cells wide.
func FormWidth(w int) int {
	fw, _ := splitWidth(w)
	return fw
}

// Init starts the form's cursor and focus.
func (f *Form) Init() tea.Cmd { return f.form.Init() }

// Update hands a message to the form.
func (f *Form) Update(msg tea.Msg) tea.Cmd {
	m, cmd := f.form.Update(msg)
	if form, ok := m.(*huh.Form); ok {
		f.form = form
	}
	return cmd
}

// SetSize gives the form its part of a w×h body.
func (f *Form) SetSize(w, h int) {
	f.width, f.height = w, h
	fw, _ := f.split()
	f.form.WithWidth(fw).WithHeight(max(min(h-problemRows, formRows), 4))
}

// problemRows are the lines under the form kept for the problems found; formRows
// hold the tallest group (four fields).
const (
	problemRows = 5
	formRows    = 12
)

// Done says the form was completed (enter on its last field).
func (f *Form) Done() bool { return f.form.State == huh.StateCompleted }

// Aborted says esc left the form.
func (f *Form) Aborted() bool { return f.form.State == huh.StateAborted }

// Profile is the profile chosen.
func (f *Form) Profile() Profile {
	for _, p := range f.profiles {
		if p.Name == f.v.profile {
			return p
		}
	}
	return f.profiles[0]
}

// NeedsConfirm says a send with this profile asks first; Confirmed says it was given.
func (f *Form) NeedsConfirm() bool { return f.v.profile == Production }
func (f *Form) Confirmed() bool    { return f.v.confirm }

// Message is the request the fields describe; an error names a field that cannot be
// read (a button or parameter without its =).
func (f *Form) Message() (tunnel.Message, error) {
	v := f.v
	m := tunnel.Message{Channel: v.channel, RecipientID: strings.TrimSpace(v.to), MessageType: v.typ}
	switch v.typ {
	case "text":
		m.Text = v.text
	case "media":
		m.MediaURL, m.Caption = strings.TrimSpace(v.mediaURL), v.caption
	case "button":
		m.Text = v.text
		for i, part := range splitList(v.buttons) {
			id, title, ok := strings.Cut(part, "=")
			if !ok {
				id, title = fmt.Sprintf("b%d", i+1), part
			}
			m.Buttons = append(m.Buttons, tunnel.Button{ID: strings.TrimSpace(id), Title: strings.TrimSpace(title)})
		}
	case "template":
		m.Template = &tunnel.Template{Name: strings.TrimSpace(v.template), Language: strings.TrimSpace(v.language)}
		for _, part := range splitList(v.params) {
			k, val, ok := strings.Cut(part, "=")
			if !ok {
				return m, &tunnel.FieldError{Field: "template.parameters", Reason: fmt.Sprintf("%q: want name=value", part)}
			}
			if m.Template.Parameters == nil {
				m.Template.Parameters = map[string]string{}
			}
			m.Template.Parameters[strings.TrimSpace(k)] = strings.TrimSpace(val)
		}
	}
	return m, nil
}

func splitList(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// Problems are what is wrong with the fields now, at most one per field: the
// recipient checked for its channel, the type's fields checked with the same rules
// as the sandbox applies (Message.Validate) — apart from the recipient, so a wrong
// number does not hide a missing text.
func (f *Form) Problems() []*tunnel.FieldError {
	var out []*tunnel.FieldError
	add := func(err error) {
		var fe *tunnel.FieldError
		if errors.As(err, &fe) && !slices.ContainsFunc(out, func(o *tunnel.FieldError) bool { return o.Field == fe.Field }) {
			out = append(out, fe)
		}
	}
	if f.v.to != "" || f.v.channel == "" {
		add(tunnel.ValidateRecipient(f.v.channel, strings.TrimSpace(f.v.to)))
	} else {
		out = append(out, &tunnel.FieldError{Field: "recipient_id", Reason: "required: " + recipientHint(f.v.channel)})
	}
	m, err := f.Message()
	add(err)
	if err == nil {
		m.RecipientID = sampleRecipient(m.Channel)
		add(m.Validate())
	}
	return out
}

// problem is the problem of one field, for huh's check on enter.
func (f *Form) problem(field string) error {
	for _, p := range f.Problems() {
		if p.Field == field || strings.HasPrefix(p.Field, field+"[") || strings.HasPrefix(p.Field, field+".") {
			return p
		}
	}
	return nil
}

// sampleRecipient is a valid recipient of a channel, standing in for the typed one
// while the type's own fields are checked.
func sampleRecipient(channel string) string {
	switch channel {
	case "email":
		return "dev@example.com"
	case "telegram":
		return "123456789"
	}
	return "+15551234567"
}

func recipientHint(channel string) string {
	switch channel {
	case "email":
		return "an email address such as dev@example.com"
	case "telegram":
		return "a numeric chat id such as 123456789"
	}
	return "an E.164 number such as +15551234567"
}
