package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/ui/frame"
	"github.com/dexra/dexra-tui/ui/present"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// checkTimeout bounds a whole check run from the console (ten probes, a burst).
const checkTimeout = 2 * time.Minute

// checkPanel is the handler check's card, shown over the list and detail.
type checkPanel struct {
	open    bool
	running bool
	gen     uint64
	target  string
	started time.Time
	spin    spinner.Model
	offset  int // the first line shown

	report    *tunnel.CheckReport
	err       error
	recorded  int   // probes' requests recorded as outbound events
	recordErr error // why recording stopped
}

// checkDoneMsg carries run gen's card (Check reports at its end; a spinner moves
// meanwhile).
type checkDoneMsg struct {
	gen       uint64
	report    tunnel.CheckReport
	err       error
	recorded  int
	recordErr error
}

// startCheck runs the handler check against the first forward target, recording
// every probe's requests as outbound events.
func (m *Model) startCheck() tea.Cmd {
	switch {
	case m.opts.CheckSigning == nil:
		return m.showToast("the handler check is not available here", true)
	case len(m.opts.Replay.Targets) == 0:
		return m.showToast("no forward target to check: start with --forward-to URL, or press r to set one", true)
	case m.check.running:
		m.check.open = true
		return nil
	}
	target := m.opts.Replay.Targets[0].URL.String()
	scheme, secret, event := m.opts.CheckSigning(target)
	if event == nil {
		if e, ok := tunnel.DefaultCheckEvent(scheme); ok {
			event = &e
		}
	}
	m.replayGen++ // generations are shared with replays: one counter, never reused
	c := m.check
	*c = checkPanel{open: true, running: true, gen: m.replayGen, target: target, started: m.opts.Now(),
		spin: spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(m.styles.TitleActive))}
	ctx, gen, rec := m.ctx, c.gen, checkRecorder{appender: m.opts.Replay.Appender, hub: m.opts.Replay.Hub, now: m.opts.Now}
	run := func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, checkTimeout)
		defer cancel()
		report, err := tunnel.Check(ctx, tunnel.CheckRequest{URL: target, Scheme: scheme, Secret: secret, Event: event})
		msg := checkDoneMsg{gen: gen, report: report, err: err}
		if err == nil {
			msg.recorded, msg.recordErr = rec.record(report)
		}
		return msg
	}
	return tea.Batch(run, c.spin.Tick)
}

// consoleToolMsg routes the check's and the export's messages.
func (m *Model) consoleToolMsg(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case checkDoneMsg:
		return m.checkDone(msg)
	case spinner.TickMsg:
		if !m.check.running {
			return nil
		}
		var cmd tea.Cmd
		m.check.spin, cmd = m.check.spin.Update(msg)
		return cmd
	case exportProgressMsg:
		return m.exportProgressed(msg)
	case exportDoneMsg:
		return m.exportEnded(msg)
	}
	return nil
}

func (m *Model) checkDone(msg checkDoneMsg) tea.Cmd {
	c := m.check
	if msg.gen != c.gen {
		return nil // an earlier run's card
	}
	c.running = false
	c.err, c.recorded, c.recordErr = msg.err, msg.recorded, msg.recordErr
	if msg.err == nil {
		r := msg.report
		c.report = &r
	}
	if c.open {
		return nil
	}
	switch {
	case msg.err != nil:
		return m.showToast("handler check failed: "+sanitize.Line(msg.err.Error())+" (H shows it)", true)
	case msg.report.Passed():
		return m.showToast(fmt.Sprintf("handler check: all %d probes passed (H shows the card)", len(msg.report.Probes)), false)
	}
	return m.showToast(fmt.Sprintf("handler check: %d of %d probes failed (H shows the card)", msg.report.Failed(), len(msg.report.Probes)), true)
}

// checkKey scrolls the card; esc closes it (a run goes on), H runs it again.
func (m *Model) checkKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	c := m.check
	page := max(m.screen.Body.H-2, 1)
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Back):
		c.open = false
	case key.Matches(msg, k.Check):
		if !c.running {
			return m.startCheck()
		}
	case key.Matches(msg, k.Up):
		c.offset--
	case key.Matches(msg, k.Down):
		c.offset++
	case key.Matches(msg, k.PageUp):
		c.offset -= page
	case key.Matches(msg, k.PageDown):
		c.offset += page
	case key.Matches(msg, k.Top):
		c.offset = 0
	case key.Matches(msg, k.Bottom):
		c.offset = 1 << 30
	}
	c.offset = max(min(c.offset, len(m.checkLines(m.screen.Body.W))-(m.screen.Body.H-1)), 0)
	return nil
}

// checkStatus is the status line while a check runs with its panel closed.
func (m *Model) checkStatus() string {
	c := m.check
	return c.spin.View() + m.styles.Toast.Render(" checking "+sanitize.Line(c.target)+"… "+m.checkElapsed())
}

func (m *Model) checkElapsed() string {
	return fmt.Sprintf("%d s", int(m.opts.Now().Sub(m.check.started).Seconds()))
}

// checkBody is the panel in w×h cells: a title line, then the card scrolled.
func (m *Model) checkBody(w, h int) []string {
	st := m.styles
	lines := m.checkLines(w)
	rows := max(h-1, 1)
	offset := max(min(m.check.offset, len(lines)-rows), 0)
	hint := "  esc closes · H runs it again"
	if m.check.running {
		hint = "  esc closes (the check goes on)"
	}
	if len(lines) > rows {
		hint += fmt.Sprintf(" · ↑↓ pgdn scroll %d%%", offset*100/(len(lines)-rows))
	}
	title := st.TitleActive.Render("HANDLER CHECK") + st.Muted.Render(hint)
	shown := lines[offset:min(offset+rows, len(lines))]
	return frame.Box(title+"\n"+strings.Join(shown, "\n"), w, h)
}

// checkLines is the card, one probe a line, a failure's problem and fix under it.
func (m *Model) checkLines(w int) []string {
	st := m.styles
	c := m.check
	target := sanitize.Line(c.target)
	if c.running {
		return []string{"", c.spin.View() + " probing " + target + " with ten signed requests… " + m.checkElapsed()}
	}
	if c.err != nil {
		return []string{"", st.Error.Render("✗ check " + target + ": " + sanitize.Line(c.err.Error())),
			st.Muted.Render("  is your app running at that URL? start it, then press H")}
	}
	r := c.report
	if r == nil {
		return []string{""}
	}
	lines := []string{"", fmt.Sprintf("check %s · scheme %s · event %s", sanitize.Line(r.URL), sanitize.Line(r.Scheme), sanitize.Line(r.Event))}
	if r.Generic {
		lines = append(lines, st.Muted.Render("  (the catalog has no "+sanitize.Line(r.Scheme)+" event: the probes carry a generic JSON event)"))
	}
	indent := "       "
	for _, p := range r.Probes {
		glyph := st.Pass.Render("✓")
		switch {
		case p.Skipped:
			glyph = st.Muted.Render("–")
		case !p.OK:
			glyph = st.Fail.Render("✗")
		}
		title := frame.Cell(sanitize.Line(p.Title), min(42, max(w/3, 12)))
		answer := sanitize.Line(p.Answer)
		switch {
		case p.Skipped:
			answer = st.Muted.Render("n/a: " + sanitize.Line(p.Problem))
		case !p.OK:
			answer += ", want " + sanitize.Line(p.Want)
		}
		lines = append(lines, frame.Cell(fmt.Sprintf("%s %2d %s %s", glyph, p.Number, title, answer), w))
		if p.OK {
			continue
		}
		lines = append(lines, wrapLines(indent, sanitize.Line(p.Problem), w)...)
		lines = append(lines, wrapLines(indent+"fix: ", sanitize.Line(p.Fix), w)...)
	}
	lines = append(lines, "")
	if n := r.Failed(); n == 0 {
		lines = append(lines, st.Pass.Render(fmt.Sprintf("all %d probes passed", len(r.Probes))))
	} else {
		lines = append(lines, st.Fail.Render(fmt.Sprintf("%d of %d probes failed", n, len(r.Probes))))
	}
	switch {
	case c.recordErr != nil:
		lines = append(lines, st.Error.Render("recording the probes failed after "+present.Count(c.recorded)+": "+sanitize.Line(c.recordErr.Error())))
	case c.recorded > 0:
		lines = append(lines, st.Muted.Render(fmt.Sprintf("%s probe requests recorded as outbound events: esc, then filter source:check to inspect them", present.Count(c.recorded))))
	}
	return lines
}

// wrapLines is text after prefix, wrapped to w cells at spaces, later lines indented
// as far as the prefix.
func wrapLines(prefix, text string, w int) []string {
	pad := strings.Repeat(" ", frame.Width(prefix))
	width := max(w-frame.Width(prefix), 10)
	var out []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && frame.Width(line)+1+frame.Width(word) > width {
			out = append(out, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" || len(out) == 0 {
		out = append(out, line)
	}
	for i := range out {
		if i == 0 {
			out[i] = frame.Cell(prefix+out[i], w)
		} else {
			out[i] = frame.Cell(pad+out[i], w)
		}
	}
	return out
}
