//go:build !race

package cli

import (
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkExportVsEvents alternates `events --json --limit 0` (the baseline) and
// `export --format jsonl` over one 20,000-event history, each to a file, and reports
// both and their ratio from the same run, so load on the machine hits both alike
// (go test -run XXX -bench ExportVsEvents -count 3 ./ui/cli).
func BenchmarkExportVsEvents(b *testing.B) {
	home, _ := benchHistory(b, b.TempDir(), 20_000)
	dir := b.TempDir()
	var base, export time.Duration
	for b.Loop() {
		base += timeToFile(b, home, filepath.Join(dir, "events.json"), "events", "--json", "--limit", "0")
		export += timeToFile(b, home, filepath.Join(dir, "export.jsonl"), "export", "--format", "jsonl")
	}
	b.ReportMetric(float64(base.Milliseconds())/float64(b.N), "events-ms/op")
	b.ReportMetric(float64(export.Milliseconds())/float64(b.N), "export-ms/op")
	b.ReportMetric(float64(export)/float64(base), "export/events")
}
