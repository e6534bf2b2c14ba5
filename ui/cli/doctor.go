package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/dexra/dexra-tui/store"
)

func (a *App) doctorCommand() *cobra.Command {
	var rf readFlags
	var salvage string
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the whole history for damage; exit 1 if any is found",
		Long: `Check the history and its log: bbolt's own consistency check, every record's checksum,
every index entry against its event. It reads only; stop the listener or console that holds
the history first. --salvage copies every readable event into a new history.`,
		Example: `  dexra-tui doctor
  dexra-tui doctor --db ./history.db --salvage ./rescued.db`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := a.historyPath(rf)
			if err != nil {
				return err
			}
			if _, err := os.Stat(db); errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("no history at %s: pass --db", db)
			}
			if salvage != "" {
				return a.salvage(db, salvage)
			}
			return a.doctor(db)
		},
	}
	rf.register(cmd.Flags())
	cmd.Flags().StringVar(&salvage, "salvage", "", "copy every readable event into a new history at this path (it must not exist)")
	a.completeReadFlags(cmd, &rf)
	_ = cmd.MarkFlagFilename("salvage", "db")
	return cmd
}

func (a *App) doctor(db string) error {
	rep, err := store.Check(db)
	if errors.Is(err, store.ErrLocked) {
		return fmt.Errorf("%w: stop the listener or console that holds it, then run doctor again", err)
	}
	if err != nil {
		return fmt.Errorf("checking %s: %w", db, err)
	}
	for _, n := range rep.Notes {
		fmt.Fprintf(a.Stdout, "note: %s\n", clean(n))
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(a.Stdout, "damage: %s\n", clean(p.String()))
	}
	if rep.More > 0 {
		fmt.Fprintf(a.Stdout, "damage: … and %d more\n", rep.More)
	}
	if rep.OK() {
		fmt.Fprintf(a.Stdout, "ok: %s holds %d intact events", db, rep.Events)
		if rep.LogEvents > 0 {
			fmt.Fprintf(a.Stdout, ", and its log %d more that the next start applies", rep.LogEvents)
		}
		fmt.Fprintln(a.Stdout)
		return nil
	}
	fmt.Fprintf(a.Stdout, "damaged: %d intact events, %d damaged; save what is readable with: dexra-tui doctor --db %s --salvage NEW.db\n", rep.Events, rep.Damaged, db)
	return exitError{1}
}

func (a *App) salvage(db, out string) error {
	if _, err := os.Stat(out); err == nil {
		return usagef("--salvage %s exists already: give a new path", out)
	}
	rep, err := store.Salvage(db, out)
	if errors.Is(err, store.ErrLocked) {
		return fmt.Errorf("%w: stop the listener or console that holds it, then salvage again", err)
	}
	if err != nil {
		return fmt.Errorf("salvaging %s: %w", db, err)
	}
	for _, p := range rep.Lost {
		fmt.Fprintf(a.Stdout, "lost: %s\n", clean(p.String()))
	}
	if rep.MoreLost > 0 {
		fmt.Fprintf(a.Stdout, "lost: … and %d more\n", rep.MoreLost)
	}
	fmt.Fprintln(a.Stdout, clean(salvageSummary(rep, out)))
	if len(rep.Lost) > 0 || rep.MoreLost > 0 {
		return exitError{1}
	}
	return nil
}

// salvageSummary says how many events went into out, of how many: those the history
// holds and those only its log held, so the counts add up.
func salvageSummary(rep *store.SalvageReport, out string) string {
	fromHistory := rep.Copied - rep.FromLog
	of := max(rep.Stored, fromHistory) + rep.FromLog
	return fmt.Sprintf("copied %d of %d events into %s (%d from the history, %d from its log); use it with --db %s",
		rep.Copied, of, out, fromHistory, rep.FromLog, out)
}
