package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/escape"
)

// TableOptions tunes the terminal table.
type TableOptions struct {
	// Width is the terminal's width in columns: the table is laid out so
	// that no line is wider (columns dropped, the rule id, resource and
	// reason wrapped). 0 is the wide layout: every column, wrapped at
	// ReasonWidth and ResourceWidth.
	Width int
	// ReasonWidth and ResourceWidth wrap those columns in the wide layout
	// (0 = 72 and 64).
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

// tableLayout is which columns the table shows and how wide the wrapped
// ones are.
type tableLayout struct {
	group, severity                       bool
	ruleWidth, resourceWidth, reasonWidth int
}

// Narrowest widths of the wrapped columns in a fitted layout: below them a
// resource or a reason is no longer readable, so the layout drops a column
// first.
const (
	minResourceWidth = 20
	minReasonWidth   = 20
	minRuleWidth     = 12
)

// wideLayout is the layout without a width to fit: every column.
func wideLayout(o TableOptions) tableLayout {
	l := tableLayout{group: true, severity: true, resourceWidth: o.ResourceWidth, reasonWidth: o.ReasonWidth}
	if l.reasonWidth == 0 {
		l.reasonWidth = 72
	}
	if l.resourceWidth == 0 {
		l.resourceWidth = 64
	}
	return l
}

// fitLayout chooses the layout of r's findings for a terminal of width
// columns: every column when they fit; else without the group (the rule id
// says it), then without the severity, then with the rule id wrapped at its
// underscores. Status, rule and resource stay; the reason takes what is left.
func fitLayout(r *Report, width int) tableLayout {
	ruleW, statusW, groupW := len("Rule"), len("Status"), len("Group")
	resourceW, reasonW := len("Resource"), len("Reason")
	for _, f := range r.Findings {
		c, _ := r.Benchmark.Control(f.RuleID)
		ruleW = max(ruleW, text.RuneWidthWithoutEscSequences(f.RuleID))
		statusW = max(statusW, text.RuneWidthWithoutEscSequences(f.Status))
		groupW = max(groupW, text.RuneWidthWithoutEscSequences(c.GroupTitle))
		resourceW = max(resourceW, text.RuneWidthWithoutEscSequences(f.Resource))
		reasonW = max(reasonW, text.RuneWidthWithoutEscSequences(f.Reason))
	}
	const severityW = len("Severity")
	candidates := []tableLayout{
		{group: true, severity: true, ruleWidth: ruleW},
		{severity: true, ruleWidth: ruleW},
		{ruleWidth: ruleW},
		{ruleWidth: min(ruleW, minRuleWidth)},
	}
	var l tableLayout
	for _, l = range candidates {
		cols, fixed := 4, l.ruleWidth+statusW // rule, status, resource, reason
		if l.group {
			cols, fixed = cols+1, fixed+groupW
		}
		if l.severity {
			cols, fixed = cols+1, fixed+severityW
		}
		// StyleLight: "│ " before the first cell, " │ " between cells, " │" after the last.
		avail := width - (3*cols + 1) - fixed
		if avail < minResourceWidth+minReasonWidth && l.ruleWidth > minRuleWidth {
			continue
		}
		// The resource takes up to 45% (ARNs are long), the reason the rest.
		l.resourceWidth = min(resourceW, max(minResourceWidth, avail*45/100))
		l.reasonWidth = max(minReasonWidth, min(reasonW, avail-l.resourceWidth))
		if l.resourceWidth+l.reasonWidth <= avail || l.ruleWidth <= minRuleWidth {
			break
		}
	}
	return l
}

// WriteTable writes the findings as a terminal table, one row per finding
// grouped by benchmark and rule: GROUP, RULE, STATUS, SEVERITY, RESOURCE,
// REASON. With TableOptions.Width it fits that many columns (fitLayout).
//
// A suppressed alarm is shown as its control reports it (Report.Outcomes).
// Control characters in the findings are shown escaped (escape.Terminal):
// ESC from an AWS value cannot recolour or move the terminal.
func WriteTable(w io.Writer, r *Report, o TableOptions) error {
	r = r.Outcomes().escaped(escape.Terminal)
	l := wideLayout(o)
	if o.Width > 0 {
		l = fitLayout(r, o.Width)
	}
	t := table.NewWriter()
	t.SetStyle(table.StyleLight)
	if o.Width > 0 {
		// A last guard: a cell wider than its column is cut with "~",
		// never wrapped onto the next terminal line.
		t.SetAllowedRowLength(o.Width)
	}
	t.AppendHeader(l.row("Group", "Rule", "Status", "Severity", "Resource", "Reason"))
	// Repeated group and rule cells are left blank by hand: go-pretty's
	// AutoMerge drops the extra lines of wrapped cells in the same row.
	var lastGroup, lastRule string
	for _, f := range r.Findings {
		c, _ := r.Benchmark.Control(f.RuleID)
		status := f.Status
		if o.Color {
			if col, ok := statusColors[status]; ok {
				status = col.Sprint(status)
			}
		}
		group, rule := c.GroupTitle, f.RuleID
		if group == lastGroup || !l.group {
			group = ""
			if rule == lastRule {
				rule = ""
			}
		}
		lastGroup, lastRule = c.GroupTitle, f.RuleID
		if l.ruleWidth > 0 {
			rule = wrapID(rule, l.ruleWidth)
		}
		t.AppendRow(l.row(group, rule, status, f.Severity,
			text.WrapHard(f.Resource, l.resourceWidth), text.WrapSoft(f.Reason, l.reasonWidth)))
	}
	if _, err := fmt.Fprintln(w, t.Render()); err != nil {
		return fmt.Errorf("writing the table: %w", err)
	}
	return nil
}

// row is the table row of the layout's columns.
func (l tableLayout) row(group, rule, status, severity, resource, reason string) table.Row {
	row := table.Row{}
	if l.group {
		row = append(row, group)
	}
	row = append(row, rule, status)
	if l.severity {
		row = append(row, severity)
	}
	return append(row, resource, reason)
}

// wrapID wraps a rule id at most width wide, breaking after underscores
// where it can ("duplicate_global_" / "events") and hard where it cannot.
func wrapID(id string, width int) string {
	if len(id) <= width {
		return id
	}
	var lines []string
	line := ""
	for _, part := range strings.SplitAfter(id, "_") {
		if line != "" && len(line)+len(part) > width {
			lines = append(lines, line)
			line = ""
		}
		line += part
	}
	lines = append(lines, line)
	return text.WrapHard(strings.Join(lines, "\n"), width)
}
