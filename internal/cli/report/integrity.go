package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"
)

// IntegrityRow is one verdict of a log file integrity verification: a row
// of cloudtrailcc_log_integrity.
type IntegrityRow struct {
	TrailARN      string     `json:"trail_arn"`
	AccountID     string     `json:"account_id"`
	Region        string     `json:"region"`
	Kind          string     `json:"kind"`
	Status        string     `json:"status"`
	ControlStatus string     `json:"control_status"`
	Detail        string     `json:"detail,omitempty"`
	Bucket        string     `json:"bucket"`
	Key           string     `json:"object_key,omitempty"`
	DigestKey     string     `json:"digest_key,omitempty"`
	PeriodStart   *time.Time `json:"period_start,omitempty"`
	PeriodEnd     *time.Time `json:"period_end,omitempty"`
}

// What names the row's file (s3://bucket/key) or, for a gap, its span.
func (r IntegrityRow) What() string {
	if r.Key != "" {
		return "s3://" + r.Bucket + "/" + r.Key
	}
	span := func(t *time.Time) string {
		if t == nil {
			return "?"
		}
		return t.UTC().Format(time.RFC3339)
	}
	return span(r.PeriodStart) + " to " + span(r.PeriodEnd)
}

// IntegrityFormats are the formats WriteIntegrity writes.
var IntegrityFormats = []Format{FormatTable, FormatCSV, FormatJSON, FormatMarkdown, FormatHTML}

// integrityHead is the column list of the CSV, table and Markdown outputs.
var integrityHead = []string{"status", "kind", "account_id", "region", "file", "detail", "trail_arn", "digest_key"}

// cells are the row's columns for CSV, Markdown and HTML, control
// characters shown as escapes (JSON keeps values exact, escaped its way).
func (r IntegrityRow) cells() []string {
	out := []string{r.Status, r.Kind, r.AccountID, r.Region, r.What(), r.Detail, r.TrailARN, r.DigestKey}
	for i := range out {
		out[i] = terminalSafe(out[i])
	}
	return out
}

// terminalSafe shows control characters (an object key may hold any) as
// Go escapes, so nothing in a row can drive the terminal.
func terminalSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) || r == unicode.ReplacementChar || (r >= 0x200b && r <= 0x200f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// WriteIntegrity writes verification rows, in the order given, as
// Integrity.Write does (without a window).
func WriteIntegrity(w io.Writer, rows []IntegrityRow, f Format) error {
	return Integrity{Rows: rows}.Write(w, f)
}

// Write writes the verification's rows, in their order, as a terminal
// table (with a summary line), CSV, JSON, Markdown, or an HTML page
// holding the log file integrity section of the check report (the window,
// counts per trail and account, the files not valid and every file).
func (v Integrity) Write(w io.Writer, f Format) error {
	rows := v.Rows
	switch f {
	case FormatJSON:
		if rows == nil {
			rows = []IntegrityRow{}
		}
		b, err := json.MarshalIndent(map[string]any{"results": rows, "summary": IntegritySummaryOf(rows)}, "", "  ")
		if err != nil {
			return fmt.Errorf("encoding the results: %w", err)
		}
		_, err = fmt.Fprintln(w, string(b))
		return err
	case FormatCSV:
		var out strings.Builder
		writeLine(&out, integrityHead)
		for _, r := range rows {
			writeLine(&out, r.cells())
		}
		_, err := io.WriteString(w, out.String())
		return err
	case FormatMarkdown:
		var out strings.Builder
		s := IntegritySummaryOf(rows)
		fmt.Fprintf(&out, "# CloudTrail log file integrity\n\n%s\n\n", MarkdownEscape(s.String()))
		var cells [][]string
		for _, r := range rows {
			cells = append(cells, r.cells())
		}
		mdTable(&out, integrityHead, cells, false)
		_, err := io.WriteString(w, out.String())
		return err
	case FormatHTML:
		return writeIntegrityPage(w, v)
	case FormatTable:
		t := table.NewWriter()
		t.SetStyle(table.StyleLight)
		t.AppendHeader(table.Row{"Status", "Kind", "Account", "Region", "File", "Detail"})
		for _, r := range rows {
			t.AppendRow(table.Row{r.Status, r.Kind, r.AccountID, r.Region,
				text.WrapHard(terminalSafe(r.What()), 80), text.WrapSoft(terminalSafe(r.Detail), 60)})
		}
		_, err := fmt.Fprintf(w, "%s\n%s\n", t.Render(), IntegritySummaryOf(rows))
		return err
	}
	return fmt.Errorf("log file integrity cannot be written as %s; formats: %s", f, formatList(IntegrityFormats))
}

// IntegritySummary counts verdicts as validate-logs does: valid and not
// valid digest and log files, and the gaps.
type IntegritySummary struct {
	Digests        int `json:"digest_files"`
	DigestsValid   int `json:"digest_files_valid"`
	Logs           int `json:"log_files"`
	LogsValid      int `json:"log_files_valid"`
	Gaps           int `json:"gaps"`
	GapsNotIntact  int `json:"gaps_deleted_or_error"`
	NotIntactTotal int `json:"not_intact"`
}

// IntegritySummaryOf counts rows.
func IntegritySummaryOf(rows []IntegrityRow) IntegritySummary {
	var s IntegritySummary
	for _, r := range rows {
		ok := r.Status == "valid"
		switch r.Kind {
		case "digest":
			s.Digests++
			if ok {
				s.DigestsValid++
			}
		case "log":
			s.Logs++
			if ok {
				s.LogsValid++
			}
		case "gap":
			s.Gaps++
			if r.Status != "not_found" {
				s.GapsNotIntact++
			}
		}
		if !ok && r.Status != "not_found" {
			s.NotIntactTotal++
		}
	}
	return s
}

// String is the summary line.
func (s IntegritySummary) String() string {
	return fmt.Sprintf("%d/%d digest files valid, %d/%d log files valid, %d gaps (%d deleted or unreadable)",
		s.DigestsValid, s.Digests, s.LogsValid, s.Logs, s.Gaps, s.GapsNotIntact)
}
