package cli

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestJSONOutputEscapesRunesATerminalActsOn(t *testing.T) {
	t.Parallel()
	hostile := "a\u009d52;c;aGk=\u009c b\u009b2J c\u202eevil\u2066 d\x1b]0;t\x07"
	var buf bytes.Buffer
	if err := writeJSON(&buf, map[string]string{"text": hostile}, false); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, r := range []string{"\u009d", "\u009c", "\u009b", "\u202e", "\u2066", "\x1b", "\x07"} {
		if strings.Contains(out, r) {
			t.Fatalf("raw %U in %q", []rune(r)[0], out)
		}
	}
	var back map[string]string
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || back["text"] != hostile {
		t.Fatalf("not the same JSON value: %v %q", err, back["text"])
	}
}

func FuzzEscapeTerminalRunes(f *testing.F) {
	f.Add("plain", "\u009d\u202e\x1b")
	f.Fuzz(func(t *testing.T, k, v string) {
		var buf bytes.Buffer
		if err := writeJSON(&buf, map[string]string{k: v}, false); err != nil {
			t.Fatal(err)
		}
		var back map[string]string
		if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
			t.Fatalf("%q: %v", buf.String(), err)
		}
		for _, r := range buf.String() {
			if actsOnTerminal(r) || r < 0x20 && r != '\n' {
				t.Fatalf("raw %U in %q", r, buf.String())
			}
		}
	})
}
