package ui

import (
	"strings"
	"testing"

	"github.com/dexra/dexra-tui/tunnel"
)

func TestAnswerKeyCyclesTheListenersAnswer(t *testing.T) {
	m := fixtureModel(t, 120, 35)
	rs := tunnel.NewResponder(tunnel.Respond{Status: 200, Rate: 1})
	m.opts.Responder = rs
	var seen []string
	for range tunnel.RespondModes {
		drive(m, press("a"))
		seen = append(seen, rs.Mode().String())
		if r := rs.Mode(); !r.Normal() && !strings.Contains(screenText(m), "answers "+r.String()) {
			t.Fatalf("header does not show the simulated answer %s:\n%s", r, screenText(m))
		}
	}
	want := append(append([]string(nil), tunnel.RespondModes[1:]...), tunnel.RespondModes[0])
	if strings.Join(seen, " ") != strings.Join(want, " ") {
		t.Fatalf("a cycled %v, want %v", seen, want)
	}
	if !rs.Mode().Normal() || strings.Contains(strings.Split(screenText(m), "\n")[0], "answers") {
		t.Fatalf("back to 200, the header must not show a badge:\n%s", screenText(m))
	}
}

func TestAnswerKeyWithoutAListenerSaysSo(t *testing.T) {
	m := fixtureModel(t, 120, 35)
	drive(m, press("a"))
	if !strings.Contains(screenText(m), "only change in the console's own listener") {
		t.Fatalf("no explanation:\n%s", screenText(m))
	}
}

func TestRespondModesParse(t *testing.T) {
	for _, mode := range tunnel.RespondModes {
		r, err := tunnel.ParseRespond(mode)
		if err != nil || r.String() != mode {
			t.Errorf("mode %q: %v %q", mode, err, r.String())
		}
	}
}
