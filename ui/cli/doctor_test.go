package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/store"
)

// A flipped byte in a stored body is refused by name by the reading commands, found
// by doctor, and --salvage copies every other event; neither file is written by them.
func TestDamagedHistoryIsNamedFoundAndSalvaged(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	db := filepath.Join(home, "h.db")
	bodies := make([][]byte, 40)
	for i := range bodies {
		bodies[i] = []byte(fmt.Sprintf(`{"n":%d,"pad":"%s"}`, i, strings.Repeat("z", 300)))
	}
	bodies[17] = []byte(`{"marker":"FLIP-ME-PLEASE","pad":"` + strings.Repeat("y", 300) + `"}`)
	ids := historyOf(t, db, bodies)
	if code, o, e := runCLI(t, home, "", "doctor", "--db", db); code != 0 || !strings.Contains(o, "ok: ") || !strings.Contains(o, "40 intact") {
		t.Fatalf("doctor of a healthy history: %d %q %q", code, o, e)
	}
	raw, _ := os.ReadFile(db)
	// Every copy: free pages may hold earlier copies of the body's page.
	marker := []byte("FLIP-ME-PLEASE")
	if !bytes.Contains(raw, marker) {
		t.Fatal("marker not found in the file")
	}
	for at := bytes.Index(raw, marker); at >= 0; at = bytes.Index(raw, marker) {
		raw[at] ^= 0x01
	}
	os.WriteFile(db, raw, 0o600)

	code, _, e := runCLI(t, home, "", "show", ids[17], "--db", db)
	if code != 1 || !strings.Contains(e, "seq 18") {
		t.Fatalf("show of the damaged event: %d %q", code, e)
	}
	if code, _, e := runCLI(t, home, "", "events", "--db", db, "--limit", "0", "--filter", "nothing-matches"); code != 1 || !strings.Contains(e, "seq 18") {
		t.Fatalf("a body search over the damage: %d %q", code, e)
	}
	code, o, _ := runCLI(t, home, "", "doctor", "--db", db)
	if code != 1 || !strings.Contains(o, "damage: ") || !strings.Contains(o, "seq 18") || !strings.Contains(o, "--salvage") {
		t.Fatalf("doctor: %d %q", code, o)
	}
	if after, _ := os.ReadFile(db); !bytes.Equal(after, raw) {
		t.Fatal("reading commands or doctor wrote the history")
	}
	if _, err := os.Stat(db + ".wal"); err == nil {
		t.Fatal("a reading command left a log")
	}
	out := filepath.Join(home, "rescued.db")
	code, o, _ = runCLI(t, home, "", "doctor", "--db", db, "--salvage", out)
	if code != 1 || !strings.Contains(o, "copied 39 of 40") || !strings.Contains(o, "lost: ") {
		t.Fatalf("salvage: %d %q", code, o)
	}
	if code, o, _ := runCLI(t, home, "", "events", "--db", out, "--limit", "0"); code != 0 || strings.Count(o, "\n") != 39 {
		t.Fatalf("the rescued history: %d, %d lines", code, strings.Count(o, "\n"))
	}
	if code, _, e := runCLI(t, home, "", "doctor", "--db", db, "--salvage", out); code != 2 || !strings.Contains(e, "exists") {
		t.Fatalf("salvage onto an existing file: %d %q", code, e)
	}
}

// doctor --json prints one object per finding, then a summary, with the same exit codes
// as the plain report; so does --salvage.
func TestDoctorJSON(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	db := filepath.Join(home, "h.db")
	bodies := make([][]byte, 10)
	for i := range bodies {
		bodies[i] = []byte(fmt.Sprintf(`{"n":%d,"marker":"FLIP-%d-PLEASE"}`, i, i))
	}
	historyOf(t, db, bodies)
	lines := func(out string) []map[string]any {
		t.Helper()
		var got []map[string]any
		for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			var v map[string]any
			if err := json.Unmarshal([]byte(l), &v); err != nil {
				t.Fatalf("not a JSON line: %q (%v)", l, err)
			}
			got = append(got, v)
		}
		return got
	}
	code, o, e := runCLI(t, home, "", "doctor", "--db", db, "--json")
	got := lines(o)
	if last := got[len(got)-1]; code != 0 || last["kind"] != "summary" || last["ok"] != true || last["events"] != 10.0 || last["problems"] != 0.0 {
		t.Fatalf("doctor --json of a healthy history: %d %q %q", code, o, e)
	}
	raw, _ := os.ReadFile(db)
	for at := bytes.Index(raw, []byte("FLIP-4-PLEASE")); at >= 0; at = bytes.Index(raw, []byte("FLIP-4-PLEASE")) {
		raw[at] ^= 0x01
	}
	os.WriteFile(db, raw, 0o600)
	code, o, _ = runCLI(t, home, "", "doctor", "--db", db, "--json")
	got = lines(o)
	if len(got) != 2 || code != 1 {
		t.Fatalf("doctor --json of a damaged history: %d %q", code, o)
	}
	if d := got[0]; d["kind"] != "damage" || d["seq"] != 5.0 || d["file"] != db || !strings.Contains(d["text"].(string), "checksum") {
		t.Errorf("finding %v", d)
	}
	if s := got[1]; s["kind"] != "summary" || s["ok"] != false || s["events"] != 9.0 || s["damaged"] != 1.0 || s["problems"] != 1.0 {
		t.Errorf("summary %v", s)
	}
	rescued := filepath.Join(home, "rescued.db")
	code, o, _ = runCLI(t, home, "", "doctor", "--db", db, "--salvage", rescued, "--json")
	got = lines(o)
	if len(got) != 2 || code != 1 || got[0]["kind"] != "lost" || got[0]["seq"] != 5.0 {
		t.Fatalf("doctor --salvage --json: %d %q", code, o)
	}
	if s := got[1]; s["kind"] != "salvage" || s["ok"] != false || s["copied"] != 9.0 || s["of"] != 10.0 || s["from_log"] != 0.0 || s["lost"] != 1.0 || s["into"] != rescued {
		t.Errorf("salvage summary %v", s)
	}
}

// TestSalvageSummaryAddsUp: events taken from the log count in the "of N" too, so a
// salvage never reads as copying more than there were.
func TestSalvageSummaryAddsUp(t *testing.T) {
	for _, c := range []struct {
		rep  store.SalvageReport
		want string
	}{
		{store.SalvageReport{Stored: 7813, Copied: 7842, FromLog: 29}, "copied 7842 of 7842 events into new.db (7813 from the history, 29 from its log)"},
		{store.SalvageReport{Stored: 40, Copied: 39}, "copied 39 of 40 events into new.db (39 from the history, 0 from its log)"},
		{store.SalvageReport{Stored: 0, Copied: 5, FromLog: 2}, "copied 5 of 5 events into new.db (3 from the history, 2 from its log)"},
	} {
		if got := salvageSummary(&c.rep, "new.db"); !strings.HasPrefix(got, c.want+"; use it with --db new.db") {
			t.Errorf("%+v: %q, want %q", c.rep, got, c.want)
		}
	}
}

// historyOf writes a history at db holding one received POST /x per body, in order,
// and returns their IDs.
func historyOf(t *testing.T, db string, bodies [][]byte) []string {
	t.Helper()
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 0, len(bodies))
	for _, body := range bodies {
		ev := &payloads.Event{Received: time.Now().UTC(), Direction: payloads.Inbound, Method: "POST", Path: "/x", Body: body, Status: 200}
		if err := st.Append(ev); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ev.ID)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return ids
}
