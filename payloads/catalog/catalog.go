// Package catalog knows the event types of the platforms dexra-tui speaks: how to
// recognise them, their JSON Schemas, samples, dedup and correlation keys. Pure.
package catalog

import (
	"fmt"
	"strings"
)

// Result is a schema check of a body against the catalog.
type Result struct {
	Checked    bool     `json:"checked"`    // a schema exists for the event type
	Documented bool     `json:"documented"` // the seed document gives the JSON shape
	Valid      bool     `json:"valid"`
	Unknown    []string `json:"unknown,omitempty"` // fields present but not in the schema (JSON pointers)
	Missing    []string `json:"missing,omitempty"` // required fields absent
	Errors     []string `json:"errors,omitempty"`  // validator errors (only for documented shapes)
	Note       string   `json:"note,omitempty"`
}

// EventType is one entry of the catalog.
type EventType struct {
	Source      string // dexatel, dexra, conversa
	Type        string // delivery, message, message_in, conversation.created, ...
	Description string
	Scheme      string // the scheme the platform signs with (dexatel, dexra, ...)
	Documented  bool
	// Path is the listener path a sample of this type is posted to by default.
	Path string
	// Seed names the platform document the type comes from.
	Seed string
	// Note says how far the schema can be trusted (documented shape or dexra-tui's assumption).
	Note string
	// ContentType of a sample; "" means application/json.
	ContentType string
	// Headers a sample is sent with besides its signature, as name, value pairs
	// (GitHub's X-GitHub-Event, Shopify's X-Shopify-Topic).
	Headers []string
}

// Name is "source.type".
func (e EventType) Name() string { return e.Source + "." + e.Type }

// Seed documents, named once so notes and schemas agree.
const (
	seedDexatel  = "Dexatel Webhook Integration v1.0 (seed 002)"
	seedDexra    = "Dexra Developer API Guide (seed 000)"
	seedConversa = "Conversa Labs API & Developers (seed 001)"

	noteDexatel = "shape exactly as documented by " + seedDexatel
	noteDexra   = "shape not documented by " + seedDexra + "; fields named in the seed only. " +
		"The envelope {event, event_id, created_at, data} is dexra-tui's assumption"
	noteConversa = "shape not documented by " + seedConversa + " (\"don't invent the format\"); " +
		"the envelope {id, event, created_at, account_id, inbox_id, data} and its fields are " +
		"dexra-tui's assumption. The seed does not name the signature scheme either; dexra-tui " +
		"assumes Standard Webhooks"
)

// registry lists every event type the seeds name, in seed order; All returns a copy.
var registry = []EventType{
	{Source: "dexatel", Type: "delivery", Scheme: "dexatel", Documented: true, Path: "/dexatel",
		Seed: seedDexatel, Note: noteDexatel,
		Description: "A sent message's status was updated to delivered (delivery report)."},
	{Source: "dexatel", Type: "message", Scheme: "dexatel", Documented: true, Path: "/dexatel",
		Seed: seedDexatel, Note: noteDexatel,
		Description: "An inbound message was received on sms, viber or whatsapp."},
	{Source: "dexra", Type: "message_in", Scheme: "dexra", Path: "/dexra",
		Seed: seedDexra, Note: noteDexra,
		Description: "An inbound chat message (conversation_id, message_text, source_channel); mirror chat logs into a CRM."},
	{Source: "dexra", Type: "conversation_created", Scheme: "dexra", Path: "/dexra",
		Seed: seedDexra, Note: noteDexra,
		Description: "A user started a conversation; alert on a high customer_lifetime_value."},
	{Source: "dexra", Type: "user_updated", Scheme: "dexra", Path: "/dexra",
		Seed: seedDexra, Note: noteDexra,
		Description: "The AI or a flow updated a user profile; sync tags such as \"Hot Lead\" to marketing tools."},
	{Source: "conversa", Type: "conversation.created", Scheme: "standard", Path: "/conversa",
		Seed: seedConversa, Note: noteConversa,
		Description: "A conversation was created in an inbox."},
	{Source: "conversa", Type: "conversation.resolved", Scheme: "standard", Path: "/conversa",
		Seed: seedConversa, Note: noteConversa,
		Description: "A conversation was resolved."},
	{Source: "conversa", Type: "payment.paid", Scheme: "standard", Path: "/conversa",
		Seed: seedConversa, Note: noteConversa,
		Description: "A payment was confirmed."},
	{Source: "conversa", Type: "deal.stage_changed", Scheme: "standard", Path: "/conversa",
		Seed: seedConversa, Note: noteConversa,
		Description: "A deal moved to another pipeline stage."},
}

// All returns every catalog entry in a stable order (by platform, then seed order).
func All() []EventType { return append([]EventType(nil), registry...) }

// lookup returns the entry for source and type.
func lookup(source, typ string) (EventType, bool) {
	for _, e := range registry {
		if e.Source == source && e.Type == typ {
			return e, true
		}
	}
	return EventType{}, false
}

// isSource reports whether the catalog has types for source.
func isSource(source string) bool {
	for _, e := range registry {
		if e.Source == source {
			return true
		}
	}
	return false
}

// Find resolves "source.type" (split on the first dot), a bare type, or a unique prefix
// of either, case-insensitively.
// The seeds' platforms come first, so a bare "message" stays Dexatel's; then the
// provider samples (Samples).
func Find(name string) (EventType, error) {
	e, err := findIn(registry, name)
	if err == nil {
		return e, nil
	}
	if p, perr := findIn(providerSamples, name); perr == nil {
		return p, nil
	}
	return EventType{}, err
}

func findIn(list []EventType, name string) (EventType, error) {
	want := strings.ToLower(strings.TrimSpace(name))
	if want == "" {
		return EventType{}, fmt.Errorf("find event type: empty name; known: %s", names(list))
	}
	// Exact forms first, so a full name never loses to a prefix.
	if src, typ, ok := strings.Cut(want, "."); ok {
		for _, e := range list {
			if e.Source == src && e.Type == typ {
				return e, nil
			}
		}
	}
	if e, ok, err := unique(list, name, func(e EventType) bool { return e.Type == want }); ok {
		return e, err
	}
	if e, ok, err := unique(list, name, func(e EventType) bool {
		return strings.HasPrefix(e.Name(), want) || strings.HasPrefix(e.Type, want)
	}); ok {
		return e, err
	}
	return EventType{}, fmt.Errorf("find event type: unknown event %q; known: %s", name, names(list))
}

// unique returns the only entry matching, an ambiguity error, or ok=false when none match.
func unique(list []EventType, name string, match func(EventType) bool) (EventType, bool, error) {
	var found []EventType
	for _, e := range list {
		if match(e) {
			found = append(found, e)
		}
	}
	switch len(found) {
	case 0:
		return EventType{}, false, nil
	case 1:
		return found[0], true, nil
	default:
		return EventType{}, true, fmt.Errorf("find event type: %q is ambiguous; candidates: %s", name, names(found))
	}
}

func names(list []EventType) string {
	out := make([]string, len(list))
	for i, e := range list {
		out[i] = e.Name()
	}
	return strings.Join(out, ", ")
}
