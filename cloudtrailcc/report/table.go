package report

import (
	"fmt"
	"io"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"
)

// TableOptions tunes the terminal table.
type TableOptions struct {
	// ReasonWidth and ResourceWidth wrap those columns (0 = 72 and 64).
	ReasonWidth, ResourceWidth int
	// Color colours the status column (for terminals).
	Color bool
}

// statusColors colour the status cell when TableOptions.Color is set.
var statusColors = map[string]text.Colors{
	"ok":    {text.FgGreen},
	"alarm": {text.FgRed, text.Bold},
	"info":  {text.FgCyan},
	"skip":  {text.FgHiBlack},
	"error": {text.FgMagenta, text.Bold},
}

// WriteTable writes the findings as a terminal table, one row per finding
// grouped by benchmark and rule: GROUP, RULE, STATUS, SEVERITY, RESOURCE,
// REASON.
func WriteTable(w io.Writer, r *Report, o TableOptions) error {
	if o.ReasonWidth == 0 {
		o.ReasonWidth = 72
	}
	if o.ResourceWidth == 0 {
		o.ResourceWidth = 64
	}
	t := table.NewWriter()
	t.SetStyle(table.StyleLight)
	t.AppendHeader(table.Row{"Group", "Rule", "Status", "Severity", "Resource", "Reason"})
	t.SetColumnConfigs([]table.ColumnConfig{
		{Number: 1, AutoMerge: true},
		{Number: 2, AutoMerge: true},
	})
	for _, f := range r.Findings {
		c, _ := r.Benchmark.Control(f.RuleID)
		status := f.Status
		if o.Color {
			if col, ok := statusColors[status]; ok {
				status = col.Sprint(status)
			}
		}
		// wrapped here: go-pretty's soft wrapping does not mix with AutoMerge
		t.AppendRow(table.Row{c.GroupTitle, f.RuleID, status, f.Severity,
			text.WrapHard(f.Resource, o.ResourceWidth), text.WrapSoft(f.Reason, o.ReasonWidth)})
	}
	if _, err := fmt.Fprintln(w, t.Render()); err != nil {
		return fmt.Errorf("writing the table: %w", err)
	}
	return nil
}
