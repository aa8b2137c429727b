package report

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/escape"
)

// htmlTemplate is the page: styles and script inline, nothing fetched.
//
//go:embed html.tmpl
var htmlTemplate string

var htmlPageTemplate = template.Must(template.Must(template.New("report").Parse(htmlTemplate)).Parse(integrityTemplate))

// htmlPage is what the HTML template renders.
type htmlPage struct {
	Title, Benchmark, Generated, Version string
	Overview                             Overview
	Bars                                 []htmlBar
	Filters                              []htmlFilter
	Findings                             []htmlFinding
	// Integrity is the log file integrity section; nil without one.
	Integrity *integritySection
}

// htmlBar is one rule's bar of the chart: its findings stacked by status.
type htmlBar struct {
	Row
	Segments []htmlSegment
}

// htmlSegment is one status's share of a bar, in percent of its rule's findings.
type htmlSegment struct {
	Status rules.Status
	N      int
	X, W   float64
}

// htmlFilter is one drop-down of the findings filter.
type htmlFilter struct {
	// Key is the data-* attribute of a finding row it tests.
	Key, Label string
	Options    []string
}

// htmlFinding is a finding as a row of the findings table.
type htmlFinding struct {
	Finding
	// EvidenceJSON is the evidence, indented.
	EvidenceJSON string
}

// WriteHTML writes the report as one self-contained HTML page: summary
// cards by status and severity, a bar chart by rule, a table by account
// when several accounts were audited, and every finding with its reason,
// its evidence and the rule's remediation (collapsible), filterable by
// status, severity, rule and account. Styles and the filter script are
// inline: the page fetches nothing. Printed, the filters are hidden and
// every finding is shown with its details open.
//
// Every value is HTML-escaped by html/template, after control characters
// are shown escaped (escape.Text).
//
// A suppressed alarm is shown as its control reports it (Report.Outcomes).
//
// When the report holds a log file integrity verification (Integrity), a
// section before the findings shows its window and summary, the verdicts
// counted per trail and account, every file not valid, and every file
// verified (folded).
func WriteHTML(w io.Writer, r *Report) error {
	r = r.Outcomes().escaped(escape.Text)
	page, err := htmlPageOf(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := htmlPageTemplate.Execute(&buf, page); err != nil {
		return fmt.Errorf("rendering the HTML report: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("writing the HTML report: %w", err)
	}
	return nil
}

// htmlPageOf builds the template's data.
func htmlPageOf(r *Report) (htmlPage, error) {
	o := OverviewOf(r)
	p := htmlPage{
		Title:     r.Benchmark.Title,
		Benchmark: r.Benchmark.ID,
		Generated: r.Time.Format("2006-01-02 15:04:05 UTC"),
		Version:   r.Version,
		Overview:  o,
		Bars:      barsOf(o.Rules),
	}
	if r.Integrity != nil {
		sec := r.Integrity.sectionOf(false)
		p.Integrity = &sec
	}
	var rules, accounts, severities []string
	for _, f := range r.Findings {
		ev, err := evidenceJSON(f.Evidence)
		if err != nil {
			return p, fmt.Errorf("evidence of %s on %s: %w", f.RuleID, f.Resource, err)
		}
		if c, ok := r.Benchmark.Control(f.RuleID); ok {
			f.Title = orDefault(f.Title, c.Title)
		}
		p.Findings = append(p.Findings, htmlFinding{Finding: f, EvidenceJSON: ev})
		rules = appendNew(rules, f.RuleID)
		accounts = appendNew(accounts, f.AccountID)
		severities = appendNew(severities, f.Severity)
	}
	var statuses []string
	for _, s := range Statuses {
		if o.Counts.Status[s] > 0 {
			statuses = append(statuses, string(s))
		}
	}
	slices.SortFunc(severities, func(a, b string) int { return SeverityRank(b) - SeverityRank(a) })
	slices.Sort(accounts)
	p.Filters = []htmlFilter{
		{"status", "Status", statuses},
		{"severity", "Severity", severities},
		{"rule", "Rule", rules},
		{"account", "Account", accounts},
	}
	return p, nil
}

// barsOf lays out the chart: each rule's bar is its own findings stacked
// by status, as shares of that rule's total, so a rule with three findings
// reads as clearly as one with thirty (the counts stand beside the bar).
func barsOf(rows []Row) []htmlBar {
	bars := make([]htmlBar, 0, len(rows))
	for _, r := range rows {
		b := htmlBar{Row: r}
		x := 0.0
		for i, s := range Statuses {
			if n := r.ByStatus[i]; n > 0 {
				w := 100 * float64(n) / float64(r.Total)
				b.Segments = append(b.Segments, htmlSegment{Status: s, N: n, X: x, W: w})
				x += w
			}
		}
		bars = append(bars, b)
	}
	return bars
}

// evidenceJSON is the evidence as indented JSON ("" when there is none).
func evidenceJSON(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // the template escapes
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return escape.Text(strings.TrimRight(buf.String(), "\n")), nil
}

// appendNew appends v to list unless it is already there.
func appendNew(list []string, v string) []string {
	if slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}
