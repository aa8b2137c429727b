package drift

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/escape"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/report"
)

// Formats are the output formats of a diff.
var Formats = []string{"table", "json", "md"}

// Summary counts the changes by kind and the regressions.
type Summary struct {
	New           int `json:"new"`
	Resolved      int `json:"resolved"`
	StatusChanged int `json:"status_changed"`
	ReasonChanged int `json:"reason_changed"`
	// Regressions are the new alarms at or above the --fail-on severity.
	Regressions int `json:"regressions"`
}

// Summarize counts changes; threshold is the regression severity rank.
func Summarize(changes []Change, threshold int) Summary {
	var s Summary
	for _, c := range changes {
		switch c.Kind {
		case New:
			s.New++
		case Resolved:
			s.Resolved++
		case StatusChanged:
			s.StatusChanged++
		case ReasonChanged:
			s.ReasonChanged++
		}
		if c.Regression(threshold) {
			s.Regressions++
		}
	}
	return s
}

// String is the one-line summary.
func (s Summary) String() string {
	return fmt.Sprintf("%d new, %d resolved, %d changed status, %d changed reason; %d new alarms at or above --fail-on",
		s.New, s.Resolved, s.StatusChanged, s.ReasonChanged, s.Regressions)
}

// Write writes the changes in format (table, json or md).
func Write(w io.Writer, changes []Change, threshold int, format string) error {
	var err error
	switch format {
	case "json":
		err = writeJSON(w, changes, threshold)
	case "md":
		err = writeMarkdown(w, changes, threshold)
	case "table":
		err = writeTable(w, changes, threshold)
	default:
		return fmt.Errorf("unknown output format %q; valid formats: %s", format, strings.Join(Formats, ", "))
	}
	if err != nil {
		return fmt.Errorf("writing the diff: %w", err)
	}
	return nil
}

func writeJSON(w io.Writer, changes []Change, threshold int) error {
	if changes == nil {
		changes = []Change{}
	}
	type regressed struct {
		Change
		Regression bool `json:"regression"`
	}
	doc := struct {
		Summary Summary     `json:"summary"`
		Changes []regressed `json:"changes"`
	}{Summary: Summarize(changes, threshold), Changes: []regressed{}}
	for _, c := range changes {
		doc.Changes = append(doc.Changes, regressed{c, c.Regression(threshold)})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}

// cells are a change's columns: rule, account, kind, severity, resource
// (and region), status (old -> new), reason (old -> new).
func cells(c Change) []string {
	res := c.Resource
	if c.Region != "" {
		res += " (" + c.Region + ")"
	}
	status := arrow(c.OldStatus, c.NewStatus)
	reason := c.NewReason
	switch c.Kind {
	case Resolved:
		reason = c.OldReason
	case ReasonChanged, StatusChanged:
		if c.OldReason != c.NewReason {
			reason = "was: " + c.OldReason + " / now: " + c.NewReason
		}
	}
	return []string{c.RuleID, c.AccountID, string(c.Kind), c.Severity, res, status, reason}
}

// arrow is "old -> new", with "-" for a missing side.
func arrow(old, cur string) string {
	if old == "" {
		old = "-"
	}
	if cur == "" {
		cur = "-"
	}
	return old + " -> " + cur
}

var header = []string{"rule", "account", "change", "severity", "resource", "status", "reason"}

func writeTable(w io.Writer, changes []Change, threshold int) error {
	t := table.NewWriter()
	t.SetStyle(table.StyleLight)
	var h table.Row
	for _, c := range header {
		h = append(h, c)
	}
	t.AppendHeader(h)
	for _, c := range changes {
		var row table.Row
		for i, v := range cells(c) {
			v = escape.Terminal(v) // values from the compared files
			if i == 6 {
				v = text.WrapSoft(v, 72)
			}
			row = append(row, v)
		}
		t.AppendRow(row)
	}
	_, err := fmt.Fprintf(w, "%s\n%s\n", t.Render(), Summarize(changes, threshold))
	return err
}

func writeMarkdown(w io.Writer, changes []Change, threshold int) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### Drift\n\n%s\n\n", report.MarkdownEscape(Summarize(changes, threshold).String()))
	if len(changes) > 0 {
		line := func(cs []string) {
			b.WriteString("|")
			for _, c := range cs {
				b.WriteString(" " + report.MarkdownEscape(c) + " |")
			}
			b.WriteString("\n")
		}
		line(header)
		b.WriteString("|" + strings.Repeat(" --- |", len(header)) + "\n")
		for _, c := range changes {
			line(cells(c))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
