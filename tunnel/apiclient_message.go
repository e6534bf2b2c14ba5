package tunnel

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// The send-message request as the Dexra guide (seed 000) names it: recipient_id,
// message_type, channel. The fields of each type (text, media_url, caption, buttons,
// template) are dexra-tui's assumption: the seed names the types, not their fields.
type Message struct {
	Channel     string    `json:"channel"`
	RecipientID string    `json:"recipient_id"`
	MessageType string    `json:"message_type"`
	Text        string    `json:"text,omitempty"`
	MediaURL    string    `json:"media_url,omitempty"`
	Caption     string    `json:"caption,omitempty"`
	Buttons     []Button  `json:"buttons,omitempty"`
	Template    *Template `json:"template,omitempty"`
}

// Button is one reply button of a button message.
type Button struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// Template names an approved template and fills its parameters.
type Template struct {
	Name       string            `json:"name"`
	Language   string            `json:"language"`
	Parameters map[string]string `json:"parameters,omitempty"`
}

// Channels and message types the seeds name.
var (
	Channels     = []string{"whatsapp", "sms", "viber", "email", "telegram"}
	MessageTypes = []string{"text", "media", "button", "template"}
)

// Limits of the assumed request (documented in the README with the shape).
const (
	MaxTextRunes    = 4096
	MaxCaptionRunes = 1024
	MaxButtons      = 3
	MaxButtonRunes  = 20
)

// FieldError is a request that names a field and why it is wrong.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"message"`
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

var (
	e164RE     = regexp.MustCompile(`^\+[1-9][0-9]{7,14}$`)
	chatIDRE   = regexp.MustCompile(`^-?[1-9][0-9]{0,19}$`)
	templateRE = regexp.MustCompile(`^[a-z0-9_]{1,512}$`)
	languageRE = regexp.MustCompile(`^[a-z]{2,3}(_[A-Z]{2})?$`)
)

// Validate checks m as the sandbox does (the rules the README lists); the first
// problem found is returned as a *FieldError.
func (m Message) Validate() error {
	if m.Channel == "" {
		return &FieldError{"channel", "required (one of " + orList(Channels) + ")"}
	}
	if !slices.Contains(Channels, m.Channel) {
		return &FieldError{"channel", fmt.Sprintf("unknown channel %q (want %s)", m.Channel, orList(Channels))}
	}
	if err := ValidateRecipient(m.Channel, m.RecipientID); err != nil {
		return err
	}
	switch m.MessageType {
	case "":
		return &FieldError{"message_type", "required (one of " + orList(MessageTypes) + ")"}
	case "text":
		return validText("text", m.Text, MaxTextRunes, true)
	case "media":
		if m.MediaURL == "" {
			return &FieldError{"media_url", "required for a media message"}
		}
		if u, err := url.Parse(m.MediaURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return &FieldError{"media_url", fmt.Sprintf("%q is not an absolute http(s) URL", m.MediaURL)}
		}
		return validText("caption", m.Caption, MaxCaptionRunes, false)
	case "button":
		if err := validText("text", m.Text, MaxTextRunes, true); err != nil {
			return err
		}
		return validButtons(m.Buttons)
	case "template":
		return validTemplate(m.Template)
	default:
		return &FieldError{"message_type", fmt.Sprintf("unknown type %q (want %s)", m.MessageType, orList(MessageTypes))}
	}
}

// ValidateRecipient checks recipient_id for a channel: E.164 for whatsapp, sms and
// viber; an email address for email; a numeric chat id for telegram.
func ValidateRecipient(channel, to string) error {
	if to == "" {
		return &FieldError{"recipient_id", "required"}
	}
	switch channel {
	case "whatsapp", "sms", "viber":
		if !e164RE.MatchString(to) {
			return &FieldError{"recipient_id", fmt.Sprintf("%q is not an E.164 phone number (+ then 8 to 15 digits, e.g. +15551234567) as %s needs", to, channel)}
		}
	case "email":
		a, err := mail.ParseAddress(to)
		if err != nil || a.Address != to || !strings.Contains(to[strings.LastIndexByte(to, '@')+1:], ".") {
			return &FieldError{"recipient_id", fmt.Sprintf("%q is not an email address (e.g. dev@example.com)", to)}
		}
	case "telegram":
		if !chatIDRE.MatchString(to) {
			return &FieldError{"recipient_id", fmt.Sprintf("%q is not a numeric Telegram chat id (e.g. 123456789)", to)}
		}
	}
	return nil
}

func validText(field, s string, max int, required bool) error {
	if strings.TrimSpace(s) == "" {
		if required {
			return &FieldError{field, "required and not blank"}
		}
		return nil
	}
	if !utf8.ValidString(s) {
		return &FieldError{field, "not valid UTF-8"}
	}
	if n := utf8.RuneCountInString(s); n > max {
		return &FieldError{field, fmt.Sprintf("%d characters, at most %d", n, max)}
	}
	return nil
}

func validButtons(bs []Button) error {
	if len(bs) == 0 || len(bs) > MaxButtons {
		return &FieldError{"buttons", fmt.Sprintf("%d buttons, want 1 to %d", len(bs), MaxButtons)}
	}
	seen := map[string]bool{}
	for i, b := range bs {
		field := fmt.Sprintf("buttons[%d]", i)
		if b.ID == "" {
			return &FieldError{field + ".id", "required"}
		}
		if seen[b.ID] {
			return &FieldError{field + ".id", fmt.Sprintf("%q is used by an earlier button", b.ID)}
		}
		seen[b.ID] = true
		if err := validText(field+".title", b.Title, MaxButtonRunes, true); err != nil {
			return err
		}
	}
	return nil
}

func validTemplate(t *Template) error {
	switch {
	case t == nil || t.Name == "":
		return &FieldError{"template.name", "required for a template message"}
	case !templateRE.MatchString(t.Name):
		return &FieldError{"template.name", fmt.Sprintf("%q: lower-case letters, digits and _ only", t.Name)}
	case t.Language == "":
		return &FieldError{"template.language", "required (e.g. en or en_US)"}
	case !languageRE.MatchString(t.Language):
		return &FieldError{"template.language", fmt.Sprintf("%q is not a language code like en or en_US", t.Language)}
	}
	for k := range t.Parameters {
		if k == "" {
			return &FieldError{"template.parameters", "a parameter has an empty name"}
		}
	}
	return nil
}

func orList(vs []string) string {
	if len(vs) < 2 {
		return strings.Join(vs, "")
	}
	return strings.Join(vs[:len(vs)-1], ", ") + " or " + vs[len(vs)-1]
}
