package store

import (
	"encoding/binary"
	"hash/crc32"
	"reflect"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
	"github.com/dexra/dexra-tui/payloads/sig"
)

// briefEvents are events with every field set one way or another.
func briefEvents() []*payloads.Event {
	var evs []*payloads.Event
	for i := range 60 {
		evs = append(evs, sampleEvent(i))
	}
	odd := sampleEvent(3)
	odd.Received = time.Time{}
	odd.Query, odd.Host, odd.RemoteAddr = "a=1&b=2", "h:1", "10.0.0.1:9"
	odd.Signature = sig.Verdict{Scheme: "s", Status: sig.Fail, Reason: "r", SecretIndex: -1, Expected: "e", Received: "x"}
	odd.Simulated, odd.Rejected, odd.DerivedFrom, odd.Status, odd.Size = "503", "too big", "01PARENT", -7, 1<<40
	odd.Direction, odd.Headers = payloads.Outbound, nil
	return append(evs, odd, &payloads.Event{ID: "x"})
}

// format3Record is a record of the format decodeBrief reads itself (rawFormat).
func format3Record(t testing.TB, ev *payloads.Event, duplicateOf string) []byte {
	rec := encodeRecord(ev, duplicateOf, encodeRest(ev), bodySum(ev.Body))
	if rec[0] != rawFormat {
		t.Fatalf("encodeRecord writes format %d: give the test records of format %d (brief.go, scan.go read it in place)", rec[0], rawFormat)
	}
	return rec
}

// TestDecodeBriefIsDecodeMetaWithoutHeaders: the brief decoding of a record is the
// whole one but for the headers, and it refuses what decodeMeta refuses.
func TestDecodeBriefIsDecodeMetaWithoutHeaders(t *testing.T) {
	for i, ev := range briefEvents() {
		rec := format3Record(t, ev, []string{"", "01FIRST"}[i%2])
		want, err := decodeMeta(uint64(i+1), rec)
		if err != nil {
			t.Fatal(err)
		}
		want.Headers = nil
		got, err := decodeBrief(uint64(i+1), rec)
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("event %d:\n got %+v\nwant %+v", i, got, want)
		}
		for _, cut := range []int{len(rec) - 1, recordPrefix + 3} { // truncated, resealed
			bad := reseal(rec[:cut])
			if _, err := decodeBrief(1, bad); err == nil {
				t.Errorf("event %d cut at %d: decodeBrief accepted it", i, cut)
			}
		}
		flipped := append([]byte(nil), rec...)
		flipped[len(flipped)/2] ^= 0x20
		if _, err := decodeBrief(1, flipped); err == nil {
			t.Errorf("event %d: a flipped bit passed the checksum", i)
		}
	}
}

// reseal gives a record of rawFormat a valid checksum again.
func reseal(v []byte) []byte {
	v = append([]byte(nil), v...)
	binary.BigEndian.PutUint32(v[1:], crc32.Checksum(v[5:], crc32c))
	return v
}

// FuzzDecodeBrief: on any sealed record of rawFormat, decodeBrief and decodeMeta agree:
// both refuse it, or give the same event but for the headers.
func FuzzDecodeBrief(f *testing.F) {
	for i, ev := range briefEvents()[58:] {
		f.Add(format3Record(f, ev, "01DUP")[recordPrefix:])
		f.Add(format3Record(f, ev, "")[recordPrefix : recordPrefix+20+i])
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		rec := append([]byte{rawFormat, 0, 0, 0, 0, 0, 0, 0, 0}, v...)
		rec = reseal(rec)
		want, wantErr := decodeMeta(9, rec)
		got, err := decodeBrief(9, rec)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("decodeBrief: %v; decodeMeta: %v", err, wantErr)
		}
		if err != nil {
			return
		}
		want.Headers = nil
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("\n got %+v\nwant %+v", got, want)
		}
	})
}
