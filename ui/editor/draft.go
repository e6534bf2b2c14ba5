// Package editor is edit-and-replay's body editing: the text a body is edited as,
// the body an edited text sends, the $EDITOR round trip through a private temp file,
// and the in-app editor used when no editor is set.
package editor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/dexra/dexra-tui/ui/sanitize"
)

// maxInAppLines is how many lines the in-app editor holds (the textarea's limit).
const maxInAppLines = 10_000

// ErrBinary: a body that is not UTF-8 text cannot be edited as text.
var ErrBinary = errors.New("this body is binary: only text bodies can be edited")

// Draft is a body as text to edit: JSON indented (compact JSON is compacted again
// when sent), with every character that could control the terminal or hide text
// written as a JSON \u escape, which means the same to the app.
type Draft struct {
	Text    string
	JSON    bool
	compact bool   // the body was compact JSON: send the edit compacted
	suffix  string // whitespace after the JSON value, kept when compacting
}

// Prepare turns a body into a draft.
func Prepare(body []byte) (Draft, error) {
	if !utf8.Valid(body) {
		return Draft{}, ErrBinary
	}
	trimmed := bytes.TrimRight(body, " \t\r\n")
	if len(trimmed) == 0 || !json.Valid(trimmed) {
		return Draft{Text: string(body)}, nil
	}
	var pretty, compact bytes.Buffer
	if err := json.Indent(&pretty, trimmed, "", "  "); err != nil {
		return Draft{}, fmt.Errorf("indenting the JSON body: %w", err)
	}
	if err := json.Compact(&compact, trimmed); err != nil {
		return Draft{}, fmt.Errorf("compacting the JSON body: %w", err)
	}
	return Draft{
		Text:    escapeHidden(pretty.String()),
		JSON:    true,
		compact: bytes.Equal(compact.Bytes(), trimmed),
		suffix:  string(body[len(trimmed):]),
	}, nil
}

// Body is what an edited text sends, and whether it differs from the draft. Editors
// end a file with a newline: one added at the end does not count as a change.
func (d Draft) Body(edited string) ([]byte, bool) {
	if strings.TrimSuffix(edited, "\n") == strings.TrimSuffix(d.Text, "\n") {
		return nil, false
	}
	if d.JSON && d.compact {
		var buf bytes.Buffer
		if json.Compact(&buf, []byte(edited)) == nil {
			return append(buf.Bytes(), d.suffix...), true
		}
		// Not JSON any more: sent as typed (testing the app's handling of a bad body).
	}
	if !d.JSON && !strings.HasSuffix(d.Text, "\n") {
		edited = strings.TrimSuffix(edited, "\n")
	}
	return []byte(edited), true
}

// InApp says whether the in-app editor can hold the draft unchanged: it shows text on
// the terminal and cannot keep tabs, carriage returns or invisible characters.
func (d Draft) InApp() error {
	if n := strings.Count(d.Text, "\n") + 1; n > maxInAppLines {
		return fmt.Errorf("the body has %d lines, more than the in-app editor holds: set $EDITOR to edit it", n)
	}
	for _, r := range d.Text {
		if r != '\n' && !sanitize.Safe(string(r)) {
			return fmt.Errorf("the body holds %s, which the in-app editor cannot keep: set $EDITOR to edit it", sanitize.Line(string(r)))
		}
	}
	return nil
}

// escapeHidden writes each character of indented JSON that sanitize would escape as a
// JSON \u escape. In valid JSON such characters only occur inside strings, where the
// escape means the same character.
func escapeHidden(s string) string {
	if sanitize.Safe(strings.ReplaceAll(s, "\n", "")) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for _, r := range s {
		if r == '\n' || r < 0x7f || sanitize.Safe(string(r)) {
			b.WriteRune(r)
			continue
		}
		if r > 0xffff { // a surrogate pair, as JSON writes characters beyond the BMP
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
			continue
		}
		fmt.Fprintf(&b, `\u%04x`, r)
	}
	return b.String()
}
