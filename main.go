// Command dexra-tui is a terminal developer console for webhook-driven messaging
// platforms: it catches webhooks, verifies their signatures, keeps them in a history
// and shows them live.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// version is stamped at release time with -ldflags "-X main.version=…".
var version = "dev"

// app is one invocation: its streams and environment, so tests can run it in-process.
type app struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	env    environment
	// stdinIsTerminal says whether the console can take the keyboard.
	stdinIsTerminal bool
	// stdoutIsTerminal keeps raw untrusted bytes (show --body) off a terminal.
	stdoutIsTerminal bool
}

// exitError ends a command with a code and an optional message already printed.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	a := &app{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, env: os.Getenv, stdinIsTerminal: isTerminal(os.Stdin), stdoutIsTerminal: isTerminal(os.Stdout)}
	code := a.run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

var commands = []struct {
	name, args, help string
	run              func(a *app, ctx context.Context, args []string) error
}{
	{"listen", "[--addr A] [--db PATH] [--secret S]... [--scheme auto|NAME] [--max-body N] [--json]", "receive webhooks and print each committed event", (*app).listen},
	{"events", "[--db PATH] [--filter Q] [--limit N] [--oldest-first] [--json]", "list stored events, newest first", (*app).events},
	{"show", "ID [--json] [--body]", "print one event whole", (*app).show},
	{"sign", "--scheme S --secret K [--id ID] [--timestamp UNIX] [--url URL] [FILE|-]", "print the headers a scheme sends for a body", (*app).sign},
	{"verify", "--scheme auto|S --secret K... [-H 'Name: value']... [--url URL] [--now UNIX] [--tolerance DUR] [FILE|-]", "check a signature: exit 0 pass, 1 fail", (*app).verify},
	{"trigger", "EVENT [--to URL] [--scheme S] [--secret K] [--set a.b=v]... [--list]", "send a signed sample event", (*app).trigger},
	{"replay", "ID... | --filter Q | --failed [--to URL|/prefix=URL]... [--mode captured|resign] [--secret K] [--concurrency N] [--timeout D] [--json]", "send stored events to your app again; exit 1 if any answer is not 2xx", (*app).replay},
	{"version", "", "print the version", (*app).printVersion},
}

func (a *app) run(ctx context.Context, args []string) int {
	name := "console"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	var err error
	switch name {
	case "console":
		err = a.console(ctx, args)
	case "help":
		a.usage(a.stdout)
		return 0
	default:
		found := false
		for _, c := range commands {
			if c.name == name {
				found, err = true, c.run(a, ctx, args)
				break
			}
		}
		if !found {
			fmt.Fprintf(a.stderr, "dexra-tui: unknown command %q\n\n", name)
			a.usage(a.stderr)
			return 2
		}
	}
	return a.exitCode(err)
}

func (a *app) exitCode(err error) int {
	var usage usageError
	var exit exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.code
	case errors.As(err, &usage) && usage.help:
		fmt.Fprint(a.stdout, usage.msg)
		return 0
	case errors.As(err, &usage):
		fmt.Fprintf(a.stderr, "dexra-tui: %s\n", strings.TrimRight(usage.msg, "\n"))
		return 2
	default:
		fmt.Fprintf(a.stderr, "dexra-tui: %v\n", err)
		return 1
	}
}

func (a *app) usage(w io.Writer) {
	fmt.Fprintf(w, "dexra-tui %s: a terminal console for webhooks\n\nUsage:\n  dexra-tui [--addr A] [--db PATH] [--secret S]...   open the console\n", version)
	for _, c := range commands {
		fmt.Fprintf(w, "  dexra-tui %s %s\n      %s\n", c.name, c.args, c.help)
	}
	fmt.Fprintln(w, "\nRun a command with --help for its flags.")
}

func (a *app) printVersion(_ context.Context, args []string) error {
	if _, err := parseArgs(newFlagSet("version"), args); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "dexra-tui %s\n", version)
	return nil
}
