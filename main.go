// Command dexra-tui is a terminal developer console for webhook-driven messaging
// platforms: it catches webhooks, verifies their signatures, keeps them in a history
// and shows them live. The commands live in ui/cli; this only wires the process.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/charmbracelet/x/term"

	"github.com/dexra/dexra-tui/tunnel"
	"github.com/dexra/dexra-tui/ui/cli"
)

// version is stamped at release time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	tunnel.TuneGC(os.Getenv) // before anything allocates much
	tunnel.TuneProcs(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	app := &cli.App{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Env: os.Getenv, Version: version,
		StdinIsTerminal:  term.IsTerminal(os.Stdin.Fd()),
		StdoutIsTerminal: term.IsTerminal(os.Stdout.Fd()),
	}
	code := app.Run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
