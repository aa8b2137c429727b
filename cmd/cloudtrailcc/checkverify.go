package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/report"
)

// checkVerify is check's --verify-logs: verify's verification over verify's
// window flags, shown as the HTML report's log file integrity section. It
// reads every digest and log file of the window from S3, so it runs only
// when asked, and only for an HTML report.
type checkVerify struct {
	enabled bool
	opts    verifyOptions
	// start and end are the window, set by validate.
	start, end time.Time
}

// register adds --verify-logs and the window flags to cmd.
func (v *checkVerify) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&v.enabled, "verify-logs", false, "also verify log file integrity, as cloudtrailcc verify does, and add its section to the HTML report (needs --output html or an .html export; reads every log and digest file of the window from S3)")
	f.StringVar(&v.opts.start, "start-time", "", "with --verify-logs: start of the window, RFC 3339 or YYYY-MM-DD (default: 24 hours before --end-time)")
	f.StringVar(&v.opts.end, "end-time", "", "with --verify-logs: end of the window, RFC 3339 or YYYY-MM-DD (default: now)")
}

// validate checks the flags before any AWS call: the window flags only with
// --verify-logs, --verify-logs only with an HTML report, a valid window.
func (v *checkVerify) validate(out report.Format, exports exportFiles, now time.Time) error {
	if !v.enabled {
		if v.opts.start != "" || v.opts.end != "" {
			return usageError("--start-time and --end-time are the window of --verify-logs; add --verify-logs")
		}
		return nil
	}
	html := out == report.FormatHTML
	for _, f := range exports {
		html = html || f.format == report.FormatHTML
	}
	if !html {
		return usageError("--verify-logs adds a section to the HTML report: add --output html or --export FILE.html (or run cloudtrailcc verify)")
	}
	start, end, err := v.opts.window(now)
	if err != nil {
		return err
	}
	v.start, v.end = start, end
	return nil
}

// run verifies the window through client and adds the verification to r;
// its summary goes to stderr.
func (v *checkVerify) run(ctx context.Context, g *globals, client *inproc.Client, conn string, r *report.Report, stderr io.Writer) error {
	var rows []report.IntegrityRow
	err := g.progress.status(stderr, "verifying log file integrity", func() error {
		var err error
		rows, err = integrityRows(ctx, client, conn, &v.opts, v.start, v.end)
		return err
	})
	if err != nil {
		return err
	}
	r.Integrity = &report.Integrity{Start: v.start, End: v.end, Rows: rows}
	return nil
}

// integrityExit is check's exit code for the verification: 1 (alarm) when
// a file's control status is alarm and --fail-on is not none, 3 when one
// could not be verified (error); nil otherwise.
func integrityExit(r *report.Report, failOn string) error {
	if r.Integrity == nil {
		return nil
	}
	alarms, errored := 0, 0
	for _, row := range r.Integrity.Rows {
		switch row.ControlStatus {
		case "alarm":
			alarms++
		case "ok", "info":
		default:
			errored++
		}
	}
	switch {
	case alarms > 0 && failOn != "none":
		return &exitError{code: exitAlarm}
	case errored > 0:
		return &exitError{code: exitRuleError}
	}
	return nil
}

// worseExit is the exit of a run that has both results: an alarm (1)
// before an error (3) before success.
func worseExit(a, b error) error {
	for _, e := range []error{a, b} {
		if _, ok := e.(*exitError); e != nil && !ok {
			return e // a usage or setup error says more than any exit code
		}
	}
	for _, e := range []error{a, b} {
		if x, ok := e.(*exitError); ok && x.code == exitAlarm {
			return e
		}
	}
	if a != nil {
		return a
	}
	return b
}

// integritySummary is the verification's summary line on stderr.
func integritySummary(r *report.Report) string {
	return fmt.Sprintf("log file integrity: %s", report.IntegritySummaryOf(r.Integrity.Rows))
}
