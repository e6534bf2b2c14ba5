package cli

import (
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dexra/dexra-tui/payloads/catalog"
	"github.com/dexra/dexra-tui/payloads/sig"
	"github.com/dexra/dexra-tui/store"
)

// completionIDs is how many of the newest events ID completion offers.
const completionIDs = 200

// completeEventIDs completes event IDs, newest first, each described by its type and
// source; max < 0 allows any number of IDs.
func (a *App) completeEventIDs(rf *readFlags, max int) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if max >= 0 && len(args) >= max {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		quiet := *a
		quiet.Stderr = io.Discard // a warning would corrupt the shell's completion
		h, closeHistory, err := quiet.readHistory(*rf)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveError
		}
		defer closeHistory()
		page, err := h.List(store.ListOptions{Limit: completionIDs})
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveError
		}
		want := strings.ToUpper(toComplete)
		var out []cobra.Completion
		for _, ev := range page.Events {
			if strings.HasPrefix(ev.ID, want) {
				out = append(out, cobra.CompletionWithDesc(ev.ID, clean(describeForCompletion(ev.Type, ev.Source, ev.Received.Local().Format("15:04:05")))))
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder
	}
}

func describeForCompletion(typ, source, at string) string {
	if typ == "" {
		typ = "-"
	}
	if source != "" {
		typ += " · " + source
	}
	return typ + " · " + at
}

// completeCatalogEvents completes trigger's EVENT with the catalog's names.
func completeCatalogEvents(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, e := range catalog.Samples() {
		out = append(out, cobra.CompletionWithDesc(e.Name(), e.Description))
	}
	return out, cobra.ShellCompDirectiveDefault // a fixture file is an EVENT too
}

// completeScheme completes a --scheme flag with the scheme names (and auto).
func (a *App) completeScheme(cmd *cobra.Command, flag string, withAuto bool) {
	names := sig.Names()
	if withAuto {
		names = append([]string{"auto"}, names...)
	}
	_ = cmd.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(names, cobra.ShellCompDirectiveNoFileComp))
}

// completeFilter completes --filter with the filter language's keys.
func completeFilter(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	values := map[string][]string{
		store.KeySig: {"pass", "fail", "missing", "unchecked"},
		store.KeyDup: {"yes", "no"},
	}
	// Complete the last term of the query; the terms before it stay as typed.
	head, last := "", toComplete
	if i := strings.LastIndexByte(toComplete, ' '); i >= 0 {
		head, last = toComplete[:i+1], toComplete[i+1:]
	}
	neg := ""
	if strings.HasPrefix(last, "-") {
		neg, last = "-", last[1:]
	}
	var out []cobra.Completion
	if key, _, ok := strings.Cut(last, ":"); ok {
		for _, v := range values[key] {
			out = append(out, head+neg+key+":"+v)
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	}
	for _, k := range store.FilterKeys {
		out = append(out, head+neg+k+":")
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// completeReadFlags completes the flags that locate the history.
func (a *App) completeReadFlags(cmd *cobra.Command, _ *readFlags) {
	_ = cmd.MarkFlagFilename("db", "db")
	_ = cmd.MarkFlagFilename("config", "toml")
	if cmd.Flags().Lookup("filter") != nil {
		_ = cmd.RegisterFlagCompletionFunc("filter", completeFilter)
	}
}

// completeServerFlags completes the flags of the commands that run a listener.
func (a *App) completeServerFlags(cmd *cobra.Command) {
	a.completeReadFlags(cmd, nil)
	a.completeScheme(cmd, "scheme", true)
	_ = cmd.RegisterFlagCompletionFunc("profile", cobra.FixedCompletions([]string{"sandbox", "production"}, cobra.ShellCompDirectiveNoFileComp))
}
