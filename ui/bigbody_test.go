package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// A 1 MiB body: its end is one key away, and its schema check runs when its tab is
// shown, answering the event it was asked for.
func TestLargeBodyScrollsToItsEndAndChecksItsSchemaWhenShown(t *testing.T) {
	m := bigBodyModel(t, bulkJSON(1<<20))
	drive(m, press("enter"), press("G"))
	lines := strings.Split(ansi.Strip(m.View().Content), "\n")
	if !strings.HasSuffix(strings.TrimRight(lines[len(lines)-3], " "), "│}") || !strings.Contains(lines[2], "100%") {
		t.Fatalf("the end of the body is not shown:\n%s", m.View().Content)
	}
	_, cmd := m.Update(press("4"))
	if !strings.Contains(m.View().Content, "checking the body against the catalog's schema") {
		t.Fatalf("the Schema tab does not say it is checking:\n%s", m.View().Content)
	}
	msgs := execute(cmd)
	drive(m, press("esc"), press("k")) // another event: the answer is for one no longer shown
	drive(m, msgs...)
	if strings.Contains(m.View().Content, "checking") {
		t.Fatal("the small event's schema is shown as pending")
	}
	drive(m, press("j"))
	if v := m.View().Content; !strings.Contains(v, "Result") || strings.Contains(v, "checking") {
		t.Fatalf("back on the large event, its schema is not checked:\n%s", v)
	}
}
