package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/escape"
)

// JSONReport is the document WriteJSON writes.
type JSONReport struct {
	// Benchmark is the root benchmark's full name.
	Benchmark string `json:"benchmark"`
	// Title is the root benchmark's title.
	Title string `json:"title"`
	// GeneratedAt is when the check ran (RFC 3339, UTC).
	GeneratedAt time.Time `json:"generated_at"`
	// Version is the cloudtrailcc version.
	Version string `json:"version,omitempty"`
	// Summary counts the findings.
	Summary Counts `json:"summary"`
	// Findings lists every finding with its rule and benchmark context.
	Findings []JSONFinding `json:"findings"`
}

// JSONFinding is a finding with the benchmark context Powerpipe reports
// beside it.
type JSONFinding struct {
	Finding
	// GroupID, GroupTitle: the benchmark directly holding the control.
	GroupID    string `json:"group_id"`
	GroupTitle string `json:"group_title"`
	// ControlID is Powerpipe's control_id ("control.RULE").
	ControlID string `json:"control_id"`
	// Tags are the control's tags.
	Tags map[string]string `json:"tags,omitempty"`
}

// JSONOf builds the JSON document of r.
func JSONOf(r *Report) JSONReport {
	doc := JSONReport{
		Benchmark:   r.Benchmark.ID,
		Title:       r.Benchmark.Title,
		GeneratedAt: r.Time,
		Version:     r.Version,
		Summary:     r.Summary(),
		Findings:    []JSONFinding{},
	}
	for _, f := range r.Findings {
		c, _ := r.Benchmark.Control(f.RuleID)
		f.Title = orDefault(f.Title, c.Title)
		f.Description = orDefault(f.Description, c.Description)
		doc.Findings = append(doc.Findings, JSONFinding{Finding: f, GroupID: c.GroupID, GroupTitle: c.GroupTitle,
			ControlID: c.ControlID, Tags: c.Tags})
	}
	return doc
}

// WriteJSON writes the report as one indented JSON object: benchmark,
// title, generated_at, version, summary and the findings array (every field
// of every finding).
func WriteJSON(w io.Writer, r *Report) error {
	return writeIndented(w, JSONOf(r), "JSON")
}

// writeIndented writes v as indented JSON followed by a newline. Control
// characters encoding/json leaves raw (DEL, C1, bidirectional overrides)
// are written as \u escapes (escape.JSON): the values are the same.
func writeIndented(w io.Writer, v any, what string) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("writing %s: %w", what, err)
	}
	if _, err := w.Write(escape.JSON(buf.Bytes())); err != nil {
		return fmt.Errorf("writing %s: %w", what, err)
	}
	return nil
}
