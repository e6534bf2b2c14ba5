package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/ui/menu"
	"github.com/dexra/dexra-tui/ui/present"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// noTargetHint is what r, e and R say when there is nowhere to send to.
const noTargetHint = "no forward target: start dexra-tui with --forward-to URL (your app's webhook URL) to replay"

// menuTarget names the input asking for a forward target.
const menuTarget = "forward-target"

// askTarget asks for a forward target when there is none, and then does action (the
// key r, e or R); nil when there is a target already.
func (m *Model) askTarget(action string) tea.Cmd {
	if len(m.opts.Replay.Targets) > 0 || m.opts.Replay.History == nil {
		return nil
	}
	m.afterTarget = action
	cmd := m.menu.Open(menu.Config{
		Name:        menuTarget,
		Title:       "FORWARD TO",
		Custom:      "your app's webhook URL",
		Syntax:      "your app's webhook URL (as --forward-to takes it): r, e and R send there now; saved in the config, every event is forwarded there from the next start",
		Placeholder: "http://localhost:3000/webhooks",
		Check: func(url string) error {
			_, err := tunnel.ParseForwardTargets([]string{url})
			return err
		},
	}, "")
	return cmd
}

// targetChosen uses the forward target typed in for this run, keeps it if the
// console can, and does the key that asked for it.
func (m *Model) targetChosen(url string) tea.Cmd {
	targets, err := tunnel.ParseForwardTargets([]string{url})
	if err != nil { // checked by the input already
		return m.showToast(err.Error(), true)
	}
	m.opts.Replay.Targets = targets
	m.list.SetForwarding(true)
	var save tea.Cmd
	if keep := m.opts.SaveForwardTarget; keep != nil {
		save = func() tea.Msg {
			if err := keep(url); err != nil {
				return toastMsg{text: "forwarding to " + sanitize.Line(url) + " for this run; not saved: " + sanitize.Line(err.Error()), isError: true}
			}
			// Said, because a saved target does more than this run's replays.
			return toastMsg{text: "saved " + sanitize.Line(url) + " as forward_to in the config: from the next start, every event is forwarded there"}
		}
	}
	action := m.afterTarget
	m.afterTarget = ""
	var next tea.Cmd
	switch action {
	case "r":
		next = m.replaySelected()
	case "e":
		next = m.editSelected()
	case "R":
		next = m.replayFailedForwards()
	}
	return tea.Batch(next, save)
}

// replayBlocked says why a replay cannot start now, "" when it can.
func (m *Model) replayBlocked() string {
	switch {
	case len(m.opts.Replay.Targets) == 0 || m.opts.Replay.History == nil:
		return noTargetHint
	case m.replay != nil:
		return "a replay is running: wait for it to finish"
	}
	return ""
}

// replayConfig is the configuration of one run: in order, one at a time, each event
// in its default mode (re-signed for timestamped schemes, as captured otherwise).
func (m *Model) replayConfig() tunnel.ReplayConfig {
	cfg := m.opts.Replay
	cfg.Mode, cfg.Concurrency = tunnel.ReplayAuto, 1
	return cfg
}

// startRun starts a replay run in the background (the status line shows it); its
// progress and end come back as messages.
func (m *Model) startRun(kind replayKind, id string, work replayWork) tea.Cmd {
	m.replayGen++
	run := newReplayRun(m.replayGen, kind, id)
	m.replay = run
	return run.start(m.ctx, m.background, work)
}

// replaySelected sends the selected event to the forward target(s) again (r).
func (m *Model) replaySelected() tea.Cmd {
	if ask := m.askTarget("r"); ask != nil || m.menu.IsOpen() {
		return ask
	}
	if why := m.replayBlocked(); why != "" {
		return m.showToast(why, true)
	}
	id := m.list.SelectedID()
	if id == "" {
		return m.showToast("no event selected", true)
	}
	cfg := m.replayConfig()
	return m.startRun(replayOne, id, func(ctx context.Context, report func(tunnel.ReplayProgress)) replayDoneMsg {
		cfg.Progress = report
		rp, err := tunnel.NewReplayer(cfg)
		if err != nil {
			return replayDoneMsg{err: err}
		}
		sum, err := rp.ReplayIDs(ctx, id)
		return replayDoneMsg{sum: sum, err: err}
	})
}

// replayFailedForwards replays, oldest first, every event whose latest forward
// failed, each to the URL it failed on (R).
func (m *Model) replayFailedForwards() tea.Cmd {
	if ask := m.askTarget("R"); ask != nil || m.menu.IsOpen() {
		return ask
	}
	if why := m.replayBlocked(); why != "" {
		return m.showToast(why, true)
	}
	if m.opts.Forwarder == nil {
		return m.showToast("nothing was forwarded in this run, so none failed: r replays the selected event", false)
	}
	cfg, fwd := m.replayConfig(), m.opts.Forwarder
	return m.startRun(replayFailed, "", func(ctx context.Context, report func(tunnel.ReplayProgress)) replayDoneMsg {
		// Events the forwarder still retries go now, in their order; replaying them too
		// would send them twice. What it gave up on is replayed.
		retried := fwd.RetryNow()
		items := fwd.GivenUp()
		if len(items) == 0 {
			return replayDoneMsg{nothing: true, retried: retried}
		}
		cfg.Progress = report
		rp, err := tunnel.NewReplayer(cfg)
		if err != nil {
			return replayDoneMsg{err: err}
		}
		sum, err := rp.Replay(ctx, items)
		return replayDoneMsg{sum: sum, err: err}
	})
}

// replayEdited sends an edited body in place of event id's, re-signed.
func (m *Model) replayEdited(id string, body []byte) tea.Cmd {
	if why := m.replayBlocked(); why != "" {
		return m.showToast(why, true)
	}
	cfg := m.replayConfig()
	return m.startRun(replayEdit, id, func(ctx context.Context, _ func(tunnel.ReplayProgress)) replayDoneMsg {
		rp, err := tunnel.NewReplayer(cfg)
		if err != nil {
			return replayDoneMsg{err: err}
		}
		ed, err := rp.ReplayEdited(ctx, id, body, "")
		return replayDoneMsg{edited: &ed, results: ed.Results, err: err}
	})
}

// replayProgressed moves the progress bar and waits for the run's next news.
func (m *Model) replayProgressed(msg replayProgressMsg) tea.Cmd {
	if m.replay == nil || msg.gen != m.replay.gen {
		return nil
	}
	m.replay.seen = msg
	m.attemptsDirty = true // rows change as attempts are recorded
	return m.replay.wait()
}

// replayEnded says what the run did and shows the events' new attempts.
func (m *Model) replayEnded(msg replayDoneMsg) tea.Cmd {
	if m.replay == nil || msg.gen != m.replay.gen {
		return nil
	}
	run := m.replay
	m.replay = nil
	m.noteReplays(msg.results)
	text, isError := replayOutcome(run.kind, msg)
	if run.kind != replayFailed && !msg.nothing {
		// The app's answer is what the user is waiting for (a tab that checks nothing).
		m.detail.SetTab(present.TabForwards)
	}
	return tea.Batch(m.showToast(text, isError), m.afterList(m.list.Refresh()), m.detail.Reload(),
		m.refreshHealth(), m.refreshStats())
}

// replayOutcome is the toast closing a run, and whether it reports a failure.
func replayOutcome(kind replayKind, msg replayDoneMsg) (string, bool) {
	switch {
	case msg.nothing && msg.retried:
		return "the forwarder retries its waiting events now, in order", false
	case msg.nothing:
		return "nothing to replay: no forward has failed", false
	case kind == replayFailed:
		s := msg.sum
		text := fmt.Sprintf("replayed %s: %d ok, %d failed in %s", plural(s.Events, "event"), s.OK, s.Failed, present.Latency(s.Elapsed))
		if msg.err != nil {
			text += " · " + sanitize.Line(msg.err.Error())
		}
		return text, s.Failed > 0 || msg.err != nil
	}
	if len(msg.results) == 0 {
		err := msg.err
		if err == nil {
			err = errors.New("nothing was sent")
		}
		return "replay failed: " + sanitize.Line(err.Error()), true
	}
	what := "replay"
	if kind == replayEdit {
		what = "edited replay"
	}
	parts := make([]string, 0, len(msg.results))
	failed := msg.err != nil
	for _, r := range msg.results {
		parts = append(parts, resultText(r, kind != replayEdit))
		failed = failed || !r.OK()
	}
	text := what + " → " + strings.Join(parts, ", ")
	if msg.edited != nil && msg.edited.Derived != nil {
		text += " · recorded as " + present.ShortID(sanitize.Line(msg.edited.Derived.ID))
	}
	if msg.err != nil {
		text += " · " + sanitize.Line(msg.err.Error())
	}
	return text, failed
}

// resultText is one result in a few words: "200 OK in 12ms (resign)".
func resultText(r tunnel.ReplayResult, withMode bool) string {
	a := r.Attempt
	var s string
	switch {
	case r.Err != nil:
		return "✗ " + sanitize.Line(r.Err.Error())
	case a.Status == 0:
		s = "✗ " + sanitize.Line(a.Error)
	default:
		s = strings.TrimSpace(fmt.Sprintf("%d %s", a.Status, http.StatusText(a.Status)))
	}
	s += " in " + present.Latency(a.Latency)
	if withMode {
		s += " (" + sanitize.Line(string(r.Mode)) + ")"
	}
	if r.Stale() {
		s += " · stale signature: the app may refuse it"
	}
	return s
}
