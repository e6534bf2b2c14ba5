package ui

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/ui/present"
)

// editModel is a console over the fixture history whose forward target is a, with
// editorCmd as $EDITOR ("" edits in the console). The selection is the oldest event,
// a signed Dexatel delivery.
func editModel(t *testing.T, a *app, editorCmd string) (*Model, *store.Store) {
	t.Helper()
	st := openStore(t)
	fill(t, st, fixtureEvents())
	f := &forwarding{st: st, targets: mustTargets(t, a.url())}
	m := quietModel(Options{Reader: st, Location: time.UTC, Replay: f.replayConfig(), Editor: editorCmd})
	start(m, 120, 35)
	drive(m, press("g"))
	return m, st
}

const editedID = "01JNGQ0000000000000000000A"

// wantEditedDelivery checks that the app got the event with status "failed", compact
// as the original, signed now, and that both events record it.
func wantEditedDelivery(t *testing.T, m *Model, st *store.Store, a *app) {
	t.Helper()
	orig, err := st.Get(editedID)
	if err != nil {
		t.Fatal(err)
	}
	want := bytes.Replace(orig.Body, []byte(`"status":"delivered"`), []byte(`"status":"failed"`), 1)
	got := a.requests()
	if len(got) != 1 || !bytes.Equal(got[0].body, want) {
		t.Fatalf("the app got %d requests %q, want one with %s", len(got), got, want)
	}
	if !verifies(got[0]) {
		t.Fatal("the edited body is not signed with the secret: the app would refuse it")
	}
	last := orig.Attempts[len(orig.Attempts)-1]
	if last.Mode != string(tunnel.ReplayEdited) || last.Status != 200 || last.DerivedID == "" {
		t.Fatalf("the original records %+v, want an edited attempt answered 200 naming the new event", last)
	}
	derived, err := st.Get(last.DerivedID)
	if err != nil || derived.DerivedFrom != editedID || !bytes.Equal(derived.Body, want) {
		t.Fatalf("the new event: %+v, %v", derived, err)
	}
	screen := screenText(m)
	for _, want := range []string{"edited replay → 200 OK in", "recorded as " + present.ShortID(derived.ID),
		"edited → 200 OK", "Sent as   " + derived.ID, `"seen": 1`} {
		if !strings.Contains(screen, want) {
			t.Errorf("screen lacks %q:\n%s", want, screen)
		}
	}
}

func TestEditInTheConsoleSendsTheEditedBodyResigned(t *testing.T) {
	a := startApp(t, "127.0.0.1:0")
	m, st := editModel(t, a, "")
	drive(m, press("e"))
	if !m.editor.IsOpen() {
		t.Fatalf("e did not open the editor:\n%s", screenText(m))
	}
	screen := screenText(m)
	for _, want := range []string{"EDIT BODY", "valid JSON", `    "status": "delivered",`, "ctrl+s sends it, re-signed, to your app · esc cancels"} {
		if !strings.Contains(screen, want) {
			t.Fatalf("editor lacks %q:\n%s", want, screen)
		}
	}
	// Change the status field: down to its line, to its end, erase `delivered",`.
	for range 5 {
		drive(m, press("down"))
	}
	drive(m, press("end"))
	for range len(`delivered",`) {
		drive(m, press("backspace"))
	}
	if _, cmd := m.Update(press("q")); cmd != nil {
		if _, quit := cmd().(tea.QuitMsg); quit {
			t.Fatal("q in the editor quit the console")
		}
	}
	drive(m, press("backspace"))
	typeText(m, `failed"`)
	if got := screenText(m); !strings.Contains(got, "not JSON") {
		t.Fatalf("a missing comma should show as not JSON:\n%s", got)
	}
	typeText(m, ",")
	if got := screenText(m); !strings.Contains(got, `"status": "failed",`) || !strings.Contains(got, "valid JSON") {
		t.Fatalf("editor after the change:\n%s", got)
	}
	drive(m, press("ctrl+s"))
	if m.editor.IsOpen() {
		t.Fatal("ctrl+s should close the editor")
	}
	wantEditedDelivery(t, m, st, a)
}

func TestEditCanceledOrUnchangedSendsNothing(t *testing.T) {
	a := startApp(t, "127.0.0.1:0")
	m, _ := editModel(t, a, "")
	drive(m, press("e"))
	drive(m, press("x"))
	drive(m, press("esc"))
	if !m.editor.IsOpen() || !strings.Contains(screenText(m), "discard your changes?") {
		t.Fatalf("esc with a change must ask first:\n%s", screenText(m))
	}
	drive(m, press("esc"))
	if m.editor.IsOpen() || !strings.Contains(m.toast, "edit canceled") {
		t.Fatalf("esc: open=%v toast %q", m.editor.IsOpen(), m.toast)
	}
	drive(m, press("e"))
	drive(m, press("ctrl+s"))
	if !strings.Contains(m.toast, "unchanged: nothing sent") {
		t.Fatalf("ctrl+s on an untouched body: toast %q", m.toast)
	}
	if n := len(a.requests()); n != 0 {
		t.Fatalf("the app got %d requests", n)
	}
}

func TestEditInExternalEditor(t *testing.T) {
	a := startApp(t, "127.0.0.1:0")
	dir := t.TempDir()
	script := filepath.Join(dir, "edit.sh")
	// The editor notes the file it got and its permissions, then changes a field.
	body := "#!/bin/sh\necho \"$1\" > " + filepath.Join(dir, "path") + "\nls -ln \"$1\" | cut -c1-10 > " + filepath.Join(dir, "mode") +
		"\nsed -i 's/\"delivered\"/\"failed\"/' \"$1\"\n"
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}
	m, st := editModel(t, a, script)
	drive(m, press("e"))
	if m.editor.IsOpen() {
		t.Fatal("with $EDITOR set the in-app editor should stay closed")
	}
	wantEditedDelivery(t, m, st, a)
	path, _ := os.ReadFile(filepath.Join(dir, "path"))
	mode, _ := os.ReadFile(filepath.Join(dir, "mode"))
	if strings.TrimSpace(string(mode)) != "-rw-------" {
		t.Errorf("the body was written with permissions %q, want -rw-------", mode)
	}
	if p := strings.TrimSpace(string(path)); !strings.HasSuffix(p, ".json") {
		t.Errorf("the file %q should end in .json so the editor highlights it", p)
	} else if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Errorf("the edited file %s is left behind (%v)", p, err)
	}
}

func TestEditorFailureSendsNothing(t *testing.T) {
	a := startApp(t, "127.0.0.1:0")
	m, _ := editModel(t, a, "false")
	drive(m, press("e"))
	if !strings.Contains(m.toast, "the editor failed, nothing sent") || !m.toastIsError {
		t.Fatalf("toast %q", m.toast)
	}
	if n := len(a.requests()); n != 0 {
		t.Fatalf("the app got %d requests", n)
	}
}

func TestEditShowsHostileBodiesEscapedAndRefusesWhatItCannotKeep(t *testing.T) {
	a := startApp(t, "127.0.0.1:0")
	m, _ := editModel(t, a, "")
	drive(m, press("j"), press("j"), press("j"), press("j")) // the hostile JSON event
	drive(m, press("e"))
	if !m.editor.IsOpen() {
		t.Fatalf("the hostile JSON event should open: toast %q", m.toast)
	}
	view := m.View().Content
	if strings.ContainsAny(view, "\u009b\u202e\a") || strings.Contains(view, "\x1b]") {
		t.Fatalf("the editor printed raw control characters: %q", view)
	}
	if !strings.Contains(ansi.Strip(view), `\u009b2J\u202egpj.exe`) {
		t.Fatalf("the hidden characters should show as JSON escapes:\n%s", ansi.Strip(view))
	}
	drive(m, press("esc"))

	for _, c := range []struct {
		moves int
		want  string
	}{
		{1, "holds \\x1b"}, // raw escapes in a text body: only $EDITOR can keep them
		{1, "binary"},
	} {
		for range c.moves {
			drive(m, press("j"))
		}
		drive(m, press("e"))
		if m.editor.IsOpen() || !strings.Contains(m.toast, c.want) || !m.toastIsError {
			t.Fatalf("e on %s: open=%v toast %q, want %q", m.list.SelectedID(), m.editor.IsOpen(), m.toast, c.want)
		}
	}
}

func TestReplayOfARefusedEventSaysWhy(t *testing.T) {
	a := startApp(t, "127.0.0.1:0")
	st := openStore(t)
	ev := request("01JNGQ0000000000000000000A", clock, "/dexatel", nil, nil)
	ev.Rejected, ev.Status = "body too large", 413
	fill(t, st, []*payloads.Event{ev})
	f := &forwarding{st: st, targets: mustTargets(t, a.url())}
	m := quietModel(Options{Reader: st, Location: time.UTC, Replay: f.replayConfig()})
	start(m, 120, 35)
	drive(m, press("e"))
	if !strings.Contains(m.toast, "refused this event") {
		t.Fatalf("e on a refused event: toast %q", m.toast)
	}
	drive(m, press("r"))
	if !strings.Contains(m.toast, "replay → ✗") || !strings.Contains(m.toast, "kept no body") {
		t.Fatalf("r on a refused event: toast %q", m.toast)
	}
	if n := len(a.requests()); n != 0 {
		t.Fatalf("the app got %d requests", n)
	}
}
