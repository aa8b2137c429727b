package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/logintegrity"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/report"
)

// Exit codes of verify, as aws cloudtrail validate-logs gives them: 0 every
// file valid, 1 a file not valid (exitAlarm), 2 usage or setup.

// verifyOptions are the flags of verify.
type verifyOptions struct {
	trailARN, start, end, output string
	accounts, exports            []string
}

func newVerifyCmd(g *globals) *cobra.Command {
	o := &verifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Verify that CloudTrail log files and digest files were not modified or deleted",
		Long: `Verify CloudTrail log file integrity over a time window, as
aws cloudtrail validate-logs does, for every trail with log file validation
(or --trail-arn), every account an organization trail delivers for (or
--account-id) and every region at once: each digest chain is walked back
from the newest digest, each digest's signature (CloudTrail's public keys,
ListPublicKeys) and link checked, and each log file hashed as it streams.

The window is --start-time to --end-time (RFC 3339, or YYYY-MM-DD), by
default the last 24 hours. Each file is reported valid, modified, deleted,
not_found, unknown_key, uncovered or error (see cloudtrailcc_log_integrity).

Exit codes: 0 every file valid (hours without any digest, not_found, do not
fail), 1 a file modified, deleted, signed with an unknown key, uncovered or
unreadable, 2 usage, configuration or credential error.`,
		Example: `  cloudtrailcc verify --start-time 2026-12-01 --end-time 2026-12-08
  cloudtrailcc verify --trail-arn arn:aws:cloudtrail:us-east-1:111122223333:trail/org --account-id 444455556666 --export integrity.csv`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return g.verify(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.trailARN, "trail-arn", "", "verify only this trail (default: every trail with log file validation)")
	f.StringSliceVar(&o.accounts, "account-id", nil, "verify only these accounts' files (organization trails); repeatable")
	f.StringVar(&o.start, "start-time", "", "start of the window, RFC 3339 or YYYY-MM-DD (default: 24 hours before --end-time)")
	f.StringVar(&o.end, "end-time", "", "end of the window, RFC 3339 or YYYY-MM-DD (default: now)")
	f.StringVarP(&o.output, "output", "o", "table", "output format: table, csv, json, md, html")
	f.StringArrayVar(&o.exports, "export", nil, "also write the results to FILE (.csv, .json, .md, .html); repeatable")
	return cmd
}

// parseWindowTime reads an RFC 3339 time or a YYYY-MM-DD date (UTC).
func parseWindowTime(flag, s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, usageError("--%s %q is not a time: use RFC 3339 (2026-12-01T00:00:00Z) or YYYY-MM-DD", flag, s)
}

// window checks the flags and returns the window to verify.
func (o *verifyOptions) window(now time.Time) (time.Time, time.Time, error) {
	end := now
	if o.end != "" {
		t, err := parseWindowTime("end-time", o.end)
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		end = t
	}
	start := end.Add(-24 * time.Hour)
	if o.start != "" {
		t, err := parseWindowTime("start-time", o.start)
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		start = t
	}
	if err := logintegrity.CheckWindow(start, end, now); err != nil {
		return time.Time{}, time.Time{}, usageError("%v", err)
	}
	return start, end, nil
}

func (g *globals) verify(cmd *cobra.Command, o *verifyOptions) error {
	out, err := report.ParseFormat(o.output)
	if err != nil || !slices.Contains(report.IntegrityFormats, out) {
		return usageError("unknown --output %q; valid formats: table, csv, json, md, html", o.output)
	}
	start, end, err := o.window(time.Now().UTC())
	if err != nil {
		return err
	}
	if o.trailARN != "" {
		if _, _, _, err := logintegrity.ParseTrailARN(o.trailARN); err != nil {
			return usageError("--trail-arn: %v", err)
		}
	}
	var exports []export
	for _, p := range o.exports {
		f, err := report.FormatForFile(p)
		if err != nil || !slices.Contains(report.IntegrityFormats, f) {
			return usageError("--export %s: the file name must end in .csv, .json, .md or .html", p)
		}
		exports = append(exports, export{path: p, format: f})
	}
	files, err := openExports(exports)
	if err != nil {
		return err
	}
	defer files.discard()
	conn, err := g.connectionConfig()
	if err != nil {
		return err
	}
	client, err := g.openClient(cmd.Context(), conn, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	defer client.Close()
	rows, err := integrityRows(cmd.Context(), client, conn.name, o, start, end)
	if err != nil {
		return err
	}
	v := report.Integrity{Start: start, End: end, Rows: rows}
	if err := v.Write(cmd.OutOrStdout(), out); err != nil {
		return err
	}
	for _, f := range files {
		if err := f.write(func(w io.Writer) error { return v.Write(w, f.format) }); err != nil {
			return asUsage(fmt.Errorf("writing %s: %w; no export was replaced", f.path, err))
		}
	}
	for _, f := range files {
		if err := os.Rename(f.tmp.Name(), f.path); err != nil {
			return asUsage(fmt.Errorf("replacing %s: %w", f.path, err))
		}
		f.tmp = nil
		fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s (%s)\n", f.path, f.format)
	}
	if report.IntegritySummaryOf(rows).NotIntactTotal > 0 {
		return &exitError{code: exitAlarm}
	}
	return nil
}

// integrityRows queries cloudtrailcc_log_integrity over the window and
// sorts the rows by account, region, time and file.
func integrityRows(ctx context.Context, client *inproc.Client, conn string, o *verifyOptions, start, end time.Time) ([]report.IntegrityRow, error) {
	// Rows whose period meets the window; the plugin verifies from the
	// lowest lower bound to the highest upper bound.
	quals := []inproc.Qual{{Column: "period_end", Operator: ">=", Value: start}, {Column: "period_start", Operator: "<=", Value: end}}
	if o.trailARN != "" {
		quals = append(quals, inproc.Qual{Column: "trail_arn", Operator: "=", Value: o.trailARN})
	}
	if len(o.accounts) > 0 {
		quals = append(quals, inproc.Qual{Column: "account_id", Operator: "=", Value: o.accounts})
	}
	res, err := client.Query(ctx, conn, "cloudtrailcc_log_integrity", nil, quals)
	if err != nil {
		return nil, asUsage(fmt.Errorf("%s", cleanError(err)))
	}
	str := func(v any) string { s, _ := v.(string); return s }
	tm := func(v any) *time.Time {
		if t, ok := v.(time.Time); ok {
			return &t
		}
		return nil
	}
	rows := make([]report.IntegrityRow, 0, len(res))
	for _, r := range res {
		rows = append(rows, report.IntegrityRow{
			TrailARN: str(r["trail_arn"]), AccountID: str(r["account_id"]), Region: str(r["region"]), Kind: str(r["kind"]),
			Status: str(r["status"]), ControlStatus: str(r["control_status"]), Detail: str(r["detail"]), Bucket: str(r["bucket"]),
			Key: str(r["object_key"]), DigestKey: str(r["digest_key"]), PeriodStart: tm(r["period_start"]), PeriodEnd: tm(r["period_end"]),
		})
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		for _, c := range [][2]string{{a.TrailARN, b.TrailARN}, {a.AccountID, b.AccountID}, {a.Region, b.Region}, {timeKey(a.PeriodEnd), timeKey(b.PeriodEnd)}, {a.Kind, b.Kind}, {a.Key, b.Key}} {
			if c[0] != c[1] {
				return c[0] < c[1]
			}
		}
		return false
	})
	return rows, nil
}

func timeKey(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}
