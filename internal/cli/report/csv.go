package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/escape"
)

// CSVHeader returns the CSV header of the benchmark: Powerpipe v1.5.2's
// control CSV columns (group_id, title, description, control_id,
// control_title, control_description, reason, resource, status, severity),
// then the dimension columns, then the tag columns.
func (b *Benchmark) CSVHeader() []string {
	h := []string{"group_id", "title", "description", "control_id", "control_title",
		"control_description", "reason", "resource", "status", "severity"}
	h = append(h, b.DimensionKeys()...)
	return append(h, b.TagKeys...)
}

// WriteCSV writes the report as Powerpipe's benchmark CSV export does
// (templates/csv/output.tmpl): a header line, then one line per finding,
// each cell escaped on its own with encoding/csv and trimmed, cells joined
// by commas, lines ended by "\n". Tag cells a control lacks are empty.
// Cells are escaped by escape.CSVCell: as Powerpipe does for ordinary
// values; control characters are shown escaped and a cell a spreadsheet
// would take for a formula starts with a single quote.
//
// A suppressed alarm is shown as its control reports it (Report.Outcomes).
func WriteCSV(w io.Writer, r *Report) error {
	r = r.Outcomes()
	b := r.Benchmark
	var out strings.Builder
	writeLine(&out, b.CSVHeader())
	for _, f := range r.Findings {
		c, _ := b.Control(f.RuleID)
		line := []string{c.GroupID, c.GroupTitle, c.GroupDescription, c.ControlID, c.Title, c.Description,
			f.Reason, f.Resource, f.Status, c.Severity}
		for _, d := range b.Dimensions {
			line = append(line, f.dimension(d))
		}
		for _, k := range b.TagKeys {
			line = append(line, c.Tags[k])
		}
		writeLine(&out, line)
	}
	if _, err := io.WriteString(w, out.String()); err != nil {
		return fmt.Errorf("writing CSV: %w", err)
	}
	return nil
}

// writeLine appends one CSV line of cells.
func writeLine(out *strings.Builder, cells []string) {
	for i, c := range cells {
		if i > 0 {
			out.WriteByte(',')
		}
		out.WriteString(escape.CSVCell(c))
	}
	out.WriteByte('\n')
}
