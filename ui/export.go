package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/store/exchange"
	"github.com/dexra/dexra-tui/ui/frame"
	"github.com/dexra/dexra-tui/ui/menu"
	"github.com/dexra/dexra-tui/ui/present"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// The export's menus: what to export, the format, the path.
const (
	menuExportScope  = "export-scope"
	menuExportFormat = "export-format"
	menuExportPath   = "export-path"
)

// Export scopes.
const (
	exportSelected = "selected"
	exportMatches  = "matches"
)

// exportRun is an export being asked for (scope, format, path) or running in the
// background.
type exportRun struct {
	gen    uint64
	scope  string
	id     string // the selected event, for exportSelected
	query  string // the filter, for exportMatches
	total  int    // what the count said (a filter's count may be capped): the bar's end
	format exchange.Format
	path   string
	asking bool // still in the menus

	seen exportProgressMsg // what Update last heard

	runNews[exportDoneMsg]
	mu      sync.Mutex
	written int
}

// exportProgressMsg is how many events export gen has written.
type exportProgressMsg struct {
	gen     uint64
	written int
}

// exportDoneMsg says export gen ended.
type exportDoneMsg struct {
	gen     uint64
	written int
	path    string
	format  exchange.Format
	inexact int // .http bodies that cannot be sent byte for byte inline
	err     error
}

// openExport asks what to export: the filter's matches (every event without a
// filter) or the selected event, then the format and the path.
func (m *Model) openExport() tea.Cmd {
	if m.export != nil && !m.export.asking {
		return m.showToast("an export is running: wait for it to end", true)
	}
	run := &exportRun{asking: true, query: m.list.Query(), total: m.stats.Total}
	if run.query != "" {
		run.total = m.count
	}
	m.export = run
	id := m.list.SelectedID()
	if id == "" {
		m.export = nil
		return m.showToast("nothing to export: no event matches", true)
	}
	matches := "every event (" + plural(run.total, "event") + ")"
	if run.query != "" {
		matches = "the " + plural(run.total, "event") + " the filter matches"
		if m.countCap {
			matches = fmt.Sprintf("the %s+ events the filter matches", present.Count(run.total))
		}
	}
	run.id = id
	return m.menu.Open(menu.Config{Name: menuExportScope, Title: "Export what?", Items: []menu.Item{
		{Value: exportMatches, Label: matches},
		{Value: exportSelected, Label: "the selected event " + present.ShortID(id)},
	}}, "")
}

func (m *Model) openExportFormat() tea.Cmd {
	items := []menu.Item{
		{Value: string(exchange.JSONL), Label: "jsonl     lossless, one event a line (import reads it)"},
		{Value: string(exchange.Fixtures), Label: "fixtures  a directory of JSON files, for tests and CI"},
		{Value: string(exchange.HAR), Label: "har       HAR 1.2: devtools, Postman, Insomnia, Bruno"},
		{Value: string(exchange.Curl), Label: "curl      a shell script of curl commands"},
		{Value: string(exchange.HTTPFile), Label: "http      a .http file: REST Client, JetBrains, httpyac"},
		{Value: string(exchange.Hurl), Label: "hurl      a Hurl file asserting 2xx, for CI"},
	}
	return m.menu.Open(menu.Config{Name: menuExportFormat, Title: "Export as", Items: items}, "")
}

// exportChosen takes each menu's answer in turn, then starts the export.
func (m *Model) exportChosen(msg menu.ChosenMsg) tea.Cmd {
	run := m.export
	if run == nil || !run.asking {
		return nil
	}
	switch msg.Name {
	case menuExportScope:
		run.scope = msg.Value
		if run.scope == exportSelected {
			run.total = 1
		}
		return m.openExportFormat()
	case menuExportFormat:
		f, err := exchange.ParseFormat(msg.Value, exchange.ExportFormats)
		if err != nil {
			m.export = nil
			return m.showToast(err.Error(), true)
		}
		run.format = f
		syntax := "a file; it appears complete or not at all"
		if f.Directory() {
			syntax = "a directory: one file per event, source/type/<time>-<id>.json"
		}
		path := defaultExportPath(f, m.opts.Now())
		return m.menu.Open(menu.Config{Name: menuExportPath, Title: "Export " + string(f) + " to", Custom: "path",
			Syntax: syntax, Placeholder: path}, path)
	case menuExportPath:
		run.path, run.asking = msg.Value, false
		return m.startExport()
	}
	return nil
}

// defaultExportPath is a new name in the working directory.
func defaultExportPath(f exchange.Format, now time.Time) string {
	stamp := now.Format("20060102-150405")
	if f.Directory() {
		return "dexra-fixtures-" + stamp
	}
	return "dexra-export-" + stamp + "." + string(f)
}

// startExport writes the events in the background, reporting how many are written.
func (m *Model) startExport() tea.Cmd {
	run := m.export
	source, ok := m.opts.Reader.(exchange.Source)
	if !ok {
		m.export = nil
		return m.showToast("this history cannot be exported from the console: use dexra-tui export", true)
	}
	m.replayGen++ // one counter for the console's background runs
	run.gen = m.replayGen
	run.seen = exportProgressMsg{gen: run.gen}
	run.runNews = newRunNews[exportDoneMsg]()
	red := exchange.NewRedactor(append([]string{m.opts.Secret}, m.opts.ExportSecrets...)...)
	host, version := m.opts.ListenURL, m.opts.Version
	var ids []string
	if run.scope == exportSelected {
		ids = []string{run.id}
	}
	bg, ctx := m.background, m.ctx
	return func() tea.Msg {
		if !bg.begin() {
			return exportDoneMsg{gen: run.gen, err: errors.New("the console is closing")}
		}
		go func() {
			defer bg.end()
			run.finished <- writeExport(ctx, source, ids, run, red, host, version)
		}()
		return run.next()
	}
}

// writeExport is one export, written the way `dexra-tui export` writes it.
func writeExport(ctx context.Context, source exchange.Source, ids []string, run *exportRun, red *exchange.Redactor, host, version string) exportDoneMsg {
	done := exportDoneMsg{gen: run.gen, path: run.path, format: run.format}
	var out io.Writer
	finish := func(bool) error { return nil }
	if !run.format.Directory() {
		w, f, err := exchange.CreateFile(run.path)
		if err != nil {
			done.err = err
			return done
		}
		out, finish = w, f
	}
	w, err := exchange.NewWriter(run.format, out, run.path, host, version)
	if err != nil {
		finish(false)
		done.err = err
		return done
	}
	n, err := exchange.Export(source, ids, run.query, red, w, func(n int) {
		run.mu.Lock()
		run.written = n
		run.mu.Unlock()
		run.changed()
	})
	if err == nil {
		err = ctx.Err() // the console quit meanwhile: keep no half file
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if ferr := finish(err == nil); err == nil {
		err = ferr
	}
	if hw, ok := w.(*exchange.HTTPFileWriter); ok {
		done.inexact = hw.Inexact()
	}
	done.written, done.err = n, err
	return done
}

// next waits for the export's next news, at most every progressEvery, or its end.
func (r *exportRun) next() tea.Msg {
	return r.runNews.next(func() tea.Msg {
		r.mu.Lock()
		defer r.mu.Unlock()
		return exportProgressMsg{gen: r.gen, written: r.written}
	})
}

func (m *Model) exportProgressed(msg exportProgressMsg) tea.Cmd {
	run := m.export
	if run == nil || msg.gen != run.gen {
		return nil
	}
	run.seen = msg
	return run.next
}

func (m *Model) exportEnded(msg exportDoneMsg) tea.Cmd {
	if m.export == nil || msg.gen != m.export.gen {
		return nil
	}
	m.export = nil
	where := msg.path
	if abs, err := filepath.Abs(msg.path); err == nil {
		where = abs
	}
	where = sanitize.Line(where)
	if msg.err != nil {
		return m.showToast(fmt.Sprintf("export failed after %s: %s", plural(msg.written, "event"), sanitize.Line(msg.err.Error())), true)
	}
	text := fmt.Sprintf("exported %s as %s to %s (secrets redacted)", plural(msg.written, "event"), msg.format, where)
	if msg.inexact > 0 {
		text += fmt.Sprintf("; %d body(ies) cannot be sent byte for byte inline", msg.inexact)
	}
	return m.showToast(text, false)
}

// exportStatus is the status line while an export runs: a bar when there are many.
func (m *Model) exportStatus(width int) string {
	run := m.export
	st := m.styles
	done, total := run.seen.written, max(run.total, run.seen.written)
	title := st.TitleActive.Render("exporting " + string(run.format) + " ")
	if total <= 1 {
		return frame.Cell(title+st.Toast.Render("…"), width)
	}
	counts := fmt.Sprintf(" %s/%s", present.Count(done), present.Count(total))
	return frame.Cell(title+m.bar.ViewAs(float64(done)/float64(total))+counts, width)
}
