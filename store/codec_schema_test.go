package store

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"reflect"
	"testing"

	"github.com/dexra/dexra-tui/payloads"
)

// encodeRestWithSchema is the rest of a record as builds that stored the schema check
// wrote it (record formats 2 and 3): the schema part between the signature and the summary.
func encodeRestWithSchema(ev *payloads.Event, checked, documented, valid bool, unknown, missing, errs []string, note string) []byte {
	w := wireWriter{}
	w.time(ev.Received)
	w.str(string(ev.Direction))
	w.str(ev.Method)
	w.str(ev.Query)
	w.str(ev.Host)
	w.str(ev.RemoteAddr)
	w.header(ev.Headers)
	w.int(int64(ev.Size))
	w.str(string(ev.BodyKind))
	w.str(ev.Signature.Scheme)
	w.str(ev.Signature.Reason)
	w.int(int64(ev.Signature.SecretIndex))
	w.str(ev.Signature.Expected)
	w.str(ev.Signature.Received)
	w.uint(bits(checked, documented, valid))
	w.strs(unknown)
	w.strs(missing)
	w.strs(errs)
	w.str(note)
	w.str(ev.Summary)
	w.int(int64(ev.Status))
	w.str(ev.Simulated)
	w.str(ev.Rejected)
	w.str(ev.DerivedFrom)
	return w.b
}

// encodeRecordV3 is a record as format 3's writer wrote it, with rest from
// encodeRestWithSchema.
func encodeRecordV3(ev *payloads.Event, duplicateOf string, rest []byte, sum uint32) []byte {
	b := make([]byte, recordPrefix)
	b[0] = recordFormatV3
	binary.BigEndian.PutUint32(b[5:], sum)
	for _, s := range [...]string{ev.ID, ev.Path, ev.Source, ev.Type, string(ev.Signature.Status),
		ev.DedupKey, duplicateOf, ev.Correlation} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = append(b, rest...)
	binary.BigEndian.PutUint32(b[1:], crc32.Checksum(b[5:], crc32c))
	return b
}

// Records of histories written while the schema check was stored still decode, the
// check skipped, into the same event; so do format 3 records with the part empty,
// through decodeMeta and through decodeHeadUnchecked and completeMeta.
func TestRecordFormat3StillDecodes(t *testing.T) {
	var ev payloads.Event
	n := 0
	fill(t, reflect.ValueOf(&ev).Elem(), &n)
	want := ev
	want.Seq, want.Body, want.Attempts, want.DuplicateOf = 7, nil, nil, "01FIRST"

	withSchema := encodeRestWithSchema(&ev, true, true, false, []string{"/data/x"}, []string{"/data/status"},
		[]string{"at '/data': missing property 'status'", "at '/data/x': unexpected"}, "does not match")
	empty := encodeRestWithSchema(&ev, false, false, false, nil, nil, nil, "")
	for _, rest := range [][]byte{withSchema, empty} {
		rec := encodeRecordV3(&ev, "01FIRST", rest, 0)
		got, err := decodeMeta(7, rec)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(*got, want) {
			t.Fatalf("format 3 record:\n got %+v\nwant %+v", *got, want)
		}
		head, rest, err := decodeHeadUnchecked(7, rec[recordPrefix:])
		if err != nil {
			t.Fatal(err)
		}
		if err := completeMeta(head, rest); err != nil || !reflect.DeepEqual(*head, want) {
			t.Fatalf("format 3 record without its prefix:\n got %+v (%v)\nwant %+v", *head, err, want)
		}
	}
	// A format 3 record that claims format 4 (or the reverse) is refused.
	rec := encodeRecordV3(&ev, "", empty, 0)
	rec[0] = recordFormatV4
	binary.BigEndian.PutUint32(rec[1:], crc32.Checksum(rec[5:], crc32c))
	if _, err := decodeMeta(7, rec); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("format 3 record labelled 4: %v, want ErrCorrupt", err)
	}
	rec = encodeRecord(&ev, "", encodeRest(&ev), 0)
	rec[0] = recordFormatV3
	binary.BigEndian.PutUint32(rec[1:], crc32.Checksum(rec[5:], crc32c))
	if _, err := decodeMeta(7, rec); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("format 4 record labelled 3: %v, want ErrCorrupt", err)
	}
}
