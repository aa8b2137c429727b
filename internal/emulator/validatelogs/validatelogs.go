// Package validatelogs runs the AWS CLI's own `cloudtrail validate-logs`
// (the Python module of Debian's awscli package) against the emulator, or
// any AWS-compatible endpoint, and reads its verdicts: the oracle the log
// integrity tests compare cloudtrailcc with, and the baseline the log
// integrity benchmark times.
package validatelogs

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// Python is the interpreter of Debian's awscli package.
const Python = "/usr/bin/python3"

// Module is the aws-cli source file whose validation runs.
const Module = "/usr/lib/python3/dist-packages/awscli/customizations/cloudtrail/validation.py"

// driver builds validate-logs' clients with the endpoint and runs it.
//
//go:embed validate_logs.py
var driver string

// ErrNotInstalled is returned when Debian's awscli package is missing.
var ErrNotInstalled = errors.New("validatelogs: Debian's awscli package is not installed (apt-get install awscli)")

// Available says whether aws-cli's validator can run here.
func Available() error {
	if _, err := os.Stat(Module); err != nil {
		return ErrNotInstalled
	}
	if _, err := exec.LookPath(Python); err != nil {
		return ErrNotInstalled
	}
	return nil
}

// Run is one validate-logs run: a trail over a window, in the trail's
// region, for one account of an organization trail ("" for the trail's
// own account).
type Run struct {
	Endpoint, Region, TrailARN string
	Start, End                 time.Time
	Account                    string
}

// Output is what a run printed and how it ended.
type Output struct {
	// Verdicts maps each s3://bucket/key reported to "valid" or
	// "INVALID: reason", as validate-logs prints them (verbose).
	Verdicts map[string]string
	// ExitCode is validate-logs' exit code (0 all valid, 1 not).
	ExitCode int
	// Wall is the run's wall time, the interpreter's start included.
	Wall           time.Duration
	Stdout, Stderr string
}

// verdictLine is a verbose validate-logs line about one file.
var verdictLine = regexp.MustCompile(`^(?:Digest|Log) file\t(s3://\S+)\t(.+)$`)

// Do runs validate-logs with test credentials and no AWS configuration
// files. An exit code other than 0 or 1 is an error, as is a run that
// reports no file.
func (r Run) Do(ctx context.Context) (Output, error) {
	if err := Available(); err != nil {
		return Output{}, err
	}
	args := []string{"-c", driver, r.Endpoint, r.Region, r.TrailARN, r.Start.UTC().Format(time.RFC3339), r.End.UTC().Format(time.RFC3339)}
	if r.Account != "" {
		args = append(args, r.Account)
	}
	cmd := exec.CommandContext(ctx, Python, args...)
	cmd.Env = append(withoutAWS(os.Environ()), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "NO_PROXY=*", "HTTP_PROXY=", "HTTPS_PROXY=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	began := time.Now()
	err := cmd.Run()
	out := Output{Wall: time.Since(began), Stdout: stdout.String(), Stderr: stderr.String(), Verdicts: map[string]string{}}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		out.ExitCode = ee.ExitCode()
	case err != nil:
		return out, fmt.Errorf("validatelogs: run validate-logs: %w", err)
	}
	for _, l := range strings.Split(out.Stdout+"\n"+out.Stderr, "\n") {
		if m := verdictLine.FindStringSubmatch(l); m != nil {
			out.Verdicts[m[1]] = m[2]
		}
	}
	if out.ExitCode != 0 && out.ExitCode != 1 {
		return out, fmt.Errorf("validatelogs: validate-logs exited %d: %s", out.ExitCode, tail(out.Stderr))
	}
	if len(out.Verdicts) == 0 {
		return out, fmt.Errorf("validatelogs: validate-logs reported no file (exit %d): %s", out.ExitCode, tail(out.Stdout+out.Stderr))
	}
	return out, nil
}

// withoutAWS drops the AWS_ variables (profile, region, endpoint,
// credentials) of an environment: the run's clients are set up by Run alone.
func withoutAWS(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "AWS_") {
			out = append(out, kv)
		}
	}
	return out
}

// tail is the end of a long output, for an error message.
func tail(s string) string {
	if len(s) > 2000 {
		return "..." + s[len(s)-2000:]
	}
	return s
}
