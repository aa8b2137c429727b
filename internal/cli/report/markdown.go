package report

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/escape"
)

// WriteMarkdown writes the report as GitHub-flavoured Markdown fit for a
// pull-request comment: the summary line, findings by status, alarms by
// severity, a table by account when several accounts were audited, and a
// table of the alarms (highest severity first). Every cell is escaped: a
// pipe, a backslash, Markdown or HTML syntax in a reason stays text.
//
// A suppressed alarm is shown as its control reports it (Report.Outcomes).
func WriteMarkdown(w io.Writer, r *Report) error {
	r = r.Outcomes()
	o := OverviewOf(r)
	var b strings.Builder
	fmt.Fprintf(&b, "## %s\n\n", MarkdownEscape(r.Benchmark.Title))
	fmt.Fprintf(&b, "%s\n\n", MarkdownEscape(o.Counts.String()))
	fmt.Fprintf(&b, "Generated %s by cloudtrailcc %s.\n\n", r.Time.Format("2006-01-02 15:04:05 UTC"), MarkdownEscape(r.Version))

	var statusHead, statusCells []string
	for _, t := range o.Statuses {
		statusHead = append(statusHead, t.Label)
		statusCells = append(statusCells, strconv.Itoa(t.N))
	}
	b.WriteString("### Findings by status\n\n")
	mdTable(&b, statusHead, [][]string{statusCells}, true)

	var sevHead, sevCells []string
	for _, t := range o.Severities {
		sevHead = append(sevHead, t.Label)
		sevCells = append(sevCells, strconv.Itoa(t.N))
	}
	b.WriteString("### Alarms by severity\n\n")
	mdTable(&b, sevHead, [][]string{sevCells}, true)

	if o.MultiAccount() {
		var rows [][]string
		for _, a := range o.Accounts {
			row := []string{a.Key}
			for _, n := range a.ByStatus {
				row = append(row, strconv.Itoa(n))
			}
			rows = append(rows, append(row, strconv.Itoa(a.Total)))
		}
		b.WriteString("### Findings by account\n\n")
		mdTable(&b, append(append([]string{"account"}, Statuses...), "total"), rows, false)
	}

	alarms := alarmsBySeverity(r)
	fmt.Fprintf(&b, "### Alarms (%d)\n\n", len(alarms))
	if len(alarms) == 0 {
		b.WriteString("No alarms.\n")
	} else {
		var rows [][]string
		for _, f := range alarms {
			rows = append(rows, []string{f.Severity, f.RuleID, f.AccountID, f.Region, f.Resource, f.Reason})
		}
		mdTable(&b, []string{"severity", "rule", "account", "region", "resource", "reason"}, rows, false)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("writing Markdown: %w", err)
	}
	return nil
}

// alarmsBySeverity returns the report's alarms, highest severity first,
// otherwise in report order.
func alarmsBySeverity(r *Report) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Status == "alarm" {
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b Finding) int { return SeverityRank(b.Severity) - SeverityRank(a.Severity) })
	return out
}

// mdTable writes a Markdown table; numeric right-aligns every column.
func mdTable(b *strings.Builder, head []string, rows [][]string, numeric bool) {
	sep := "---"
	if numeric {
		sep = "---:"
	}
	line := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" " + MarkdownEscape(c) + " |")
		}
		b.WriteString("\n")
	}
	line(head)
	b.WriteString("|" + strings.Repeat(" "+sep+" |", len(head)) + "\n")
	for _, r := range rows {
		line(r)
	}
	b.WriteString("\n")
}

// MarkdownEscape makes s one line of literal Markdown text, safe in a
// table cell (escape.Markdown).
func MarkdownEscape(s string) string { return escape.Markdown(s) }
