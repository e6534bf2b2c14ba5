package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/dexra/dexra-tui/payloads"
)

// fill sets every field reachable from v to a value no other field gets, so a field
// the codec forgets comes back zero (or another field's value) and fails the round
// trip. A kind it does not know fails the test: teach it, and the codec, the new field.
func fill(t *testing.T, v reflect.Value, n *int) {
	t.Helper()
	*n++
	switch v.Interface().(type) {
	case time.Time:
		v.Set(reflect.ValueOf(time.Unix(1_700_000_000+int64(*n), int64(*n)).UTC()))
		return
	case http.Header:
		v.Set(reflect.ValueOf(http.Header{
			fmt.Sprintf("X-Field-%d", *n): {fmt.Sprint("a", *n), fmt.Sprint("b", *n)},
			"Content-Type":                {fmt.Sprint("text/", *n)},
		}))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprint("value-", *n))
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(*n) * 7)
	case reflect.Uint64:
		v.SetUint(uint64(*n) * 11)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			v.SetBytes([]byte(fmt.Sprint("bytes-", *n)))
			return
		}
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(t, s.Index(i), n)
		}
		v.Set(s)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(t, v.Field(i), n)
		}
	default:
		t.Fatalf("fill does not know %s (%s)", v.Type(), v.Kind())
	}
}

// TestRecordKeepsEveryField: an event with every field set comes back from its record
// (head and rest) equal, but for what lives elsewhere (Seq is the key; Body and
// Attempts have buckets; DuplicateOf is decided when stored).
// checkRecordRoundTrip fails t unless ev, stored as a record naming want.DuplicateOf
// and read back as seq want.Seq, reads back as want.
func checkRecordRoundTrip(t *testing.T, what string, ev *payloads.Event, want payloads.Event) {
	t.Helper()
	got, err := decodeMeta(want.Seq, encodeRecord(ev, want.DuplicateOf, encodeRest(ev), 0))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if !reflect.DeepEqual(*got, want) {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, *got, want)
	}
}

func TestRecordKeepsEveryField(t *testing.T) {
	var ev payloads.Event
	n := 0
	fill(t, reflect.ValueOf(&ev).Elem(), &n)
	want := ev
	want.Seq, want.Body, want.Attempts, want.DuplicateOf = 42, nil, nil, "01FIRST"

	checkRecordRoundTrip(t, "round trip lost fields", &ev, want)
	// The zero event round-trips too (nil headers, zero time, empty lists).
	zero := payloads.Event{Seq: 1}
	if got, err := decodeMeta(1, encodeRecord(&zero, "", encodeRest(&zero), 0)); err != nil || !reflect.DeepEqual(*got, zero) {
		t.Fatalf("zero event: %+v, %v", got, err)
	}
}

func TestAttemptKeepsEveryField(t *testing.T) {
	var a payloads.Attempt
	n := 0
	fill(t, reflect.ValueOf(&a).Elem(), &n)
	got, err := decodeAttempt(encodeAttempt(a), true)
	if err != nil || !reflect.DeepEqual(got, a) {
		t.Fatalf("round trip:\n got %+v, %v\nwant %+v", got, err, a)
	}
	if got, _ := decodeAttempt(encodeAttempt(a), false); got.ResponseBody != nil {
		t.Fatal("decodeAttempt without the body copied it")
	}
	a.ResponseHeaders.Set("Authorization", "Bearer app-token")
	if got, _ := decodeAttempt(encodeAttempt(a), true); got.ResponseHeaders.Get("Authorization") != Redacted {
		t.Fatalf("secret response header stored as %q", got.ResponseHeaders.Get("Authorization"))
	}
	if a.ResponseHeaders.Get("Authorization") != "Bearer app-token" {
		t.Fatal("encodeAttempt changed the caller's headers")
	}
}

// FuzzDecodeRecord: a damaged record is an ErrCorrupt error, never a panic, and one
// that decodes encodes (format 4) to a record that decodes to the same event. The
// fuzzer's bytes are tried as they are (the checksum refuses nearly all) and sealed
// with a valid prefix of either format, so the decoders behind the checksum are
// fuzzed too. Seeds: records of both formats, with every compact form.
func FuzzDecodeRecord(f *testing.F) {
	for i := range 3 {
		ev := sampleEvent(i)
		r := encodeRecord(ev, "", encodeRest(ev), bodySum(ev.Body))
		f.Add(r)
		f.Add(r[recordPrefix:])
		v3 := encodeRecordV3(ev, "", encodeRestWithSchema(ev, false, false, false, nil, nil, nil, ""), bodySum(ev.Body))
		f.Add(v3)
		f.Add(v3[recordPrefix:])
	}
	for _, ev := range []*payloads.Event{listenerEvent(), compactFormsEvent(0), compactFormsEvent(1)} {
		r := encodeRecord(ev, "01HZX3Q0J8E6T4K2M9V7B5N1CD", encodeRest(ev), 0)
		f.Add(r[recordPrefix:])
	}
	f.Add([]byte{recordFormatV4, 0, 0, 0, 0, 0, 0, 0, 0, 0x80})
	f.Add([]byte{0x80, 0x00, 0x02, 0x80, 0x00})
	f.Fuzz(func(t *testing.T, v []byte) {
		recs := [][]byte{v}
		for _, format := range []byte{recordFormatV3, recordFormatV4} {
			sealed := append(make([]byte, recordPrefix), v...)
			sealed[0] = format
			binary.BigEndian.PutUint32(sealed[1:], crc32.Checksum(sealed[5:], crc32c))
			recs = append(recs, sealed)
		}
		for _, rec := range recs {
			ev, err := decodeMeta(7, rec)
			if err != nil {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("error %v does not wrap ErrCorrupt", err)
				}
				continue
			}
			again, err := decodeMeta(7, encodeRecord(ev, ev.DuplicateOf, encodeRest(ev), binary.BigEndian.Uint32(rec[5:])))
			if err != nil {
				t.Fatalf("re-encoded record does not decode: %v", err)
			}
			if !reflect.DeepEqual(again, ev) && !hasSecretHeader(ev.Headers) {
				t.Fatalf("decode → encode → decode changed the event:\n%+v\n%+v", ev, again)
			}
		}
	})
}

// FuzzDecodeAttempt: as FuzzDecodeRecord, for attempt values.
func FuzzDecodeAttempt(f *testing.F) {
	a := encodeAttempt(payloads.Attempt{Target: "http://localhost:3000", Status: 200, ResponseBody: []byte("ok")})
	f.Add(a)
	f.Add(a[4:])
	f.Add([]byte{5, 'h'})
	f.Fuzz(func(t *testing.T, v []byte) {
		sealed := binary.BigEndian.AppendUint32(nil, crc32.Checksum(v, crc32c))
		sealed = append(sealed, v...)
		for _, val := range [][]byte{v, sealed} {
			a, err := decodeAttempt(val, true)
			if err != nil {
				if !errors.Is(err, ErrCorrupt) {
					t.Fatalf("error %v does not wrap ErrCorrupt", err)
				}
				continue
			}
			again, err := decodeAttempt(encodeAttempt(a), true)
			if err != nil {
				t.Fatalf("re-encoded attempt does not decode: %v", err)
			}
			if !reflect.DeepEqual(again, a) && !hasSecretHeader(a.ResponseHeaders) {
				t.Fatalf("decode → encode → decode changed the attempt:\n%+v\n%+v", a, again)
			}
		}
	})
}

func hasSecretHeader(h http.Header) bool {
	for name := range h {
		if isSecretHeader(name) {
			return true
		}
	}
	return false
}
