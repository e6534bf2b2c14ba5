package store

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/dexra/dexra-tui/payloads"
)

// encodeRestWithSchema is the rest of a record as builds that stored the schema check
// wrote it (record format 2): the schema part between the signature and the summary.
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

// Records of histories written while the schema check was stored still decode, the
// check skipped, into the same event.
func TestRecordWithStoredSchemaStillDecodes(t *testing.T) {
	var ev payloads.Event
	n := 0
	fill(t, reflect.ValueOf(&ev).Elem(), &n)
	want := ev
	want.Seq, want.Body, want.Attempts, want.DuplicateOf = 7, nil, nil, ""

	old := encodeRestWithSchema(&ev, true, true, false, []string{"/data/x"}, []string{"/data/status"},
		[]string{"at '/data': missing property 'status'", "at '/data/x': unexpected"}, "does not match")
	got, err := decodeMeta(7, encodeRecord(&ev, "", old, 0))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*got, want) {
		t.Fatalf("old record:\n got %+v\nwant %+v", *got, want)
	}
}

// New records keep the schema part, empty, so the layout (and the history's schema
// version) is unchanged: a build that still reads the part finds "not checked".
func TestRecordWritesAnEmptySchemaPart(t *testing.T) {
	var ev payloads.Event
	n := 0
	fill(t, reflect.ValueOf(&ev).Elem(), &n)
	if got, want := encodeRest(&ev), encodeRestWithSchema(&ev, false, false, false, nil, nil, nil, ""); !bytes.Equal(got, want) {
		t.Fatalf("encodeRest left the format:\n got %x\nwant %x", got, want)
	}
}
