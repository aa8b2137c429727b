package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/escape"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/report"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/mods"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/version"
)

// benchmarkID is the mod's root benchmark, the execution name of exports
// named by format only.
var benchmarkID = "cloudtrailcc.benchmark." + mods.RootBenchmark

// failOnChoices are the values of --fail-on: a severity, or none.
var failOnChoices = append([]string{"none"}, report.Severities...)

// checkOptions are the flags of check (and demo).
type checkOptions struct {
	rules    []string
	statuses []string
	output   string
	exports  []string
	failOn   string
	baseline string
	wide     bool
	// verify is --verify-logs and its window (check only; nil for demo).
	verify *checkVerify
}

// register adds the check flags to cmd.
func (o *checkOptions) register(cmd *cobra.Command, defaultExport []string) {
	fs := cmd.Flags()
	fs.StringArrayVar(&o.rules, "rule", nil, "evaluate only the rule with this `ID`; repeatable (the ids: cloudtrailcc rules)")
	fs.StringArrayVar(&o.statuses, "status", nil, "report only findings with this status: "+rules.StatusNames()+" (a suppressed alarm is a skip); repeatable")
	fs.StringVarP(&o.output, "output", "o", "table", "output format on stdout: table, csv, json, asff, ocsf, nunit3, junit, html, md")
	fs.StringArrayVar(&o.exports, "export", defaultExport, "also write the findings to FILE, format from its ending: .csv (Powerpipe CSV), .json, .asff.json (ASFF), .ocsf.json (OCSF), .nunit3.xml (NUnit3), .junit.xml (JUnit), .html (report), .md (Markdown); or give a format name (csv, json, asff, ocsf, nunit3, junit, html, md) for a file named as Powerpipe names it; repeatable")
	fs.StringVar(&o.failOn, "fail-on", "low", "exit 1 when an alarm has this severity or higher: low (any alarm), medium, high, critical, or none")
	fs.BoolVar(&o.wide, "wide", false, "in a terminal, print the table with every column at full width instead of fitting the terminal's width (a table written to a pipe or file is always wide)")
	fs.StringVar(&o.baseline, "baseline", "", "a JSON export of an earlier run: print the drift from it on stderr and exit 1 only on a new alarm at or above --fail-on")
}

// export is one --export destination.
type export struct {
	path   string
	format report.Format
}

// validate checks the flag values before any AWS call and opens the export
// destinations (see openExports); the caller discards them when done.
func (o *checkOptions) validate() (report.Format, exportFiles, error) {
	var ids []string
	for _, r := range rules.Catalogue() {
		ids = append(ids, r.ID)
	}
	for _, id := range o.rules {
		if !slices.Contains(ids, id) {
			return "", nil, usageError("unknown rule %q; valid rule ids: %s", id, strings.Join(ids, ", "))
		}
	}
	for _, s := range o.statuses {
		if _, err := rules.ParseStatus(s); err != nil {
			return "", nil, asUsage(err)
		}
	}
	if !slices.Contains(failOnChoices, o.failOn) {
		return "", nil, usageError("unknown --fail-on %q; valid values: %s", o.failOn, strings.Join(failOnChoices, ", "))
	}
	out, err := report.ParseFormat(o.output)
	if err != nil {
		return "", nil, asUsage(err)
	}
	var exports []export
	now := time.Now()
	for _, arg := range o.exports {
		path, f, err := report.ExportTarget(arg, benchmarkID, now)
		if err != nil {
			return "", nil, asUsage(err)
		}
		exports = append(exports, export{path, f})
	}
	files, err := openExports(exports)
	if err != nil {
		return "", nil, err
	}
	return out, files, nil
}

func newCheckCmd(g *globals) *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Evaluate the CloudTrail rules and print the findings",
		Long: `Evaluate the fourteen CloudTrail rules (or those given with --rule) through
the in-process plugin and print one finding per rule and resource.

--export FILE writes the findings too; the format follows the file name:
  .csv        Powerpipe's benchmark CSV layout (group_id, title, description,
              control_id, control_title, control_description, reason, resource,
              status, severity, account_id, region, then the tag columns)
  .json       JSON: benchmark, summary and every field of every finding
  .asff.json  AWS Security Finding Format, for securityhub batch-import-findings
  .ocsf.json  OCSF Compliance Finding events (class_uid 2003)
  .nunit3.xml NUnit3 XML in Powerpipe's layout (suites per benchmark and control)
  .junit.xml  JUnit XML: a test case per finding (alarm fails, error errors,
              skip is skipped)
  .html       one self-contained page: summary, chart by rule, filterable
              findings with evidence and remediation; prints to PDF
  .md         the summary and a table of alarms, for a pull-request comment
A bare format name (--export csv) writes
cloudtrailcc.benchmark.cloudtrail_best_practices.YYYYMMDDTHHMMSS.csv, as
Powerpipe names its exports.

Every --export destination is checked before AWS is called: its directory
must exist and be writable, and it must be a regular file or not exist (a
directory, FIFO, device, socket or symbolic link is refused; give the file
a link points to). The files are written beside their destinations and
renamed into place only when all were written, so a failure replaces none.
An existing file keeps its mode; a new one is created 0600.

--exceptions FILE (exceptions_file in a .spc) names accepted findings: an
alarm an unexpired entry matches is printed as skip, "suppressed until DATE
by OWNER: REASON (was: ...)", as the Powerpipe mod reports it, and fails
nothing; JSON, ASFF and OCSF keep it an alarm, marked suppressed.

--verify-logs also verifies log file integrity over --start-time to
--end-time (default the last 24 hours), as cloudtrailcc verify does, and adds
a "Log file integrity" section to the HTML report: the verdicts counted per
trail and account, every file not valid, every file verified. It reads
every log and digest file of the window from S3, so it needs an HTML
report (--output html or an .html export) and is never on by default.

A summary line goes to stderr. Exit codes: 0 no failing alarm and no rule
error, 1 an unsuppressed alarm at or above --fail-on (default low: any alarm),
or with --verify-logs a file modified, deleted, signed with an unknown key or
uncovered (unless --fail-on none), 2 usage,
configuration or credential error, 3 a rule could not be evaluated (a
finding with status error), or a file could not be verified, and no alarm
failed the run. Only the findings reported (after --rule and --status) count.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out, exports, err := o.validate()
			if err != nil {
				return err
			}
			defer exports.discard()
			if err := o.verify.validate(out, exports, time.Now().UTC()); err != nil {
				return err
			}
			baseline, err := loadBaseline(o.baseline)
			if err != nil {
				return err
			}
			r, err := g.checkLive(cmd, o)
			if err != nil {
				return err
			}
			if err := o.write(r, out, exports, cmd.OutOrStdout(), cmd.ErrOrStderr()); err != nil {
				return err
			}
			if baseline != nil {
				return worseExit(baselineExit(cmd.ErrOrStderr(), baseline, r.Findings, o.failOn), integrityExit(r, o.failOn))
			}
			return worseExit(o.exitCode(r), integrityExit(r, o.failOn))
		},
	}
	o.register(cmd, nil)
	o.verify = &checkVerify{}
	o.verify.register(cmd)
	return cmd
}

// noArgs rejects positional arguments with a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError("%s takes no arguments, got %q", cmd.CommandPath(), strings.Join(args, " "))
	}
	return nil
}

// checkLive runs the rules on the connection the flags describe.
func (g *globals) checkLive(cmd *cobra.Command, o *checkOptions) (*report.Report, error) {
	conn, err := g.connectionConfig()
	if err != nil {
		return nil, err
	}
	return g.check(cmd.Context(), conn, o, cmd.ErrOrStderr())
}

// check runs the rules on conn and returns the report.
func (g *globals) check(ctx context.Context, conn connection, o *checkOptions, stderr io.Writer) (*report.Report, error) {
	client, err := g.openClient(ctx, conn, stderr)
	if err != nil {
		return nil, err
	}
	defer client.Close()
	return g.checkWith(ctx, client, conn, o, stderr)
}

// checkWith runs the rules through client, the plugin opened with conn,
// and returns the report.
func (g *globals) checkWith(ctx context.Context, client *inproc.Client, conn connection, o *checkOptions, stderr io.Writer) (*report.Report, error) {
	bench, err := report.LoadBenchmark()
	if err != nil {
		return nil, err
	}
	n := len(o.rules)
	if n == 0 {
		n = len(rules.Catalogue())
	}
	var findings []report.Finding
	err = g.progress.status(stderr, fmt.Sprintf("evaluating %d rules", n), func() error {
		var err error
		findings, err = queryFindings(ctx, client, conn.name, o.rules, o.statuses)
		return err
	})
	if err != nil {
		return nil, err
	}
	r, err := report.New(bench, findings, time.Now(), version.Version)
	if err != nil {
		return nil, err
	}
	if o.verify != nil && o.verify.enabled {
		if err := o.verify.run(ctx, g, client, conn.name, r, stderr); err != nil {
			return nil, err
		}
	}
	// ASFF's region for account-level findings: the first configured region,
	// else the SDK's AWS_REGION, else us-east-1
	for _, region := range []string{conn.firstRegion(), os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION")} {
		if region != "" {
			r.DefaultRegion = region
			break
		}
	}
	return r, nil
}

// queryFindings reads cloudtrailcc_finding (only the rules and statuses
// asked for, as quals) and turns each row into a typed report.Finding with
// its rule's catalogue entry: the one place the CLI reads findings from
// rows. A query error means nothing could be read (no or invalid
// credentials, an unreachable endpoint): a setup error. A row the CLI
// cannot understand (an unknown rule or status) is an error too, never
// passed on.
func queryFindings(ctx context.Context, client *inproc.Client, conn string, ruleIDs, statuses []string) ([]report.Finding, error) {
	var quals []inproc.Qual
	if len(ruleIDs) > 0 {
		quals = append(quals, inproc.Qual{Column: "rule_id", Operator: "=", Value: ruleIDs})
	}
	if len(statuses) > 0 {
		// as the outputs show it: a suppressed alarm is a skip
		quals = append(quals, inproc.Qual{Column: "control_status", Operator: "=", Value: statuses})
	}
	schema, err := client.Schema(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the plugin schema: %w", err)
	}
	var columns []string
	for _, c := range schema["cloudtrailcc_finding"] {
		if c.Name != cloudtrailcc.FindingTagsColumn { // no rule reads tags
			columns = append(columns, c.Name)
		}
	}
	rows, err := client.Query(ctx, conn, "cloudtrailcc_finding", columns, quals)
	if err != nil {
		return nil, usageError("%s", cleanError(err, "cloudtrailcc_finding", conn))
	}
	out := make([]report.Finding, 0, len(rows))
	for _, row := range rows {
		f, err := findingOf(row)
		if err != nil {
			return nil, fmt.Errorf("reading cloudtrailcc_finding: %w", err)
		}
		out = append(out, f)
	}
	return out, nil
}

// findingOf is one row of cloudtrailcc_finding as a typed finding, joined
// with its rule's catalogue entry.
func findingOf(row inproc.Row) (report.Finding, error) {
	id := str(row["rule_id"])
	rule, ok := rules.Lookup(id)
	if !ok {
		return report.Finding{}, fmt.Errorf("a finding of unknown rule %q", id)
	}
	status, err := rules.ParseStatus(str(row["status"]))
	if err != nil {
		return report.Finding{}, fmt.Errorf("a finding of rule %s: %w", id, err)
	}
	return report.Finding{
		RuleID:             id,
		Status:             status,
		Severity:           str(row["severity"]),
		Reason:             str(row["reason"]),
		Resource:           str(row["resource"]),
		AccountID:          str(row["account_id"]),
		Region:             str(row["region"]),
		Partition:          str(row["partition"]),
		Evidence:           row["evidence"],
		Suppressed:         row["suppressed"] == true,
		SuppressionReason:  str(row["suppression_reason"]),
		SuppressionExpires: str(row["suppression_expires"]),
		SuppressionOwner:   str(row["suppression_owner"]),
		Title:              rule.Title,
		Description:        rule.Description,
		ConformityID:       rule.ConformityID,
		ConformityRisk:     rule.ConformityRisk,
		Remediation:        rule.Remediation,
		RemediationCLI:     rule.RemediationCLI,
		Related:            rule.Related,
		References:         rule.References,
	}, nil
}

// write prints r on stdout in format out, writes the export files and the
// summary line on stderr.
func (o *checkOptions) write(r *report.Report, out report.Format, exports exportFiles, stdout, stderr io.Writer) error {
	var err error
	if out == report.FormatTable {
		opts := report.TableOptions{Color: isTerminal(stdout)}
		if !o.wide {
			opts.Width = terminalWidth(stdout)
		}
		err = report.WriteTable(stdout, r, opts)
	} else {
		err = report.Write(stdout, r, out)
	}
	if err != nil {
		return err
	}
	if err := exports.commit(r, stderr); err != nil {
		return err
	}
	for _, line := range accountSummaries(r) {
		fmt.Fprintln(stderr, line)
	}
	fmt.Fprintln(stderr, "summary: "+r.Summary().String())
	if r.Integrity != nil {
		fmt.Fprintln(stderr, integritySummary(r))
	}
	return nil
}

// exitCode is the run's exit code: 1 when an alarm reaches --fail-on, else
// 3 when a rule errored, else 0. A suppressed alarm fails nothing.
func (o *checkOptions) exitCode(r *report.Report) error {
	threshold := report.SeverityRank(o.failOn) // -1 for none
	failing, errored := 0, 0
	for _, f := range r.Findings {
		switch {
		case f.Status == rules.StatusAlarm && !f.Suppressed && threshold >= 0 && report.SeverityRank(f.Severity) >= threshold:
			failing++
		case f.Status == rules.StatusError:
			errored++
		}
	}
	switch {
	case failing > 0:
		return &exitError{code: exitAlarm}
	case errored > 0:
		return &exitError{code: exitRuleError}
	}
	return nil
}

// str is v as a string ("" for NULL).
func str(v any) string {
	if v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// accountSummaries are the per-account summary lines of a report that
// spans several accounts (an organization audit), sorted by account; none
// for a single account.
func accountSummaries(r *report.Report) []string {
	byAccount := map[string][]report.Finding{}
	for _, f := range r.Findings {
		byAccount[f.AccountID] = append(byAccount[f.AccountID], f)
	}
	if len(byAccount) < 2 {
		return nil
	}
	var out []string
	for _, id := range slices.Sorted(maps.Keys(byAccount)) {
		sub := *r
		sub.Findings = byAccount[id]
		out = append(out, "account "+escape.Line(id)+": "+sub.Summary().String())
	}
	return out
}
