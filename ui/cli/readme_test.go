package cli

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// Every command line the README shows runs a real command with real flags, so the
// README and the help cannot drift apart.
func TestREADMECommandLinesMatchTheHelp(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	root := (&App{}).rootCommand()
	root.InitDefaultCompletionCmd()             // cobra adds it when it runs
	root.AddCommand(&cobra.Command{Use: "man"}) // and fang adds this one
	flagRE := regexp.MustCompile(`(?:^|\s|\[)(--[a-z][a-z0-9-]*|-[A-Za-z])\b`)
	inCode, checked := false, 0
	for _, line := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(line, "```") {
			inCode = !inCode
			continue
		}
		var cmdline string
		switch {
		case inCode && strings.HasPrefix(strings.TrimSpace(line), "dexra-tui "): // "dexra-tui: …" is output
			cmdline = strings.TrimSpace(line)
		case !inCode:
			for _, m := range regexp.MustCompile("`(dexra-tui [^`]*)`").FindAllStringSubmatch(line, -1) {
				checked += checkCommandLine(t, root, m[1], flagRE)
			}
			continue
		default:
			continue
		}
		if i := strings.Index(cmdline, "#"); i >= 0 {
			cmdline = cmdline[:i]
		}
		checked += checkCommandLine(t, root, cmdline, flagRE)
	}
	if checked < 20 {
		t.Fatalf("checked only %d command lines of the README", checked)
	}
}

func checkCommandLine(t *testing.T, root *cobra.Command, line string, flagRE *regexp.Regexp) int {
	t.Helper()
	words := strings.Fields(line)[1:]
	cmd := root
	if len(words) > 0 && !strings.HasPrefix(words[0], "-") {
		found, _, err := root.Find(words[:1])
		if err != nil || found == root {
			if words[0] == "…" || strings.ContainsAny(words[0], "[|") || words[0] == strings.ToUpper(words[0]) {
				return 0
			}
			t.Errorf("README: %q: no command %q", line, words[0])
			return 1
		}
		cmd = found
	}
	for _, m := range flagRE.FindAllStringSubmatch(line, -1) {
		name := strings.TrimLeft(m[1], "-")
		var ok bool
		if strings.HasPrefix(m[1], "--") {
			ok = cmd.Flags().Lookup(name) != nil || name == "help" || name == "version"
		} else {
			ok = cmd.Flags().ShorthandLookup(name) != nil || name == "h" || name == "v"
		}
		if !ok {
			t.Errorf("README: %q: %s has no flag %s", line, cmd.CommandPath(), m[1])
		}
	}
	return 1
}

// TestREADMESaysASendThroughAListenerIsRecorded: the send section tells what
// TestSendWaitDeliveredAgainstTheSandbox shows: a listener holding the history
// records the sent message (no warning), and the warning it quotes is send's own.
func TestREADMESaysASendThroughAListenerIsRecorded(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	code, err := os.ReadFile("send.go")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(readme)), " ")
	if strings.Contains(text, "does not take it yet") || !strings.Contains(text, "through its control socket, which records it") {
		t.Error("README's send section says a listener does not record a sent message; it does")
	}
	if warning := "warning: the sent message is not in the history: "; !strings.Contains(text, warning) || !strings.Contains(string(code), warning) {
		t.Errorf("README and send.go disagree on the warning %q", warning)
	}
}

// TestREADMENamesTheCommandsThatTakeJSON: the commands README says take --json are
// exactly those that have the flag.
func TestREADMENamesTheCommandsThatTakeJSON(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(readme)), " ")
	_, list, ok := strings.Cut(text, "Every command prints plain lines for people; ")
	list, _, ok2 := strings.Cut(list, " take `--json`")
	if !ok || !ok2 {
		t.Fatal("README has no sentence naming the commands that take --json")
	}
	named := map[string]bool{}
	for _, m := range regexp.MustCompile("`([a-z]+)`").FindAllStringSubmatch(list, -1) {
		named[m[1]] = true
	}
	for _, c := range (&App{}).rootCommand().Commands() {
		if has := c.Flags().Lookup("json") != nil; has != named[c.Name()] {
			t.Errorf("%s: --json flag %v, README names it %v", c.Name(), has, named[c.Name()])
		}
	}
}
