package sanitize

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// hostile are payloads a sender could use to take over the terminal of whoever reads them.
var hostile = []struct {
	name, in, want string
}{
	{"osc52 clipboard", "\x1b]52;c;ZWNobyBwd25lZA==\x07", `\x1b]52;c;ZWNobyBwd25lZA==\x07`},
	{"osc2 title", "\x1b]2;owned\x1b\\", `\x1b]2;owned\x1b\`},
	{"csi clear screen", "a\x1b[2Jb", `a\x1b[2Jb`},
	{"cursor move", "\x1b[10;10H", `\x1b[10;10H`},
	{"carriage return overwrite", "status: fail\rstatus: pass", `status: fail\rstatus: pass`},
	{"c1 csi", "x\u009b2Jy", `x\u009b2Jy`},
	{"c1 osc", "\u009d52;c;AAAA\u009c", `\u009d52;c;AAAA\u009c`},
	{"bidi override", "invoice\u202egpj.exe", `invoice\u202egpj.exe`},
	{"bidi isolates", "\u2066a\u2067b\u2068c\u2069", `\u2066a\u2067b\u2068c\u2069`},
	{"zero width", "pa\u200bss", `pa\u200bss`},
	{"bom", "\ufeffok", `\ufeffok`},
	{"del and bell", "a\x7fb\x07", `a\x7fb\x07`},
	{"newline and tab in a line", "a\nb\tc", `a\nb\tc`},
	{"invalid utf8 byte", "a\xffb\x9b", `a\xffb\x9b`},
	{"tag characters", "x\U000E0041y", `x\U000e0041y`},
	{"line separator", "a\u2028b", `a\u2028b`},
}

func TestLineEscapesHostileInput(t *testing.T) {
	for _, tc := range hostile {
		t.Run(tc.name, func(t *testing.T) {
			got := Line(tc.in)
			if got != tc.want {
				t.Fatalf("Line(%q) = %q, want %q", tc.in, got, tc.want)
			}
			assertInert(t, got, false)
		})
	}
}

func TestLineKeepsOrdinaryText(t *testing.T) {
	for _, s := range []string{"", "delivered", `{"text":"héllo wörld"}`, "日本語 ✓ ✗ 😀", `C:\path\x1b`} {
		if got := Line(s); got != s {
			t.Errorf("Line(%q) = %q, want it unchanged", s, got)
		}
		if !Safe(s) {
			t.Errorf("Safe(%q) = false", s)
		}
	}
	if Safe("\x1b[2J") {
		t.Error("Safe reported an escape sequence as safe")
	}
}

func TestTextKeepsNewlinesAndExpandsTabs(t *testing.T) {
	got := Text("line1\n\tline2\x1b[2J\r\n")
	want := "line1\n    line2\\x1b[2J\\r\n"
	if got != want {
		t.Fatalf("Text = %q, want %q", got, want)
	}
	assertInert(t, got, true)
}

func TestBytesEscapesBinary(t *testing.T) {
	got := Bytes([]byte{0x00, 'a', 0xc3, 0x28, 0x1b})
	if want := `\x00a\xc3(\x1b`; got != want {
		t.Fatalf("Bytes = %q, want %q", got, want)
	}
}

func FuzzLine(f *testing.F) {
	for _, tc := range hostile {
		f.Add(tc.in)
	}
	f.Add("plain")
	f.Add("\u0085\u061c\u180e\u2060")
	f.Fuzz(func(t *testing.T, s string) {
		assertInert(t, Line(s), false)
		assertInert(t, Text(s), true)
	})
}

// assertInert fails if out holds anything a terminal would act on or hide.
func assertInert(t *testing.T, out string, multiline bool) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("output is not valid UTF-8: %q", out)
	}
	for _, r := range out {
		if r == '\n' && multiline {
			continue
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || unicode.Is(unicode.Cf, r) || r == 0x2028 || r == 0x2029 {
			t.Fatalf("output keeps control or format character %U: %q", r, out)
		}
	}
	if strings.ContainsRune(out, '\x1b') {
		t.Fatalf("output keeps ESC: %q", out)
	}
}

// Cells, summed character by character, is the width of the escaped text.
func FuzzCellsMatchTheEscapedWidth(f *testing.F) {
	for _, tc := range hostile {
		f.Add(tc.in)
	}
	f.Add("wide 界 and é and \t tab\nnewline")
	f.Fuzz(func(t *testing.T, s string) {
		for _, multiline := range []bool{false, true} {
			for i := 0; i < len(s); {
				c, n := Cells(s[i:], multiline)
				piece := s[i : i+n]
				want := ansi.StringWidth(Line(piece))
				if multiline {
					want = ansi.StringWidth(strings.ReplaceAll(Text(piece), "\n", ""))
				}
				if c != want {
					t.Fatalf("Cells(%q, %v) = %d, the escaped piece is %d wide", piece, multiline, c, want)
				}
				i += n
			}
		}
	})
}
