package ui

import (
	"strings"
	"testing"

	"github.com/dexra/dexra-tui/tunnel"
)

// A target whose first delivery is still in flight is sending, not idle.
func TestHeaderSaysSendingWhileTheFirstDeliveryIsInFlight(t *testing.T) {
	m := quietModel(Options{})
	targets, err := tunnel.ParseForwardTargets([]string{"http://localhost:3000/hooks"})
	if err != nil {
		t.Fatal(err)
	}
	got := m.healthState(tunnel.TargetHealth{Target: targets[0], State: tunnel.HealthIdle, InFlight: 1}, false)
	if !strings.Contains(got, "sending") || strings.Contains(got, "idle") {
		t.Errorf("header state %q, want sending", got)
	}
	if got := m.healthState(tunnel.TargetHealth{Target: targets[0], State: tunnel.HealthIdle}, false); !strings.Contains(got, "idle") {
		t.Errorf("header state %q with nothing in flight, want idle", got)
	}
}
