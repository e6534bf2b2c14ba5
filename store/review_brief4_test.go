package store

import (
	"reflect"
	"testing"
)

// TestReviewBriefAgreesOnMixedRecords: a sealed record whose rest is in the other
// format than its head (decodeRest picks the rest's form by its mark, not the record's
// format byte) is read by decodeMeta; decodeBrief must then give the same event but
// for the headers, or decodeMeta must refuse it too (FuzzDecodeBrief's invariant).
func TestReviewBriefAgreesOnMixedRecords(t *testing.T) {
	for i, ev := range briefEvents()[58:] {
		v3rest := encodeRestWithSchema(ev, false, false, false, nil, nil, nil, "")
		recs := map[string][]byte{
			"format 4 head, format 3 rest": encodeRecord(ev, "", v3rest, bodySum(ev.Body)),
			"format 3 head, format 4 rest": encodeRecordV3(ev, "", encodeRest(ev), bodySum(ev.Body)),
		}
		for name, rec := range recs {
			want, wantErr := decodeMeta(9, rec)
			got, err := decodeBrief(9, rec)
			if (err == nil) != (wantErr == nil) {
				t.Errorf("event %d, %s: decodeMeta err %v, decodeBrief err %v", i, name, wantErr, err)
				continue
			}
			if err == nil {
				want.Headers = nil
				if !reflect.DeepEqual(got, want) {
					t.Errorf("event %d, %s:\n got %+v\nwant %+v", i, name, got, want)
				}
			}
		}
	}
}
