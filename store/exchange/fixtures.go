package exchange

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/fixture"
	"github.com/dexra/dexra-tui/payloads/sig"
)

// FixtureDirWriter writes one pretty fixture file per event under dir, named
// source/type/<time>-<shortid>.json.
type FixtureDirWriter struct {
	dir   string
	names map[string]bool
	// Written lists the files written, in order.
	Written []string
}

// NewFixtureDirWriter writes under dir, creating it.
func NewFixtureDirWriter(dir string) (*FixtureDirWriter, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create fixtures directory: %w", err)
	}
	return &FixtureDirWriter{dir: dir, names: map[string]bool{}}, nil
}

// Write adds ev (already redacted) as a fixture file.
func (fw *FixtureDirWriter) Write(ev *payloads.Event) error {
	f := fixture.FromEvent(ev)
	data, err := f.Marshal()
	if err != nil {
		return fmt.Errorf("event %s: %w", ev.ID, err)
	}
	rel := FixtureName(ev)
	for i := 2; fw.names[rel]; i++ {
		rel = strings.TrimSuffix(FixtureName(ev), ".json") + fmt.Sprintf("-%d.json", i)
	}
	fw.names[rel] = true
	path := filepath.Join(fw.dir, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write fixture of %s: %w", ev.ID, err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write fixture of %s: %w", ev.ID, err)
	}
	fw.Written = append(fw.Written, path)
	return nil
}

// Close does nothing: every file is complete once written.
func (fw *FixtureDirWriter) Close() error { return nil }

// FixtureName is ev's file within a fixtures directory: source/type/<time>-<shortid>.json
// (the short ID is the ID's last 8 characters, its random part).
func FixtureName(ev *payloads.Event) string {
	short := strings.ToLower(ev.ID)
	if len(short) > 8 {
		short = short[len(short)-8:]
	}
	return filepath.Join(pathSegment(ev.Source, "unknown"), pathSegment(ev.Type, "untyped"),
		ev.Received.UTC().Format("20060102T150405.000Z")+"-"+pathSegment(short, "event")+".json")
}

// pathSegment is s made safe as one file name: letters, digits, '.', '-', '_'.
func pathSegment(s, empty string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	out := strings.Trim(b.String(), ".")
	if out == "" {
		return empty
	}
	if len(out) > 64 {
		out = out[:64]
	}
	return out
}

// ReadFixtures reads the fixture file or directory at path: every file is checked
// before any event is returned. derive fills the derived fields (Analyze); the
// captured verdict the fixture records is kept where it names one.
func ReadFixtures(path string, derive func(*payloads.Event)) ([]*payloads.Event, error) {
	list, err := fixture.LoadPath(path)
	if err != nil {
		return nil, err
	}
	out := make([]*payloads.Event, 0, len(list))
	for _, f := range list {
		ev := f.Event()
		if ev.Received.IsZero() {
			ev.Received = time.Now().UTC() // a hand-written fixture: received when imported
		}
		if !validTime(ev.Received) {
			return nil, fmt.Errorf("%s: the fixture's \"received\" time is not between 1970 and 9999, which the history needs", f.File)
		}
		if ev.ID != "" && len(ev.ID) != payloads.IDLen {
			return nil, fmt.Errorf("%s: id %q is not a dexra-tui event ID; remove it to get a new one", f.File, oneLine(ev.ID))
		}
		recorded := ev.Signature
		source, typ := ev.Source, ev.Type
		if derive != nil {
			derive(ev)
		}
		if recorded.Status != "" && (recorded.Status != ev.Signature.Status || recorded.Scheme != ev.Signature.Scheme) {
			ev.Signature = sig.Verdict{Scheme: recorded.Scheme, Status: recorded.Status, SecretIndex: -1,
				Reason: "as recorded in the fixture"}
		}
		if source != "" {
			ev.Source, ev.Type = source, typ
		}
		out = append(out, ev)
	}
	return out, nil
}
