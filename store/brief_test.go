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

// format3Record is a record as format 3's writer wrote it (brief.go and scan.go read
// that format in place).
func format3Record(t testing.TB, ev *payloads.Event, duplicateOf string) []byte {
	rest := encodeRestWithSchema(ev, false, false, false, nil, nil, nil, "")
	return encodeRecordV3(ev, duplicateOf, rest, bodySum(ev.Body))
}

// briefRecords are ev's record in each format a history holds.
func briefRecords(t testing.TB, ev *payloads.Event, duplicateOf string) map[string][]byte {
	return map[string][]byte{
		"format 3": format3Record(t, ev, duplicateOf),
		"format 4": encodeRecord(ev, duplicateOf, encodeRest(ev), bodySum(ev.Body)),
	}
}

// TestDecodeBriefIsDecodeMetaWithoutHeaders: the brief decoding of a record is the
// whole one but for the headers, and it refuses what decodeMeta refuses.
func TestDecodeBriefIsDecodeMetaWithoutHeaders(t *testing.T) {
	for i, ev := range briefEvents() {
		for format, rec := range briefRecords(t, ev, []string{"", "01FIRST"}[i%2]) {
			t.Run(format, func(t *testing.T) { checkBrief(t, i, rec) })
		}
	}
}

func checkBrief(t *testing.T, i int, rec []byte) {
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

// reseal gives a record of rawFormat a valid checksum again.
func reseal(v []byte) []byte {
	v = append([]byte(nil), v...)
	binary.BigEndian.PutUint32(v[1:], crc32.Checksum(v[5:], crc32c))
	return v
}

// FuzzDecodeBrief: on any sealed record (of either format, or none), decodeBrief and decodeMeta agree:
// both refuse it, or give the same event but for the headers.
func FuzzDecodeBrief(f *testing.F) {
	for i, ev := range briefEvents()[58:] {
		for _, rec := range briefRecords(f, ev, "01DUP") {
			f.Add(rec[0], rec[recordPrefix:])
		}
		for _, rec := range briefRecords(f, ev, "") {
			f.Add(rec[0], rec[recordPrefix:min(len(rec), recordPrefix+20+i)])
		}
	}
	f.Fuzz(func(t *testing.T, format byte, v []byte) {
		rec := append([]byte{format, 0, 0, 0, 0, 0, 0, 0, 0}, v...)
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
