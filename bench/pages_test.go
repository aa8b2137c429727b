package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestMeasuringProcessesRunWithoutHugePages: once the benchmark has turned
// transparent huge pages off, a process it starts runs without them too, so
// its peak RSS does not count 2 MiB pages of the executable.
func TestMeasuringProcessesRunWithoutHugePages(t *testing.T) {
	off, err := basePagesOnly()
	if err != nil {
		t.Skipf("this kernel does not let a process turn transparent huge pages off: %v", err)
	}
	if !off {
		t.Fatal("basePagesOnly reports the setting did not take")
	}
	out, err := exec.Command("grep", "THP_enabled", "/proc/self/status").Output()
	if err != nil {
		t.Skipf("this kernel does not report THP_enabled: %v", err)
	}
	if got := strings.TrimSpace(string(out)); got != "THP_enabled:\t0" {
		t.Fatalf("a started process reports %q, want THP_enabled 0", got)
	}
}
