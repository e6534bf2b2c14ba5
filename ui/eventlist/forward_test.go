package eventlist

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/ui/frame"
)

// rowOf is the drawn row of event seq (colourless, so the selection draws the same).
func rowOf(l *List, view string, seq uint64) string {
	for i, r := range l.rows {
		if r.Seq == seq {
			return ansi.Strip(splitLines(view)[1+i-l.top])
		}
	}
	return ""
}

func TestRefreshShowsNewForwardStatusWhereverTheListIs(t *testing.T) {
	st := history(t, 60)
	l := newList(t, st, 10)
	l.SetForwarding(true)
	for _, paused := range []bool{false, true} {
		if paused {
			for range 3 {
				settle(l, l.Update(key1("k")))
			}
		}
		r := l.rows[l.sel-1]
		before := rowOf(l, l.View(60, 11), r.Seq)
		if !strings.HasSuffix(before, "     0B") { // no mark yet: a blank cell before the size
			t.Fatalf("paused=%v: row before any attempt %q", paused, before)
		}
		a := payloads.Attempt{Target: "http://app/p", Mode: "forward", At: t0, Error: "connection refused"}
		want := "↛    0B"
		if paused {
			a.Status, a.Error, want = 200, "", "↦    0B"
		}
		if err := st.AddAttempt(r.ID, a); err != nil {
			t.Fatal(err)
		}
		if got := rowOf(l, l.View(60, 11), r.Seq); got != before {
			t.Fatal("the row changed before a refresh")
		}
		settle(l, l.Refresh())
		if got := rowOf(l, l.View(60, 11), r.Seq); !strings.HasSuffix(got, want) || frame.Width(got) != 60 {
			t.Fatalf("paused=%v: row after the attempt %q, want it to end in %q", paused, got, want)
		}
		if paused == l.Following() {
			t.Fatalf("paused=%v: a refresh changed following to %v", paused, l.Following())
		}
	}
}

func TestForwardColumnOnlyWithForwarding(t *testing.T) {
	st := history(t, 5)
	if err := st.AddAttempt("EV000000", payloads.Attempt{Target: "http://app/p", At: t0, Status: 200}); err != nil {
		t.Fatal(err)
	}
	l := newList(t, st, 10)
	var seq uint64
	for _, r := range l.rows {
		if r.ID == "EV000000" {
			seq = r.Seq
		}
	}
	without := rowOf(l, l.View(60, 11), seq)
	l.SetForwarding(true)
	with := rowOf(l, l.View(60, 11), seq)
	if frame.Width(without) != 60 || frame.Width(with) != 60 {
		t.Fatalf("rows are not 60 cells:\n%q\n%q", without, with)
	}
	if strings.Contains(without, "↦") || !strings.HasSuffix(with, "event 0                  ↦    0B") {
		t.Fatalf("the mark and its space come out of the summary, only with forwarding:\n%q\n%q", without, with)
	}
}
