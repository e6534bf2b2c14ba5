package ui

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

// Environment of the load generator process.
const (
	loadURLEnv  = "DEXRA_TUI_LOAD_URL"
	loadRateEnv = "DEXRA_TUI_LOAD_RATE"
	loadForEnv  = "DEXRA_TUI_LOAD_FOR"
)

// TestMain runs the tests, or, started by a burst benchmark, only the load generator.
func TestMain(m *testing.M) {
	if url := os.Getenv(loadURLEnv); url != "" {
		rate, _ := strconv.Atoi(os.Getenv(loadRateEnv))
		d, _ := time.ParseDuration(os.Getenv(loadForEnv))
		res := <-paced(rate, d, postSender(url))
		fmt.Printf("failed=%d\n", res.failed)
		os.Exit(0)
	}
	os.Exit(m.Run())
}
