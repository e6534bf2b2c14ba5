package editor

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCompactJSONIsEditedIndentedAndSentCompact(t *testing.T) {
	body := []byte(`{"data":{"status":"delivered","n":1.50,"s":"a\"b"}}`)
	d, err := Prepare(body)
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"data\": {\n    \"status\": \"delivered\",\n    \"n\": 1.50,\n    \"s\": \"a\\\"b\"\n  }\n}"
	if d.Text != want || !d.JSON {
		t.Fatalf("draft %q, want %q", d.Text, want)
	}
	if _, changed := d.Body(d.Text + "\n"); changed {
		t.Fatal("a newline added by the editor is not a change")
	}
	got, changed := d.Body(strings.Replace(d.Text, "delivered", "failed", 1))
	if !changed || string(got) != `{"data":{"status":"failed","n":1.50,"s":"a\"b"}}` {
		t.Fatalf("sent %s, want the original's spelling with the one change", got)
	}
	// Broken JSON is sent as typed: testing how the app takes a bad body is legitimate.
	bad := strings.Replace(d.Text, "}", "", 1)
	if got, _ := d.Body(bad); string(got) != bad {
		t.Fatalf("broken JSON sent as %q", got)
	}
}

func TestIndentedJSONAndTrailingNewlineAreKept(t *testing.T) {
	d, err := Prepare([]byte("{\"a\":1}\r\n"))
	if err != nil || d.Text != "{\n  \"a\": 1\n}" {
		t.Fatalf("draft %q, %v", d.Text, err)
	}
	if got, _ := d.Body("{\n  \"a\": 2\n}"); string(got) != "{\"a\":2}\r\n" {
		t.Fatalf("sent %q, want compact with the original's line end", got)
	}
	pretty := []byte("{\n    \"a\": 1\n}")
	d, _ = Prepare(pretty)
	if got, _ := d.Body("{\n  \"a\": 2\n}"); string(got) != "{\n  \"a\": 2\n}" {
		t.Fatalf("an indented original: sent %q, want as typed", got)
	}
}

func TestHiddenCharactersBecomeJSONEscapes(t *testing.T) {
	body := []byte("{\"t\":\"a\u202eb\u009bc\u200bd\U000E0041e\u00e9\u4e2d\U0001F600\x7f\"}")
	d, err := Prepare(body)
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{"\u202e", "\u009b", "\u200b", "\U000E0041", "\x7f"} {
		if strings.Contains(d.Text, raw) {
			t.Errorf("draft keeps %U raw: %q", []rune(raw)[0], d.Text)
		}
	}
	for _, kept := range []string{"é", "中", "😀"} {
		if !strings.Contains(d.Text, kept) {
			t.Errorf("draft lost the printable %q: %q", kept, d.Text)
		}
	}
	if !strings.Contains(d.Text, `\udb40\udc41`) {
		t.Errorf("a character beyond the BMP is escaped as a surrogate pair: %q", d.Text)
	}
	if err := d.InApp(); err != nil {
		t.Fatalf("an escaped draft fits the in-app editor: %v", err)
	}
	var a, b any
	if json.Unmarshal(body, &a) != nil || json.Unmarshal([]byte(d.Text), &b) != nil {
		t.Fatal("not JSON")
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Fatalf("the escapes changed the value: %s vs %s", ja, jb)
	}
}

func TestTextAndBinaryBodies(t *testing.T) {
	d, err := Prepare([]byte("a=1&b=2"))
	if err != nil || d.JSON || d.Text != "a=1&b=2" {
		t.Fatalf("form body: %+v %v", d, err)
	}
	if got, changed := d.Body("a=1&b=3\n"); !changed || string(got) != "a=1&b=3" {
		t.Fatalf("sent %q: the editor's final newline is not the body's", got)
	}
	if _, err := Prepare([]byte{0xff, 0xfe, 0x00}); err != ErrBinary {
		t.Fatalf("binary body: %v", err)
	}
	for _, text := range []string{"a\tb", "a\r\nb", "a\x1b[2Jb", "a\u202eb"} {
		d, _ := Prepare([]byte(text))
		if err := d.InApp(); err == nil || !strings.Contains(err.Error(), "$EDITOR") {
			t.Errorf("%q: the in-app editor would change it, want a pointer to $EDITOR, got %v", text, err)
		}
	}
	d, _ = Prepare([]byte(strings.Repeat("x\n", maxInAppLines+1)))
	if err := d.InApp(); err == nil {
		t.Error("a body longer than the in-app editor holds is refused")
	}
}

func TestTempFileRoundTrip(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	d, _ := Prepare([]byte(`{"a":1}`))
	path, err := WriteTemp(d)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 || filepath.Ext(path) != ".json" {
		t.Fatalf("temp file %s: %v %v", path, info.Mode(), err)
	}
	if err := Command(`sed -i 's/1/2/'`, path).Run(); err != nil {
		t.Fatalf("the editor command: %v", err)
	}
	text, err := ReadBack(path)
	if err != nil || text != "{\n  \"a\": 2\n}" {
		t.Fatalf("read back %q, %v", text, err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("the temp file is left behind: %v", err)
	}
}

func TestEditorFromEnvironment(t *testing.T) {
	env := map[string]string{"EDITOR": "vi", "VISUAL": " code --wait "}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	if got := FromEnv(lookup); got != "code --wait" {
		t.Fatalf("VISUAL wins: %q", got)
	}
	env["VISUAL"] = " "
	if got := FromEnv(lookup); got != "vi" {
		t.Fatalf("a blank VISUAL falls back to EDITOR: %q", got)
	}
	if got := FromEnv(func(string) (string, bool) { return "", false }); got != "" {
		t.Fatalf("no editor: %q", got)
	}
}

func FuzzPrepareKeepsTheValue(f *testing.F) {
	for _, s := range []string{`{"a":"\u202e"}`, `[1,2.50,"x"]`, `{"t":"a` + "\u009b\U0001F600" + `"}`, "plain\ttext", "\xff", `"s"`, " {} \n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := Prepare(body)
		if err != nil {
			return
		}
		if !d.JSON {
			if d.Text != string(body) {
				t.Fatalf("a text draft differs from the body")
			}
			return
		}
		if err := d.InApp(); err != nil && !strings.Contains(err.Error(), "lines") {
			t.Fatalf("a JSON draft must fit the in-app editor: %v", err)
		}
		a, err := decode(body)
		if err != nil {
			t.Fatalf("Prepare took %q for JSON: %v", body, err)
		}
		b, err := decode([]byte(d.Text))
		if err != nil {
			t.Fatalf("draft %q is not JSON: %v", d.Text, err)
		}
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if !bytes.Equal(ja, jb) {
			t.Fatalf("draft changed the value: %s vs %s", ja, jb)
		}
	})
}

// decode reads a JSON value keeping numbers as written.
func decode(p []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(p))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}
