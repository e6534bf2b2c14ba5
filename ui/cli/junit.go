package cli

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// JUnit XML as CI systems (GitHub, GitLab, Jenkins) read it: check and replay
// --fixtures each write one testsuite, a testcase per probe or fixture.
type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

// writeJUnitFile writes one suite as a report file, making its directory if need be.
func writeJUnitFile(file string, suite junitSuite) error {
	out, err := xml.MarshalIndent(junitSuites{Suites: []junitSuite{suite}}, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the JUnit report: %w", err)
	}
	if dir := filepath.Dir(file); dir != "" {
		os.MkdirAll(dir, 0o755)
	}
	data := append([]byte(xml.Header), append(out, '\n')...)
	if err := os.WriteFile(file, data, 0o644); err != nil {
		return fmt.Errorf("writing the JUnit report: %w (check that the directory is writable)", err)
	}
	return nil
}
