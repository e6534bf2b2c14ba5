package tunnel

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/dexra/dexra-tui/payloads/catalog"
)

// checkEvents builds the bodies the probes send: fresh valid events, one of a type the
// handler cannot know, and two about one object delivered in the wrong order.
type checkEvents interface {
	name() string
	fresh(now time.Time) ([]byte, error)
	unknownType(now time.Time) ([]byte, error)
	// outOfOrder is two events about one object, the later status first; what says so.
	outOfOrder(now time.Time) (first, second []byte, what string, err error)
}

// Names the probes use for what no handler can know.
const (
	unknownEventType  = "dexra_tui.check.unknown_event"
	unknownFieldName  = "dexra_tui_unknown_field"
	unknownFieldValue = `{"added":"by a newer API version"}`
)

// DefaultCheckEvent is the scheme's most common catalog event, ok=false when the
// catalog has none signed that way (check then sends a generic JSON event).
func DefaultCheckEvent(scheme string) (catalog.EventType, bool) {
	name, ok := map[string]string{
		"dexatel":  "dexatel.delivery",
		"dexra":    "dexra.message_in",
		"standard": "conversa.conversation.created", // Conversa Labs assumes Standard Webhooks
	}[scheme]
	if !ok {
		return catalog.EventType{}, false
	}
	e, err := catalog.Find(name)
	return e, err == nil
}

// catalogEvents are samples of a catalog event type.
type catalogEvents struct{ event catalog.EventType }

func (c catalogEvents) name() string { return c.event.Name() }

func (c catalogEvents) fresh(now time.Time) ([]byte, error) { return c.event.Sample(now, nil) }

// checkTypePath is where each source's events name their type.
var checkTypePath = map[string]string{"dexatel": "data.event", "dexra": "event", "conversa": "event"}

func (c catalogEvents) unknownType(now time.Time) ([]byte, error) {
	sets := []catalog.Set{{Path: "data." + unknownFieldName, Value: unknownFieldValue, JSON: true}}
	if p, ok := checkTypePath[c.event.Source]; ok {
		sets = append(sets, catalog.Set{Path: p, Value: unknownEventType})
	}
	return c.event.Sample(now, sets)
}

// checkLifecycles are, per source, two catalog events about one object (the key at path)
// in the order a platform may deliver them though they happened the other way round.
var checkLifecycles = map[string]struct {
	first, second string
	path          string
	firstSets     []catalog.Set
	secondSets    []catalog.Set
	what          string
}{
	"dexatel": {"dexatel.delivery", "dexatel.delivery", "data.message_id",
		[]catalog.Set{{Path: "data.status", Value: "delivered"}}, []catalog.Set{{Path: "data.status", Value: "sent"}},
		"delivered, then sent, for one message_id"},
	"dexra": {"dexra.message_in", "dexra.conversation_created", "data.conversation_id", nil, nil,
		"message_in, then the conversation_created of its conversation"},
	"conversa": {"conversa.conversation.resolved", "conversa.conversation.created", "data.conversation_id", nil, nil,
		"conversation.resolved, then conversation.created, for one conversation_id"},
}

func (c catalogEvents) outOfOrder(now time.Time) ([]byte, []byte, string, error) {
	lc, ok := checkLifecycles[c.event.Source]
	if !ok {
		return genericEvents{}.outOfOrder(now)
	}
	first, err1 := catalog.Find(lc.first)
	second, err2 := catalog.Find(lc.second)
	if err1 != nil || err2 != nil {
		return nil, nil, "", fmt.Errorf("building out-of-order events: %v %v", err1, err2)
	}
	key := catalog.Set{Path: lc.path, Value: "chk_" + checkRandomHex(8)}
	a, err := first.Sample(now, append([]catalog.Set{key}, lc.firstSets...))
	if err != nil {
		return nil, nil, "", err
	}
	// The second happened earlier, so its own timestamps say so.
	b, err := second.Sample(now.Add(-30*time.Second), append([]catalog.Set{key}, lc.secondSets...))
	if err != nil {
		return nil, nil, "", err
	}
	return a, b, lc.what, nil
}

// genericEvents stand in where the catalog has no event for the scheme: a minimal
// JSON event in the common {id, type, created, data} envelope.
type genericEvents struct{}

type genericEvent struct {
	ID      string         `json:"id"`
	Type    string         `json:"type"`
	Created int64          `json:"created"`
	Data    map[string]any `json:"data"`
}

func (genericEvents) name() string {
	return "generic message.status (no catalog sample for this scheme)"
}

func genericCheckBody(now time.Time, typ, messageID, status string, extra bool) ([]byte, error) {
	data := map[string]any{"message_id": messageID, "status": status, "timestamp": now.UTC().Format(time.RFC3339)}
	if extra {
		var v any
		_ = json.Unmarshal([]byte(unknownFieldValue), &v)
		data[unknownFieldName] = v
	}
	return json.Marshal(genericEvent{ID: "evt_" + checkRandomHex(12), Type: typ, Created: now.Unix(), Data: data})
}

func (genericEvents) fresh(now time.Time) ([]byte, error) {
	return genericCheckBody(now, "message.status", "msg_"+checkRandomHex(8), "delivered", false)
}

func (genericEvents) unknownType(now time.Time) ([]byte, error) {
	return genericCheckBody(now, unknownEventType, "msg_"+checkRandomHex(8), "delivered", true)
}

func (genericEvents) outOfOrder(now time.Time) ([]byte, []byte, string, error) {
	id := "msg_" + checkRandomHex(8)
	a, err := genericCheckBody(now, "message.status", id, "delivered", false)
	if err != nil {
		return nil, nil, "", err
	}
	b, err := genericCheckBody(now.Add(-30*time.Second), "message.status", id, "sent", false)
	return a, b, "delivered, then sent, for one message_id", err
}
