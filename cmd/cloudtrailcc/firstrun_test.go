package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"
)

// ansiSequence matches the colour sequences the table puts around a status.
var ansiSequence = regexp.MustCompile("\x1b\\[[0-9;]*m")

// checkOnTerminal runs check on the demo account with stdout on a
// pseudo-terminal cols columns wide and returns what the terminal showed,
// one entry per line, colours removed.
func checkOnTerminal(t *testing.T, cols int, extra ...string) []string {
	t.Helper()
	terminal, reader := openPTY(t)
	if err := unix.IoctlSetWinsize(int(terminal.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 50, Col: uint16(cols)}); err != nil {
		t.Fatalf("sizing the pseudo-terminal: %v", err)
	}
	screen := drain(reader)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := append(append(emulatorArgs(seededEmulator(t)), "check", "--fail-on", "none"), extra...)
	cmd := exec.CommandContext(ctx, cliBinary, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(cleanEnv(t), "TERM=xterm")
	var errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = terminal, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("check on a %d-column terminal: %v\n%s", cols, err, errOut.String())
	}
	_ = terminal.Close()
	shown := ansiSequence.ReplaceAllString(screen(), "")
	return strings.Split(strings.ReplaceAll(shown, "\r\n", "\n"), "\n")
}

// cleanEnv is the environment cli gives the binary, as a user with no AWS
// configuration: no AWS_* or CLOUDTRAILCC_* variables, an empty HOME (no
// ~/.aws), and the EC2 instance metadata lookup switched off so that the
// SDK's credential chain stays on loopback. A later entry for the same
// variable wins.
func cleanEnv(t *testing.T) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "CLOUDTRAILCC_") {
			env = append(env, kv)
		}
	}
	return append(env, "HOME="+t.TempDir(), "AWS_EC2_METADATA_DISABLED=true")
}

func TestCheckTableFitsTheTerminal(t *testing.T) {
	// The truth: every finding of the demo account, from the CSV.
	r := cli(t, "", append(emulatorArgs(seededEmulator(t)), "check", "--output", "csv", "--fail-on", "none")...)
	rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("check --output csv: %v\n%s", err, r.stderr)
	}
	findings := len(rows) - 1
	statuses := map[string]bool{"ok": true, "alarm": true, "info": true, "skip": true, "error": true}

	for _, cols := range []int{80, 120} {
		t.Run(fmt.Sprintf("%d columns", cols), func(t *testing.T) {
			lines := checkOnTerminal(t, cols)
			shown := 0
			for i, line := range lines {
				if w := utf8.RuneCountInString(line); w > cols {
					t.Errorf("line %d is %d columns wide on a %d-column terminal:\n%s", i+1, w, cols, line)
				}
				// A finding's first line has its status in a cell of its own.
				for _, cell := range strings.Split(line, "│") {
					if statuses[strings.TrimSpace(cell)] {
						shown++
						break
					}
				}
			}
			if shown != findings {
				t.Errorf("the table shows %d findings with their status; the CSV has %d:\n%s", shown, findings, strings.Join(lines, "\n"))
			}
		})
	}

	// --wide keeps every column at full width, wider than the terminal.
	widest := 0
	for _, line := range checkOnTerminal(t, 80, "--wide") {
		widest = max(widest, utf8.RuneCountInString(line))
	}
	if widest <= 120 {
		t.Errorf("check --wide on an 80-column terminal is at most %d columns wide; want the full table", widest)
	}
}

func TestNoCredentialsIsOneLineWithoutTheSDKsWarnings(t *testing.T) {
	// An instance metadata service that has no token API: the SDK falls
	// back to IMDSv1 and says so at warning level.
	imds := httptest.NewServer(http.NotFoundHandler())
	defer imds.Close()
	r := cliWithEnv(t, "", map[string]string{"AWS_EC2_METADATA_DISABLED": "false",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.URL}, "check")
	if r.code != exitUsage {
		t.Fatalf("check without credentials: exit %d, want %d\n%s", r.code, exitUsage, r.stderr)
	}
	r.oneErrorLine(t, "no AWS credentials found")
}

func TestDemoRefusesBadArgumentsBeforeSeeding(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"empty region", []string{"demo", "--region", ""}, "regions: the list is empty"},
		{"missing exceptions file", []string{"demo", "--exceptions", "/nonexistent/exceptions.hcl"}, "exceptions_file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			r := cli(t, dir, tc.args...)
			if r.code != exitUsage {
				t.Fatalf("exit %d, want %d\n%s", r.code, exitUsage, r.stderr)
			}
			// One line: no spinner, no "EMULATED" banner, nothing seeded.
			r.oneErrorLine(t, tc.want)
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("demo left %d files behind", len(entries))
			}
		})
	}
}
