package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/dexra/dexra-tui/ui/editor"
)

// Run runs the console on the terminal until q / ctrl+c or until ctx ends. Committed
// events reach it through one bridge goroutine reading opts.Events.
func Run(ctx context.Context, opts Options) error {
	return run(ctx, opts)
}

func run(ctx context.Context, opts Options, extra ...tea.ProgramOption) error {
	if opts.Reader == nil {
		return errors.New("console: no history reader")
	}
	opts.NoColor = opts.NoColor || noColorEnv(os.LookupEnv)
	_, inTmux := os.LookupEnv("TMUX")
	opts.Tmux = opts.Tmux || inTmux
	if opts.Editor == "" {
		opts.Editor = editor.FromEnv(os.LookupEnv)
	}
	ctx, cancelRuns := context.WithCancel(ctx)
	defer cancelRuns()
	m := New(opts)
	m.ctx = ctx
	p := tea.NewProgram(m, extra...)

	bctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		publicBridge(bctx, opts.Events, opts.Recorded.news(), opts.ListenerStopped, opts.Notices, opts.Public, p.Send)
		p.Quit() // ctx ended: leave the terminal as found (a no-op once Run returned)
	}()
	_, err := p.Run()
	stop()
	<-done
	cancelRuns() // a replay still going stops before the history closes
	m.background.close(backgroundGrace)
	if err != nil && !errors.Is(err, tea.ErrInterrupted) {
		return fmt.Errorf("console: %w", err)
	}
	return nil
}

// noColorEnv reports whether NO_COLOR asks for no colour: set to anything non-empty
// (https://no-color.org).
func noColorEnv(lookup func(string) (string, bool)) bool {
	v, ok := lookup("NO_COLOR")
	return ok && v != ""
}

// backgroundGrace bounds how long quitting waits for a replay to record its attempts.
const backgroundGrace = 5 * time.Second
