package store

import (
	"strings"
	"testing"

	"github.com/dexra/dexra-tui/payloads"
)

func TestFilterDirection(t *testing.T) {
	in := &payloads.Event{Direction: payloads.Inbound, Path: "/"}
	out := &payloads.Event{Direction: payloads.Outbound, Path: "/v1/send-message"}
	old := &payloads.Event{Path: "/"} // written before directions were kept
	for q, want := range map[string][3]bool{
		"dir:in":  {true, false, true},
		"dir:OUT": {false, true, false},
		"-dir:in": {false, true, false},
	} {
		f, err := ParseFilter(q)
		if err != nil {
			t.Fatal(err)
		}
		for i, ev := range []*payloads.Event{in, out, old} {
			if got := f.Match(ev); got != want[i] {
				t.Errorf("%s on %q: %v, want %v", q, ev.Direction, got, want[i])
			}
		}
		if !f.NeedsRest() {
			t.Errorf("%s: NeedsRest false", q)
		}
	}
	if f, _ := ParseFilter("dir:Out"); f.String() != "dir:out" {
		t.Fatalf("canonical form %q", f.String())
	}
	if f, _ := ParseFilter("type:delivery corr:x"); f.NeedsRest() {
		t.Fatal("head-only filter says it needs the rest")
	}
	if _, err := ParseFilter("dir:sideways"); err == nil || !strings.Contains(err.Error(), "want in or out") {
		t.Fatalf("dir:sideways: %v", err)
	}
	if _, err := ParseFilter("nope:1"); err == nil || !strings.Contains(err.Error(), "dup, corr, dir") {
		t.Fatalf("known keys: %v", err)
	}
}
