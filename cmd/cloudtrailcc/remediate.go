package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/drift"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/remediate"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/report"
)

func newRemediateCmd(g *globals) *cobra.Command {
	var from, format string
	var ruleIDs []string
	cmd := &cobra.Command{
		Use:   "remediate",
		Short: "Write a fix plan for the alarms (AWS CLI script or Terraform); nothing is applied",
		Long: `Write a plan that fixes the alarms of a check, for a human to review and run:
for each alarm the AWS CLI commands with the real trail, bucket, key, topic,
log group, region and account filled in, ordered so that what a step needs
is created first (the access-log bucket before bucket logging, the KMS key
before the trail uses it, the log group and role before the trail's
CloudWatch Logs settings), each step saying what it changes and what it
costs. Steps only a person can take (the root user's MFA Delete, reviewing
a configuration change) are written commented out.

The findings come from a live check (the same connection flags as check)
or from a JSON export of check (--from FILE.json). remediate only reads:
it never calls an AWS API that changes anything.

--format bash (default) writes a bash script (set -euo pipefail) whose aws
calls take extra options from CLOUDTRAILCC_AWS_ARGS; --format terraform
writes the equivalent Terraform resources and arguments, and lists the
steps that have none.`,
		Example: `  cloudtrailcc remediate --profile audit > fix.sh
  cloudtrailcc check --export findings.json
  cloudtrailcc remediate --from findings.json --format terraform > fix.tf`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !slices.Contains(remediate.Formats, format) {
				return usageError("unknown --format %q; valid formats: %s", format, strings.Join(remediate.Formats, ", "))
			}
			// every rule is evaluated: the findings of the others tell the
			// plan about the trails (their buckets, selectors, settings)
			if _, files, err := (&checkOptions{rules: ruleIDs, failOn: "none", output: "table"}).validate(); err != nil {
				return err
			} else {
				files.discard()
			}
			var findings []report.Finding
			if from != "" {
				var err error
				if findings, err = drift.Load(from); err != nil {
					return asUsage(fmt.Errorf("--from: %w", err))
				}
			} else {
				r, err := g.checkLive(cmd, &checkOptions{failOn: "none", output: "table"})
				if err != nil {
					return err
				}
				findings = r.Findings
			}
			plan, err := remediate.Build(findings, ruleIDs...)
			if err != nil {
				return asUsage(err)
			}
			if err := remediate.Write(cmd.OutOrStdout(), plan, format); err != nil {
				return err
			}
			fmt.Fprintln(cmd.ErrOrStderr(), "plan: "+plan.Summary()+"; nothing was applied")
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&from, "from", "", "plan from this JSON export of check instead of a live check")
	fs.StringVar(&format, "format", "bash", "plan format: "+strings.Join(remediate.Formats, ", "))
	fs.StringArrayVar(&ruleIDs, "rule", nil, "plan only the alarms of this rule id (every rule is still read for what it tells about the trails); repeatable")
	return cmd
}
