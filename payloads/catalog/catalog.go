// Package catalog knows the event types of the platforms dexra-tui speaks: how to
// recognise them, their JSON Schemas, samples, dedup and correlation keys. Pure.
package catalog

import (
	"net/http"
	"time"
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
}

// Name is "source.type".
func (e EventType) Name() string { return e.Source + "." + e.Type }

// placeholder below: replaced by the catalog implementation.

func All() []EventType                                                           { return nil }
func Find(name string) (EventType, error)                                        { return EventType{}, nil }
func Classify(path string, h http.Header, body []byte) (src, typ string)         { return "", "" }
func Check(source, typ string, body []byte) Result                               { return Result{} }
func DedupKey(source, typ string, h http.Header, body []byte) string             { return "" }
func Summary(source, typ string, body []byte) string                             { return "" }
func Correlation(source, typ string, body []byte) string                         { return "" }
func (e EventType) Sample(now time.Time, sets map[string]string) ([]byte, error) { return nil, nil }
