package store

import "testing"

// FuzzReviewRawPathV4: on any sealed format 4 record decodeHead accepts, rawPath
// gives the decoded Path or declines (the event is then matched whole).
func FuzzReviewRawPathV4(f *testing.F) {
	for _, ev := range briefEvents()[50:] {
		rec := encodeRecord(ev, "01DUP", encodeRest(ev), bodySum(ev.Body))
		f.Add(rec[recordPrefix:])
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		rec := reseal(append([]byte{recordFormatV4, 0, 0, 0, 0, 0, 0, 0, 0}, v...))
		path, ok := rawPath(rec)
		ev, _, err := decodeHead(1, rec)
		if err == nil && ok && string(path) != ev.Path {
			t.Fatalf("rawPath %q, decodeHead's Path %q", path, ev.Path)
		}
	})
}
