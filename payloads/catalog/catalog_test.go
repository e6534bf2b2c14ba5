package catalog

import (
	"strings"
	"testing"
)

func TestAllListsEverySeedEventInStableOrder(t *testing.T) {
	want := []string{
		"dexatel.delivery", "dexatel.message",
		"dexra.message_in", "dexra.conversation_created", "dexra.user_updated",
		"conversa.conversation.created", "conversa.conversation.resolved",
		"conversa.payment.paid", "conversa.deal.stage_changed",
	}
	all := All()
	if len(all) != len(want) {
		t.Fatalf("All() has %d entries, want %d", len(all), len(want))
	}
	for i, e := range all {
		if e.Name() != want[i] {
			t.Errorf("All()[%d] = %s, want %s", i, e.Name(), want[i])
		}
		if e.Description == "" || e.Path == "" || e.Seed == "" || e.Note == "" {
			t.Errorf("%s: description, path, seed and note must be set: %+v", e.Name(), e)
		}
		if e.SchemaJSON() == nil {
			t.Errorf("%s: no embedded schema", e.Name())
		}
	}
	all[0].Source = "mutated"
	if All()[0].Source != "dexatel" {
		t.Error("All() must return a copy")
	}
}

func TestSchemesAndDocumentedFollowTheSeeds(t *testing.T) {
	for _, e := range All() {
		wantScheme := map[string]string{"dexatel": "dexatel", "dexra": "dexra", "conversa": "standard"}[e.Source]
		if e.Scheme != wantScheme {
			t.Errorf("%s: scheme %q, want %q", e.Name(), e.Scheme, wantScheme)
		}
		if e.Documented != (e.Source == "dexatel") {
			t.Errorf("%s: documented=%v; only Dexatel's seed gives the JSON shape", e.Name(), e.Documented)
		}
		if !e.Documented && !strings.Contains(string(e.SchemaJSON()), "shape not documented by") {
			t.Errorf("%s: an undocumented schema must say so", e.Name())
		}
		if e.Source == "conversa" && !strings.Contains(e.Note, "does not name the signature scheme") {
			t.Errorf("%s: note must say the seed does not name the scheme: %q", e.Name(), e.Note)
		}
	}
}

func TestFind(t *testing.T) {
	cases := map[string]string{
		"dexatel.delivery":              "dexatel.delivery",
		"delivery":                      "dexatel.delivery",
		"DEXATEL.Message":               "dexatel.message",
		"conversa.conversation.created": "conversa.conversation.created",
		"conversation.created":          "conversa.conversation.created", // bare type with a dot
		"conversation_created":          "dexra.conversation_created",
		"message":                       "dexatel.message", // exact type beats the message_in prefix
		"payment":                       "conversa.payment.paid",
		"dexra.user":                    "dexra.user_updated",
		" user_updated ":                "dexra.user_updated",
	}
	for in, want := range cases {
		e, err := Find(in)
		if err != nil || e.Name() != want {
			t.Errorf("Find(%q) = %s, %v; want %s", in, e.Name(), err, want)
		}
	}
}

func TestFindErrors(t *testing.T) {
	_, err := Find("conversation")
	if err == nil || !strings.Contains(err.Error(), "ambiguous") ||
		!strings.Contains(err.Error(), "dexra.conversation_created") ||
		!strings.Contains(err.Error(), "conversa.conversation.resolved") {
		t.Errorf("ambiguous prefix: %v", err)
	}
	_, err = Find("nosuch.thing")
	if err == nil || !strings.Contains(err.Error(), "unknown event") || !strings.Contains(err.Error(), "dexatel.delivery") {
		t.Errorf("unknown name must list the known ones: %v", err)
	}
	if _, err = Find(""); err == nil {
		t.Error("empty name must fail")
	}
}

func TestFindAmbiguousBareType(t *testing.T) {
	list := []EventType{{Source: "a", Type: "ping"}, {Source: "b", Type: "ping"}, {Source: "b", Type: "pong"}}
	_, err := findIn(list, "ping")
	if err == nil || !strings.Contains(err.Error(), "a.ping, b.ping") {
		t.Errorf("ambiguous bare type must name both candidates: %v", err)
	}
	if e, err := findIn(list, "b.ping"); err != nil || e.Source != "b" {
		t.Errorf("full name resolves the ambiguity: %v %v", e, err)
	}
}
