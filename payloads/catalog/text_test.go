package catalog

import "testing"

// textCases are the corners of cleanText: spaces at the ends and in runs, controls,
// invalid UTF-8, cuts at the limit.
var textCases = []string{"", " ", "a", "delivered", "a b", " a", "a ", "a  b", "a\tb", "a\x00b", "a\x7fb",
	"caf\u00e9 \u4e2d", "x\u202ey", "\xff", "a\xc3", "\ufffd", "\u2028", "abcd", "abcde", "ab cd", "abc d", "ab  cd"}

func TestCleanTextFastPathChangesNothing(t *testing.T) {
	for _, s := range textCases {
		for _, max := range []int{1, 3, 4, 5, 40} {
			sameAsRebuilt(t, s, max)
		}
	}
	for s, want := range map[string]bool{"deli": true, "delivered": false, "a b": true, " a": false, "a ": false, "a  b": false,
		"a\tb": false, "\xff": false, "abcde": false, "abcd": true, "": true} {
		if got := isClean(s, 4); got != want {
			t.Errorf("isClean(%q, 4) = %v", s, got)
		}
	}
}

func FuzzCleanText(f *testing.F) {
	for _, s := range textCases {
		f.Add(s, uint8(4))
	}
	f.Fuzz(func(t *testing.T, s string, max uint8) { sameAsRebuilt(t, s, int(max)+1) })
}

// sameAsRebuilt fails t when the fast path gives another result than the general one.
func sameAsRebuilt(t *testing.T, s string, max int) {
	t.Helper()
	want := rebuildText(s, max)
	if got := cleanText(s, max); got != want {
		t.Fatalf("cleanText(%q, %d) = %q, rebuilt %q", s, max, got, want)
	}
	if isClean(s, max) && want != s {
		t.Fatalf("isClean(%q, %d) but cleaning gives %q", s, max, want)
	}
}
