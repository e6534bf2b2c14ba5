package editor

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// FromEnv is the editor the user chose: $VISUAL, then $EDITOR; "" when neither is set.
func FromEnv(lookup func(string) (string, bool)) string {
	for _, name := range []string{"VISUAL", "EDITOR"} {
		if v, ok := lookup(name); ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// WriteTemp writes the draft to a new temp file only the user can read (the body may
// hold personal data), named so the editor highlights JSON.
func WriteTemp(d Draft) (string, error) {
	pattern := "dexra-tui-edit-*.txt"
	if d.JSON {
		pattern = "dexra-tui-edit-*.json"
	}
	f, err := os.CreateTemp("", pattern)
	if err != nil {
		return "", fmt.Errorf("creating the file to edit: %w", err)
	}
	path := f.Name()
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.WriteString(d.Text)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return "", fmt.Errorf("writing the file to edit: %w", err)
	}
	return path, nil
}

// Command runs editor on path. The editor is a shell word list ("code --wait"), as
// git reads $EDITOR.
func Command(editor, path string) *exec.Cmd {
	if runtime.GOOS == "windows" {
		f := strings.Fields(editor)
		return exec.Command(f[0], append(f[1:], path)...)
	}
	return exec.Command("sh", "-c", editor+` "$1"`, "sh", path)
}

// ReadBack reads the edited file and removes it.
func ReadBack(path string) (string, error) {
	b, err := os.ReadFile(path)
	rmErr := os.Remove(path)
	if err != nil {
		return "", fmt.Errorf("reading the edited file: %w", err)
	}
	if rmErr != nil {
		return "", fmt.Errorf("removing the edited file %s: %w", path, rmErr)
	}
	return string(b), nil
}
