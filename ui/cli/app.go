// Package cli is dexra-tui's command line: one cobra command per file, each built by a
// function, sharing one config resolver (config.go). main only wires streams to App.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"charm.land/fang/v2"
	"github.com/spf13/cobra"
)

// App is one invocation: its streams and environment, so tests run it in-process.
type App struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Env    func(string) string
	// StdinIsTerminal says whether the console can take the keyboard.
	StdinIsTerminal bool
	// StdoutIsTerminal keeps raw untrusted bytes (show --body) off a terminal.
	StdoutIsTerminal bool
	// Version is stamped at release time ("dev" otherwise).
	Version string
}

// exitError ends a command with a code; its message, if any, is already printed.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func (a *App) environ() environment { return environment(a.Env) }

func (a *App) version() string {
	if a.Version == "" {
		return "dev"
	}
	return a.Version
}

// Run runs the command line args and returns the process's exit code: 0, 1 for a
// failure, 2 for a usage error.
func (a *App) Run(ctx context.Context, args []string) int {
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(a.Stdin)
	root.SetOut(a.Stdout)
	root.SetErr(a.Stderr)
	err := fang.Execute(ctx, root,
		fang.WithVersion(a.version()),
		fang.WithErrorHandler(func(w io.Writer, _ fang.Styles, err error) { a.printError(w, err) }))
	return exitCode(err)
}

// rootCommand is the console (no subcommand) with every command under it.
func (a *App) rootCommand() *cobra.Command {
	root := a.consoleCommand()
	root.AddCommand(
		a.listenCommand(),
		a.eventsCommand(),
		a.showCommand(),
		a.signCommand(),
		a.verifyCommand(),
		a.triggerCommand(),
		a.checkCommand(),
		a.replayCommand(),
		a.exportCommand(),
		a.importCommand(),
		a.sendCommand(),
		a.sandboxCommand(),
		a.doctorCommand(),
		a.versionCommand(),
	)
	root.SetVersionTemplate("dexra-tui {{.Version}}\n")
	root.SuggestionsMinimumDistance = 2
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{msg: fmt.Sprintf("%s: %v (see %s --help)", c.Name(), err, c.CommandPath())}
	})
	for _, c := range root.Commands() {
		c.Flags().SortFlags = false
	}
	return root
}

func exitCode(err error) int {
	var usage usageError
	var exit exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		return exit.code
	case errors.As(err, &usage):
		return 2
	default:
		return 1
	}
}

// printError is fang's error handler: one plain line, which scripts can grep.
func (a *App) printError(w io.Writer, err error) {
	var exit exitError
	if errors.As(err, &exit) {
		return // the command said what went wrong
	}
	fmt.Fprintf(w, "dexra-tui: %s\n", strings.TrimRight(err.Error(), "\n"))
}

func (a *App) versionCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if asJSON {
				return writeJSON(a.Stdout, map[string]string{"version": a.version()}, false)
			}
			_, err := fmt.Fprintf(a.Stdout, "dexra-tui %s\n", a.version())
			return err
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"version": …}`)
	return cmd
}
