package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/escape"
)

// integrityTemplate defines the log file integrity section ("integrity",
// with its styles "integrity-style") and verify's page around it
// ("integrity-page").
//
//go:embed integrity.tmpl
var integrityTemplate string

var integrityPageTemplate = template.Must(template.New("integrity-root").Parse(integrityTemplate))

// Integrity is a log file integrity verification over a window: what
// `check --verify-logs` adds to the HTML report and `verify` writes.
type Integrity struct {
	// Start and End are the window verified (zero when unknown).
	Start, End time.Time
	// Rows are the verdicts, in the order to list them.
	Rows []IntegrityRow
}

// IntegrityStatuses are the verdicts of cloudtrailcc_log_integrity, in the
// order the section counts them: valid, the signs of tampering, error,
// not_found.
var IntegrityStatuses = []string{"valid", "modified", "deleted", "unknown_key", "uncovered", "error", "not_found"}

// integritySection is what the "integrity" template renders; every
// outside value in it has passed through escape.Text (html/template then
// escapes it for HTML).
type integritySection struct {
	Window, Summary string
	// Statuses are the count columns: IntegrityStatuses, then any other
	// verdict a row holds (never dropped).
	Statuses []string
	Groups   []integrityGroup
	// Problems are the rows that are not valid; Rows every row.
	Problems, Rows []integrityFile
	// Open shows every file unfolded (verify's page).
	Open bool
}

// integrityGroup counts one trail's verdicts for one account.
type integrityGroup struct {
	Trail, Account string
	Counts         []integrityCount
	Total          int
}

// integrityCount is one status column of a group.
type integrityCount struct {
	Status, Class string
	N             int
}

// integrityFile is one row as the section lists it.
type integrityFile struct {
	Status, Class, Kind, AccountID, Region, What, Detail string
}

// integrityClass is the colour class of a verdict: the control status the
// table gave it, error for anything else (an unknown control status is
// never shown as ok).
func integrityClass(r IntegrityRow) string {
	switch r.ControlStatus {
	case "ok", "alarm", "error", "info":
		if r.ControlStatus == "ok" && r.Status != "valid" {
			return "error"
		}
		return r.ControlStatus
	}
	return "error"
}

// sectionOf builds the section: counts per trail and account, in the
// order the rows first name them, and the rows.
func (v Integrity) sectionOf(open bool) integritySection {
	s := integritySection{Summary: IntegritySummaryOf(v.Rows).String(), Open: open}
	if !v.Start.IsZero() && !v.End.IsZero() {
		s.Window = v.Start.UTC().Format(time.RFC3339) + " to " + v.End.UTC().Format(time.RFC3339)
	}
	statuses := slices.Clone(IntegrityStatuses)
	for _, r := range v.Rows {
		if !slices.Contains(statuses, r.Status) {
			statuses = append(statuses, r.Status)
		}
	}
	for _, st := range statuses {
		s.Statuses = append(s.Statuses, escape.Text(st))
	}
	index := map[[2]string]int{}
	for _, r := range v.Rows {
		k := [2]string{r.TrailARN, r.AccountID}
		i, ok := index[k]
		if !ok {
			i = len(s.Groups)
			index[k] = i
			g := integrityGroup{Trail: escape.Text(r.TrailARN), Account: escape.Text(r.AccountID)}
			for _, st := range statuses {
				g.Counts = append(g.Counts, integrityCount{Status: escape.Text(st), Class: statusClass(st)})
			}
			s.Groups = append(s.Groups, g)
		}
		g := &s.Groups[i]
		g.Counts[slices.Index(statuses, r.Status)].N++
		g.Total++
		f := integrityFile{Status: escape.Text(r.Status), Class: integrityClass(r), Kind: escape.Text(r.Kind),
			AccountID: escape.Text(r.AccountID), Region: escape.Text(r.Region), What: escape.Text(r.What()), Detail: escape.Text(r.Detail)}
		s.Rows = append(s.Rows, f)
		if r.Status != "valid" {
			s.Problems = append(s.Problems, f)
		}
	}
	return s
}

// statusClass is the control status a verdict column is coloured with
// (as the table's control_status): error for a verdict it does not know.
func statusClass(status string) string {
	switch status {
	case "valid":
		return "ok"
	case "not_found":
		return "info"
	case "modified", "deleted", "unknown_key", "uncovered":
		return "alarm"
	}
	return "error"
}

// writeIntegrityPage writes verify's HTML page: the section alone, every
// file listed.
func writeIntegrityPage(w io.Writer, v Integrity) error {
	if err := integrityPageTemplate.ExecuteTemplate(w, "integrity-page", v.sectionOf(true)); err != nil {
		return fmt.Errorf("writing the HTML page: %w", err)
	}
	return nil
}
