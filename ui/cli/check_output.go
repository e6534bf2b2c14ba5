package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dexra/dexra-tui/tunnel"
)

// writeCheckCard prints the report card: a heading, a line per probe, and for a
// failure what is wrong and how to fix it.
func writeCheckCard(w io.Writer, r tunnel.CheckReport) error {
	var b strings.Builder
	fmt.Fprintf(&b, "check %s · scheme %s · event %s\n", clean(r.URL), r.Scheme, r.Event)
	if r.Generic {
		fmt.Fprintf(&b, "  (the catalog has no %s event: the probes carry a generic JSON event {id, type, created, data})\n", r.Scheme)
	}
	for _, p := range r.Probes {
		glyph := "✓"
		switch {
		case p.Skipped:
			glyph = "–"
		case !p.OK:
			glyph = "✗"
		}
		line := fmt.Sprintf("%s %2d %-42s ", glyph, p.Number, p.Title)
		switch {
		case p.Skipped:
			line += "n/a: " + p.Problem
		case p.OK:
			line += p.Answer
		default:
			line += p.Answer + ", want " + p.Want
		}
		b.WriteString(clean(line) + "\n")
		if p.OK {
			continue
		}
		if said := handlerSaid(p); said != "" {
			b.WriteString("       it said: " + said + "\n")
		}
		b.WriteString("       " + clean(p.Problem) + "\n")
		b.WriteString("       fix: " + clean(p.Fix) + "\n")
	}
	if n := r.Failed(); n == 0 {
		fmt.Fprintf(&b, "all %d probes passed\n", len(r.Probes))
	} else {
		fmt.Fprintf(&b, "%d of %d probes failed\n", n, len(r.Probes))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// handlerSaid is the start of the failing answer's body, quoted and safe to print.
func handlerSaid(p tunnel.ProbeResult) string {
	for _, ex := range p.Requests {
		if ex.Status == p.Status && len(ex.Answer) > 0 {
			s := strings.TrimSpace(string(ex.Answer))
			if r := []rune(s); len(r) > 80 {
				s = string(r[:80]) + "…"
			}
			return clean(fmt.Sprintf("%q", s))
		}
	}
	return ""
}

// checkLine is the --json form of one probe.
type checkLine struct {
	Probe     int      `json:"probe"`
	Name      string   `json:"name"`
	OK        bool     `json:"ok"`
	Skipped   bool     `json:"skipped"`
	Status    int      `json:"status"`
	LatencyMS float64  `json:"latency_ms"`
	Want      string   `json:"want"`
	Answer    string   `json:"answer"`
	Problem   string   `json:"problem"`
	Fix       string   `json:"fix"`
	P50MS     *float64 `json:"p50_ms,omitempty"`
	P99MS     *float64 `json:"p99_ms,omitempty"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func writeCheckJSON(w io.Writer, r tunnel.CheckReport) error {
	for _, p := range r.Probes {
		line := checkLine{Probe: p.Number, Name: p.Name, OK: p.OK, Skipped: p.Skipped, Status: p.Status,
			LatencyMS: ms(p.Latency), Want: p.Want, Answer: p.Answer, Problem: p.Problem, Fix: p.Fix}
		if p.Name == "burst" {
			p50, p99 := ms(p.P50), ms(p.P99)
			line.P50MS, line.P99MS = &p50, &p99
		}
		if err := writeJSON(w, line, false); err != nil {
			return err
		}
	}
	return nil
}

func junitReport(r tunnel.CheckReport, at time.Time) junitSuite {
	suite := junitSuite{Name: "dexra-tui check " + r.URL, Tests: len(r.Probes), Failures: r.Failed(),
		Timestamp:  at.UTC().Format(time.RFC3339),
		Properties: []junitProperty{{"url", r.URL}, {"scheme", r.Scheme}, {"event", r.Event}}}
	var total time.Duration
	for _, p := range r.Probes {
		var took time.Duration
		for _, ex := range p.Requests {
			took += ex.Latency
		}
		total += took
		c := junitCase{Name: fmt.Sprintf("%02d %s: %s", p.Number, p.Name, p.Title), Classname: "dexra-tui.check." + r.Scheme, Time: seconds(took)}
		switch {
		case p.Skipped:
			suite.Skipped++
			c.Skipped = &junitSkipped{Message: p.Problem}
		case !p.OK:
			c.Failure = &junitProblem{Message: p.Problem, Type: p.Name,
				Text: fmt.Sprintf("answered: %s\nwant: %s\nproblem: %s\nfix: %s\n", p.Answer, p.Want, p.Problem, p.Fix)}
		}
		suite.Cases = append(suite.Cases, c)
	}
	suite.Time = seconds(total)
	return suite
}

// writeJUnit writes the report for CI; it holds no secret (no headers, no bodies).
func writeJUnit(file string, r tunnel.CheckReport) error {
	return writeJUnitFile(file, junitReport(r, time.Now()))
}
