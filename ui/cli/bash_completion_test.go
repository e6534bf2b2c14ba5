package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain lets the test binary act as dexra-tui itself, for tests that need a real
// program on PATH (a shell's completion calls it).
func TestMain(m *testing.M) {
	if os.Getenv("DEXRA_TUI_TEST_AS_CLI") == "1" {
		a := &App{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Env: os.Getenv}
		os.Exit(a.Run(context.Background(), os.Args[1:]))
	}
	os.Exit(m.Run())
}

// The completion script, sourced into a real bash, completes commands and event IDs.
func TestBashCompletionScript(t *testing.T) {
	t.Parallel()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash is not installed: cannot source the completion script")
	}
	const bashCompletion = "/usr/share/bash-completion/bash_completion"
	if _, err := os.Stat(bashCompletion); err != nil {
		t.Skip("bash-completion is not installed (.ci/run installs it): cobra's bash script needs it")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := os.Symlink(self, filepath.Join(bin, "dexra-tui")); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	db := filepath.Join(home, "h.db")
	ids := ambiguousHistory(t, db)
	code, script, e := runCLI(t, home, "", "completion", "bash")
	if code != 0 {
		t.Fatalf("completion bash: %d %q", code, e)
	}
	scriptFile := filepath.Join(home, "dexra-tui.bash")
	os.WriteFile(scriptFile, []byte(script), 0o600)
	complete := func(line string) []string {
		t.Helper()
		// What bash does on TAB: split the line, call the registered function.
		prog := `source ` + bashCompletion + `; source "$1"; COMP_LINE="$2"; COMP_POINT=${#COMP_LINE}; read -ra COMP_WORDS <<<"$COMP_LINE"
[[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); __start_dexra-tui dexra-tui; printf '%s\n' "${COMPREPLY[@]}"`
		cmd := exec.Command(bash, "--norc", "--noprofile", "-c", prog, "bash", scriptFile, line)
		cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "HOME="+home, "DEXRA_TUI_DB="+db, "DEXRA_TUI_TEST_AS_CLI=1")
		// compopt complains outside a real TAB press, on stderr: only stdout is read.
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("bash completion of %q: %v", line, err)
		}
		return strings.Fields(string(out))
	}
	if got := complete("dexra-tui sh"); len(got) != 1 || got[0] != "show" {
		t.Errorf("dexra-tui sh<TAB>: %q, want show", got)
	}
	got := complete("dexra-tui show 01")
	if len(got) != 3 || !strings.Contains(strings.Join(got, " "), ids[2]) {
		t.Errorf("dexra-tui show 01<TAB>: %q, want the 3 IDs", got)
	}
	if got := complete("dexra-tui show 01JB"); len(got) != 1 || got[0] != ids[2] {
		t.Errorf("dexra-tui show 01JB<TAB>: %q, want %s", got, ids[2])
	}
}
