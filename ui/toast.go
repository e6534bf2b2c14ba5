package ui

import (
	"strings"

	"github.com/dexra/dexra-tui/ui/frame"
)

// minSubject is the fewest characters a shortened ID or URL keeps (MinIDLen).
const minSubject = 6

// fitToast makes text fit width cells without cutting a word of the message: long
// subjects (IDs, URLs: words of 12 or more characters) are shortened first, longest
// first, to no fewer than minSubject characters and a …; only then are words dropped
// from the end, marked ….
func fitToast(text string, width int) string {
	if frame.Width(text) <= width {
		return text
	}
	words := strings.Split(text, " ")
	for over := frame.Width(text) - width; over > 0; {
		longest := -1
		for i, w := range words {
			if n := len([]rune(w)); n >= 12 && !strings.HasSuffix(w, "…") && (longest < 0 || n > len([]rune(words[longest]))) {
				longest = i
			}
		}
		if longest < 0 {
			break
		}
		r := []rune(strings.TrimRight(words[longest], ":;,."))
		tail := words[longest][len(string(r)):]
		keep := max(len(r)-over-1, minSubject)
		words[longest] = string(r[:keep]) + "…" + tail
		over = frame.Width(strings.Join(words, " ")) - width
	}
	if frame.Width(strings.Join(words, " ")) > width {
		for len(words) > 1 && frame.Width(strings.Join(words, " ")+"…") > width {
			words = words[:len(words)-1]
		}
		words[len(words)-1] = strings.TrimRight(words[len(words)-1], ",;:") + "…"
	}
	return frame.Cell(strings.Join(words, " "), width)
}
