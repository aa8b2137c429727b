package report

import (
	"fmt"
	"io"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
)

// TableOptions tunes the terminal table.
type TableOptions struct {
	// ReasonWidth and ResourceWidth wrap those columns (0 = 72 and 64).
	ReasonWidth, ResourceWidth int
	// Color colours the status column (for terminals).
	Color bool
}

// statusColors colour the status cell when TableOptions.Color is set.
var statusColors = map[rules.Status]text.Colors{
	"ok":    {text.FgGreen},
	"alarm": {text.FgRed, text.Bold},
	"info":  {text.FgCyan},
	"skip":  {text.FgHiBlack},
	"error": {text.FgMagenta, text.Bold},
}

// WriteTable writes the findings as a terminal table, one row per finding
// grouped by benchmark and rule: GROUP, RULE, STATUS, SEVERITY, RESOURCE,
// REASON.
//
// A suppressed alarm is shown as its control reports it (Report.Outcomes).
func WriteTable(w io.Writer, r *Report, o TableOptions) error {
	r = r.Outcomes()
	if o.ReasonWidth == 0 {
		o.ReasonWidth = 72
	}
	if o.ResourceWidth == 0 {
		o.ResourceWidth = 64
	}
	t := table.NewWriter()
	t.SetStyle(table.StyleLight)
	t.AppendHeader(table.Row{"Group", "Rule", "Status", "Severity", "Resource", "Reason"})
	// Repeated group and rule cells are left blank by hand: go-pretty's
	// AutoMerge drops the extra lines of wrapped cells in the same row.
	var lastGroup, lastRule string
	for _, f := range r.Findings {
		c, _ := r.Benchmark.Control(f.RuleID)
		status := string(f.Status)
		if o.Color {
			if col, ok := statusColors[f.Status]; ok {
				status = col.Sprint(status)
			}
		}
		group, rule := c.GroupTitle, f.RuleID
		if group == lastGroup {
			group = ""
			if rule == lastRule {
				rule = ""
			}
		}
		lastGroup, lastRule = c.GroupTitle, f.RuleID
		t.AppendRow(table.Row{group, rule, status, f.Severity,
			text.WrapHard(f.Resource, o.ResourceWidth), text.WrapSoft(f.Reason, o.ReasonWidth)})
	}
	if _, err := fmt.Fprintln(w, t.Render()); err != nil {
		return fmt.Errorf("writing the table: %w", err)
	}
	return nil
}
