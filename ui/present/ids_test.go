package present

import (
	"errors"
	"strings"
	"testing"
)

func TestUniqueIDLenIsTheShortestUnsharedPrefix(t *testing.T) {
	stored := []string{"01JNGQ7Z8K4ABCDEF0000000AA", "01JNGQ7Z8K4ABCDXYZ000000BB", "01JNGQ7Z8K9QQQQQQQQQQQQQQQ", "01JZZZZZZZZZZZZZZZZZZZZZZZ"}
	has := func(prefix string) (bool, error) {
		n := 0
		for _, id := range stored {
			if strings.HasPrefix(id, prefix) {
				n++
			}
		}
		return n > 1, nil
	}
	for id, want := range map[string]int{
		stored[0]: 16, // shares 15 characters with stored[1]
		stored[1]: 16,
		stored[2]: 11,
		stored[3]: 6, // nothing shares more than 3: the minimum
	} {
		got, err := UniqueIDLen(id, has)
		if err != nil || got != want {
			t.Errorf("UniqueIDLen(%s) = %d, %v; want %d", id, got, err, want)
		}
	}
	if _, err := UniqueIDLen(stored[0], func(string) (bool, error) { return false, errors.New("closed") }); err == nil {
		t.Error("a failing lookup must be reported")
	}
	if got := ShortIDLen(stored[2], 11); got != "01JNGQ7Z8K9…" {
		t.Errorf("ShortIDLen = %q", got)
	}
}
