package ui

import (
	"testing"

	"github.com/charmbracelet/x/exp/golden"
)

// Golden files of the whole screen; regenerate with `go test ./ui -run Golden -update`.
func TestGoldenScreens(t *testing.T) {
	for _, size := range []struct {
		name string
		w, h int
	}{{"120x35", 120, 35}, {"80x24", 80, 24}} {
		t.Run(size.name, func(t *testing.T) {
			st := openStore(t)
			fill(t, st, fixtureEvents())
			m := testModel(st, false)
			start(m, size.w, size.h)
			golden.RequireEqual(t, []byte(m.View().Content))
		})
		t.Run(size.name+"-signature-tab", func(t *testing.T) {
			st := openStore(t)
			fill(t, st, fixtureEvents())
			m := testModel(st, false)
			start(m, size.w, size.h)
			drive(m, press("k"), press("k"), press("k"), press("k"), press("k"), press("3")) // the failing event
			golden.RequireEqual(t, []byte(m.View().Content))
		})
	}
}
