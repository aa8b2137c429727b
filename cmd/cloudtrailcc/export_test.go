package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
)

// TestExportRowsSortByPrintedColumns: export orders rows by the printed
// columns left to right, numbers by value (9 before 10), nulls first and
// times by instant, so the same facts always give the same file.
func TestExportRowsSortByPrintedColumns(t *testing.T) {
	cols := []inproc.Column{{Name: "region", Type: "STRING"}, {Name: "count", Type: "INT"}, {Name: "at", Type: "TIMESTAMP"}}
	t0 := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	rows := []inproc.Row{
		{"region": "us-east-1", "count": int64(10), "at": t0},
		{"region": "eu-west-1", "count": int64(9), "at": t0.Add(time.Hour)},
		{"region": "us-east-1", "count": int64(9), "at": t0},
		{"region": nil, "count": int64(1), "at": t0},
		{"region": "eu-west-1", "count": int64(9), "at": t0},
	}
	sortRows(cols, rows)
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%v/%v/%s", r["region"], r["count"], r["at"].(time.Time).Format("15")))
	}
	want := []string{"<nil>/1/00", "eu-west-1/9/00", "eu-west-1/9/01", "us-east-1/9/00", "us-east-1/10/00"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("order = %v, want %v", got, want)
	}
}
