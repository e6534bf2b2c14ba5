package cli

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestCIExampleFailsWhenTheAppAnswers500 runs testdata/ci-example/ci.sh as CI would,
// with a dexra-tui binary built from this tree: against the example app it passes,
// against the app answering 500 it fails with a per-fixture summary and a JUnit report.
func TestCIExampleFailsWhenTheAppAnswers500(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: builds two binaries")
	}
	bin := t.TempDir()
	for pkg, out := range map[string]string{"../..": "dexra-tui", "./testdata/ci-example/app": "app"} {
		if b, err := exec.Command("go", "build", "-o", filepath.Join(bin, out), pkg).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, b)
		}
	}
	dir, _ := filepath.Abs("testdata/ci-example")
	run := func(fail string) (string, string, error) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
		ln.Close()
		report := filepath.Join(t.TempDir(), "report.xml")
		work := t.TempDir() // app.log goes here, not into the repository
		cmd := exec.Command("sh", filepath.Join(dir, "ci.sh"))
		cmd.Dir = work
		os.Symlink(filepath.Join(dir, "fixtures"), filepath.Join(work, "fixtures"))
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "DEXRA_TUI="+filepath.Join(bin, "dexra-tui"),
			"APP="+filepath.Join(bin, "app"), "PORT="+port, "APP_FAIL="+fail, "REPORT="+report, "WEBHOOK_SECRET=ci-example-secret")
		out, err := cmd.CombinedOutput()
		return string(out), report, err
	}
	out, report, err := run("0")
	if err != nil || !strings.Contains(out, "2 fixture(s): 2 ok, 0 failed") {
		t.Fatalf("against the working app: %v\n%s", err, out)
	}
	if s := parseFixtureJUnit(t, report).Suites[0]; s.Tests != 2 || s.Failures != 0 {
		t.Fatalf("junit: %+v", s)
	}
	out, report, err = run("1")
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(out, "FAIL 500 dexatel/delivery/") {
		t.Fatalf("against the app answering 500: %v\n%s", err, out)
	}
	if s := parseFixtureJUnit(t, report).Suites[0]; s.Tests != 2 || s.Failures != 2 {
		t.Fatalf("junit: %+v", s)
	}
}
