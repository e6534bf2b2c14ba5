package store

import (
	"testing"
	"time"
)

// BenchmarkRecordFormats compares format 3 and format 4 on the listener's record of
// a signed delivery, in alternating rounds of one run: encoding (encodeRest and
// encodeRecord), decoding the head (what a scan does per event) and decoding the
// whole record. Reported per record: v3_*_ns, v4_*_ns and ratios v4/v3, and bytes.
// Run: go test ./store -run '^$' -bench RecordFormats -count 3
func BenchmarkRecordFormats(b *testing.B) {
	ev := listenerEvent()
	v3 := encodeRecordV3(ev, "", encodeRestWithSchema(ev, false, false, false, nil, nil, nil, ""), 0)
	v4 := encodeRecord(ev, "", encodeRest(ev), 0)
	type figures struct{ enc, head, full time.Duration }
	var f3, f4 figures
	const rounds = 64
	n := max(b.N/rounds, 1)
	timed := func(fn func()) time.Duration {
		start := time.Now()
		for range n {
			fn()
		}
		return time.Since(start)
	}
	b.ResetTimer()
	for range rounds {
		f3.enc += timed(func() {
			encodeRecordV3(ev, "", encodeRestWithSchema(ev, false, false, false, nil, nil, nil, ""), 0)
		})
		f4.enc += timed(func() { encodeRecord(ev, "", encodeRest(ev), 0) })
		f3.head += timed(func() { decodeHead(1, v3) })
		f4.head += timed(func() { decodeHead(1, v4) })
		f3.full += timed(func() { decodeMeta(1, v3) })
		f4.full += timed(func() { decodeMeta(1, v4) })
	}
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(n*rounds) }
	b.ReportMetric(per(f3.enc), "v3_encode_ns")
	b.ReportMetric(per(f4.enc), "v4_encode_ns")
	b.ReportMetric(per(f3.head), "v3_head_ns")
	b.ReportMetric(per(f4.head), "v4_head_ns")
	b.ReportMetric(per(f3.full), "v3_full_ns")
	b.ReportMetric(per(f4.full), "v4_full_ns")
	b.ReportMetric(per(f4.head)/per(f3.head), "head_ratio")
	b.ReportMetric(per(f4.full)/per(f3.full), "full_ratio")
	b.ReportMetric(float64(len(v3)), "v3_bytes")
	b.ReportMetric(float64(len(v4)), "v4_bytes")
	b.ReportMetric(0, "ns/op")
}
