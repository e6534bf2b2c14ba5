package present

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/ui/sanitize"
)

// allLines is every line of a lazy tab.
func allLines(l Lazy) Doc {
	doc := append(Doc(nil), l.Head...)
	if l.Rows != nil {
		for i := range l.Rows.Len() {
			doc = append(doc, l.Rows.Row(i))
		}
	}
	return doc
}

// unwrapped is the text of rows without their indents, a line break before each row
// that starts a line (cont says which rows continue one).
func unwrapped(rows *jsonRows, cont func(i int) bool) string {
	var b strings.Builder
	for i := range rows.Len() {
		if i > 0 && !cont(i) {
			b.WriteByte('\n')
		}
		line := rows.Row(i)
		if rows.rows[i].indent > 0 {
			line = line[1:]
		}
		for _, s := range line {
			b.WriteString(s.Text)
		}
	}
	return b.String()
}

var jsonSamples = []string{
	`{"a":1.50,"b":[true,null],"c":"x\"y\u00e9"}`,
	`{}`, `[]`, `[{},[],{"a":{}}]`, `"just a string"`, `12`,
	` { "spaced" : [ 1 , 2 ] , "e" : { } } `,
	`{"long":"` + strings.Repeat("word ", 40) + `","wide":"界界界界界界界界界界界界界界界界界界界界界界界界界界界界界界界界界界"}`,
	`{"hostile":"\u001b]52;c;AAAA\u0007 ` + "\u009b2J \u202eexe \u200b" + `"}`,
	`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["deep"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
	`{"key that is much longer than the pane is wide, so it wraps onto the next row": 1}`,
}

// Laid out wide enough, the rows are json.Indent's lines, token for token.
func TestJSONRowsAreIndentsLines(t *testing.T) {
	for _, body := range jsonSamples {
		var want bytes.Buffer
		if err := json.Indent(&want, []byte(body), "", "  "); err != nil {
			t.Fatalf("sample %q: %v", body, err)
		}
		rows, ok := layoutJSON(body, 1000)
		if !ok {
			t.Fatalf("%q is not laid out as JSON", body)
		}
		// Indent copies the blanks after the value; the rows end with it.
		if got := plain(allLines(Lazy{Rows: rows})); got != sanitizedLines(strings.TrimRight(want.String(), " ")) {
			t.Fatalf("rows of %q:\n%s\nwant:\n%s", body, got, want.String())
		}
	}
}

// sanitizedLines is text with every line escaped as Line does it.
func sanitizedLines(text string) string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = sanitize.Line(l)
	}
	return strings.Join(lines, "\n")
}

// Laid out narrow, every row fits and joining the rows gives the wide lines back.
func TestJSONRowsWrapWithoutLosingAByte(t *testing.T) {
	for _, body := range jsonSamples {
		wide, _ := layoutJSON(body, 1000)
		for _, width := range []int{3, 10, 33} {
			rows, ok := layoutJSON(body, width)
			if !ok {
				t.Fatalf("%q at %d is not laid out as JSON", body, width)
			}
			cont := func(i int) bool { return rows.rows[i].off != wide.rows[lineOf(wide, rows.rows[i].off)].off }
			if got, want := unwrapped(rows, cont), unwrapped(wide, func(int) bool { return false }); got != want {
				t.Fatalf("%q at width %d:\n%s\nwant:\n%s", body, width, got, want)
			}
			for i := range rows.Len() {
				// A piece is never cut (an escape is up to 10 cells): only wide rows must fit.
				if w := ansi.StringWidth(plain(Doc{rows.Row(i)})); width > 20 && w > width {
					t.Fatalf("%q at width %d: row %d is %d wide", body, width, i, w)
				}
			}
		}
	}
}

// lineOf is the wide row holding body offset off.
func lineOf(wide *jsonRows, off uint32) int {
	i := 0
	for i+1 < len(wide.rows) && wide.rows[i+1].off <= off {
		i++
	}
	return i
}

func plainRows(r Rows) string { return plain(allLines(Lazy{Rows: r})) }

// Text and raw rows wide enough are the lines Text and Line make of the whole body.
func TestTextRowsAreTheEscapedLines(t *testing.T) {
	body := "a=1&b=2\r\nline\ttwo\n\n  indented \x1b[2J\xff and \u202e\n"
	if got, want := plainRows(layoutText(body, 1000, false)), "a=1&b=2\\r\nline    two\n\n  indented \\x1b[2J\\xff and \\u202e\n"; got != want {
		t.Fatalf("text rows %q, want %q", got, want)
	}
	if got, want := plainRows(layoutText(body, 1000, true)), "a=1&b=2\\r\\n\nline\\ttwo\\n\n\\n\n  indented \\x1b[2J\\xff and \\u202e\\n"; got != want {
		t.Fatalf("raw rows %q, want %q", got, want)
	}
	narrow := layoutText("  "+strings.Repeat("x", 30), 12, false)
	if got := plainRows(narrow); got != "  xxxxxxxxxx\n  xxxxxxxxxx\n  xxxxxxxxxx" {
		t.Fatalf("continuations hang under the text:\n%s", got)
	}
}

// The Body and Raw tabs show all of a large body, each row made only when asked for.
func TestLargeBodiesAreShownWhole(t *testing.T) {
	body := bigJSONBody(1 << 20)
	ev := &payloads.Event{Body: body, BodyKind: payloads.BodyJSON}
	tab := BodyRows(ev, 60)
	last := plain(Doc{tab.Rows.Row(tab.Rows.Len() - 1)})
	if last != "}" || tab.Rows.Len() < 90_000 {
		t.Fatalf("%d rows, the last %q", tab.Rows.Len(), last)
	}
	raw := RawRows(ev, 60)
	if got := plain(Doc{raw.Rows.Row(raw.Rows.Len() - 1)}); !strings.HasSuffix(string(body), got) {
		t.Fatalf("raw ends with %q", got)
	}
}

// A body nested deeper than encoding/json goes is shown as received, and says why.
func TestDeepJSONIsShownAsReceivedWithANote(t *testing.T) {
	body := append(append(bytes.Repeat([]byte("["), 100_000), '1'), bytes.Repeat([]byte("]"), 100_000)...)
	ev := &payloads.Event{Body: body, BodyKind: payloads.KindOf(body)}
	tab := BodyRows(ev, 80)
	if got := plain(tab.Head); !strings.Contains(got, "JSON nested 100,000 levels deep, more than the 10,000 that are formatted: shown as received") {
		t.Fatalf("no note: %q", got)
	}
	if tab.Rows.Len() != (len(body)+79)/80 {
		t.Fatalf("%d rows of 80 for %d bytes", tab.Rows.Len(), len(body))
	}
	shallow := BodyRows(&payloads.Event{Body: []byte(`[[1]`), BodyKind: payloads.BodyText}, 80)
	if len(shallow.Head) != 0 {
		t.Fatalf("invalid JSON is not called deep: %q", plain(shallow.Head))
	}
}

func TestHexRowsAreTheHexDump(t *testing.T) {
	body := []byte("\x00\x01\x1b[2J\xff\xfe\x9bx and some more bytes to fill three rows")
	for _, width := range []int{80, 40} {
		tab := BodyRows(&payloads.Event{Body: body, BodyKind: payloads.BodyBinary}, width)
		perRow := 16
		if width < hexWide {
			perRow = 8
		}
		if got, want := plainRows(tab.Rows), plain(HexDump(body, perRow)); got != want {
			t.Fatalf("width %d:\n%s\nwant:\n%s", width, got, want)
		}
	}
}

// A large body's schema check waits for its tab; a small one's is part of the detail.
func TestSchemaOfALargeBodyIsDeferred(t *testing.T) {
	small := NewDetail(&payloads.Event{Body: []byte(`{}`), BodyKind: payloads.BodyJSON}, Options{Location: time.UTC, Width: 80}, Dedup{})
	big := NewDetail(&payloads.Event{Body: bigJSONBody(MaxEagerSchema + 1000), BodyKind: payloads.BodyJSON}, Options{Location: time.UTC, Width: 80}, Dedup{})
	if small.SchemaDeferred || !big.SchemaDeferred || !strings.Contains(plain(big.Tabs[TabSchema].Head), "checking") {
		t.Fatalf("deferred: small %v, big %v %q", small.SchemaDeferred, big.SchemaDeferred, plain(big.Tabs[TabSchema].Head))
	}
}

// Every valid JSON body is laid out as json.Indent prints it (where the indent is not
// capped), and wrapped narrow it keeps every token.
func FuzzJSONRows(f *testing.F) {
	for _, s := range jsonSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var want bytes.Buffer
		if json.Indent(&want, []byte(body), "", "  ") != nil || jsonDepth(body) > 200 {
			return
		}
		rows, ok := layoutJSON(body, 1<<22) // wider than any line
		if !ok {
			t.Fatalf("valid JSON %q is not laid out", body)
		}
		if got := plainRows(rows); got != sanitizedLines(strings.TrimRight(want.String(), " \t\r\n")) {
			t.Fatalf("rows of %q:\n%s\nwant:\n%s", body, got, want.String())
		}
		narrow, _ := layoutJSON(body, 9)
		cont := func(i int) bool { return narrow.rows[i].off != rows.rows[lineOf(rows, narrow.rows[i].off)].off }
		if unwrapped(narrow, cont) != unwrapped(rows, func(int) bool { return false }) {
			t.Fatalf("wrapping %q loses text", body)
		}
	})
}
