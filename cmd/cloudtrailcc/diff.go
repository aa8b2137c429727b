package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/drift"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/report"
)

func newDiffCmd() *cobra.Command {
	var output, failOn string
	cmd := &cobra.Command{
		Use:   "diff OLD.json NEW.json",
		Short: "Compare two JSON exports: new, resolved and changed findings",
		Long: `Compare two JSON exports of check (--export x.json) and print the findings
that are new, resolved, or changed status or reason, grouped by rule and
account. A finding is identified by account, rule, resource and region (and
its reason, where one rule reports one resource several times). An alarm an
exception suppresses compares as the skip its control reports.

OLD and NEW must each be a regular file (a symbolic link is followed to
one) of at most 256 MiB whose JSON nests at most 64 levels; a FIFO, device,
directory or socket is refused before it is read. The same holds for check
--baseline and remediate --from.

Exit codes: 0 no regression, 1 a new alarm (a new finding in alarm, or a
status changed to alarm) at or above --fail-on, 2 usage error or an
unreadable export. Alarms already in OLD never fail the run.`,
		Example: `  cloudtrailcc check --export baseline.json
  cloudtrailcc check --export today.json
  cloudtrailcc diff baseline.json today.json --fail-on high --output md`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usageError("diff needs two JSON exports, OLD and NEW; got %d arguments", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(drift.Formats, output) {
				return usageError("unknown output format %q; valid formats: %s", output, strings.Join(drift.Formats, ", "))
			}
			if !slices.Contains(failOnChoices, failOn) {
				return usageError("unknown --fail-on %q; valid values: %s", failOn, strings.Join(failOnChoices, ", "))
			}
			old, err := drift.Load(args[0])
			if err != nil {
				return asUsage(fmt.Errorf("diff OLD: %w", err))
			}
			cur, err := drift.Load(args[1])
			if err != nil {
				return asUsage(fmt.Errorf("diff NEW: %w", err))
			}
			if err := drift.Write(cmd.OutOrStdout(), drift.Compare(old, cur), report.SeverityRank(failOn), output); err != nil {
				return err
			}
			return driftExit(cmd.ErrOrStderr(), old, cur, failOn)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: "+strings.Join(drift.Formats, ", "))
	cmd.Flags().StringVar(&failOn, "fail-on", "low", "exit 1 when a new alarm has this severity or higher: low, medium, high, critical, or none")
	return cmd
}

// loadBaseline reads check's --baseline export (nil when none is given).
func loadBaseline(path string) ([]report.Finding, error) {
	if path == "" {
		return nil, nil
	}
	old, err := drift.Load(path)
	if err != nil {
		return nil, asUsage(fmt.Errorf("--baseline: %w", err))
	}
	return old, nil
}

// baselineExit is check --baseline's ending: the table of changes from
// the baseline and the summary line on w, exit 1 on a new alarm at or
// above failOn.
func baselineExit(w io.Writer, old, cur []report.Finding, failOn string) error {
	if err := drift.Write(w, drift.Compare(old, cur), report.SeverityRank(failOn), "table"); err != nil {
		return err
	}
	return driftExit(w, old, cur, failOn)
}

// driftExit prints the drift summary line on w and returns exit 1 when a
// new alarm reaches failOn.
func driftExit(w io.Writer, old, cur []report.Finding, failOn string) error {
	threshold := report.SeverityRank(failOn)
	changes := drift.Compare(old, cur)
	s := drift.Summarize(changes, threshold)
	fmt.Fprintln(w, "drift: "+s.String())
	if s.Regressions > 0 {
		return &exitError{code: exitAlarm}
	}
	return nil
}
