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
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the whole history for damage; exit 1 if any is found",
		Long: `Check the history and its log: bbolt's own consistency check, every record's checksum,
every index entry against its event. It reads only; stop the listener or console that holds
the history first. --salvage copies every readable event into a new history. --json prints one
object per finding and a summary last, with the same exit codes.`,
		Example: `  dexra-tui doctor
  dexra-tui doctor --db ./history.db --salvage ./rescued.db
  dexra-tui doctor --json`,
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
				return a.salvage(db, salvage, asJSON)
			}
			return a.doctor(db, asJSON)
		},
	}
	rf.register(cmd.Flags())
	cmd.Flags().StringVar(&salvage, "salvage", "", "copy every readable event into a new history at this path (it must not exist)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per finding, then a summary")
	a.completeReadFlags(cmd, &rf)
	_ = cmd.MarkFlagFilename("salvage", "db")
	return cmd
}

// doctorLine is one line of doctor --json: a finding (note, damage, lost) or the
// summary that ends the report (doctor, salvage).
type doctorLine struct {
	Kind    string `json:"kind"`
	File    string `json:"file,omitempty"`
	Seq     uint64 `json:"seq,omitempty"`
	Through uint64 `json:"through,omitempty"`
	Text    string `json:"text,omitempty"`
}

func problemLine(kind string, p store.Problem) doctorLine {
	return doctorLine{Kind: kind, File: p.File, Seq: p.Seq, Through: p.Through, Text: p.What}
}

type doctorSummary struct {
	Kind      string `json:"kind"` // "summary"
	OK        bool   `json:"ok"`
	History   string `json:"history"`
	Events    int    `json:"events"`     // intact
	Damaged   int    `json:"damaged"`    // events
	LogEvents int    `json:"log_events"` // intact, in the log only
	Problems  int    `json:"problems"`   // all found, past the listed ones too
}

type salvageSummaryJSON struct {
	Kind        string `json:"kind"` // "salvage"
	OK          bool   `json:"ok"`   // nothing lost
	History     string `json:"history"`
	Into        string `json:"into"`
	Copied      int    `json:"copied"`
	Of          int    `json:"of"`
	FromHistory int    `json:"from_history"`
	FromLog     int    `json:"from_log"`
	Lost        int    `json:"lost"`
}

func (a *App) doctor(db string, asJSON bool) error {
	rep, err := store.Check(db)
	if errors.Is(err, store.ErrLocked) {
		return fmt.Errorf("%w: stop the listener or console that holds it, then run doctor again", err)
	}
	if err != nil {
		return fmt.Errorf("checking %s: %w", db, err)
	}
	if asJSON {
		return a.doctorJSON(db, rep)
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

func (a *App) doctorJSON(db string, rep *store.Report) error {
	for _, n := range rep.Notes {
		if err := writeJSON(a.Stdout, doctorLine{Kind: "note", Text: n}, false); err != nil {
			return err
		}
	}
	for _, p := range rep.Problems {
		if err := writeJSON(a.Stdout, problemLine("damage", p), false); err != nil {
			return err
		}
	}
	if err := writeJSON(a.Stdout, doctorSummary{Kind: "summary", OK: rep.OK(), History: db, Events: rep.Events,
		Damaged: rep.Damaged, LogEvents: rep.LogEvents, Problems: len(rep.Problems) + rep.More}, false); err != nil {
		return err
	}
	if !rep.OK() {
		return exitError{1}
	}
	return nil
}

func (a *App) salvage(db, out string, asJSON bool) error {
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
	if asJSON {
		return a.salvageJSON(db, out, rep)
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

func (a *App) salvageJSON(db, out string, rep *store.SalvageReport) error {
	for _, p := range rep.Lost {
		if err := writeJSON(a.Stdout, problemLine("lost", p), false); err != nil {
			return err
		}
	}
	fromHistory, of := salvageCounts(rep)
	lost := len(rep.Lost) + rep.MoreLost
	if err := writeJSON(a.Stdout, salvageSummaryJSON{Kind: "salvage", OK: lost == 0, History: db, Into: out, Copied: rep.Copied,
		Of: of, FromHistory: fromHistory, FromLog: rep.FromLog, Lost: lost}, false); err != nil {
		return err
	}
	if lost > 0 {
		return exitError{1}
	}
	return nil
}

// salvageCounts are the copied events that came from the history itself, and how many
// events there were to copy: the history's and those only its log held.
func salvageCounts(rep *store.SalvageReport) (fromHistory, of int) {
	fromHistory = rep.Copied - rep.FromLog
	return fromHistory, max(rep.Stored, fromHistory) + rep.FromLog
}

// salvageSummary says how many events went into out, of how many: those the history
// holds and those only its log held, so the counts add up.
func salvageSummary(rep *store.SalvageReport, out string) string {
	fromHistory, of := salvageCounts(rep)
	return fmt.Sprintf("copied %d of %d events into %s (%d from the history, %d from its log); use it with --db %s",
		rep.Copied, of, out, fromHistory, rep.FromLog, out)
}
