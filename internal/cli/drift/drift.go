// Package drift compares two cloudtrailcc JSON exports: which findings are
// new, which were resolved, and which changed status or reason, so that a
// CI pipeline can fail on regressions only.
//
// A finding is identified by its account, rule, resource and region. One
// rule can judge one resource several times (config_changes reports one
// finding per configuration-change event), so findings sharing that key are
// told apart by their reason; a key held by exactly one finding on each
// side is the same finding even when its reason changed. Reasons that
// differ only in their timestamps (a lookback window's start, a delivery
// time) are the same reason: only a change in what was found is drift.
package drift

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/filetrust"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/report"
)

// Kind is how a finding changed between two runs.
type Kind string

// The kinds of change.
const (
	// New: a finding only in the new run.
	New Kind = "new"
	// Resolved: a finding only in the old run.
	Resolved Kind = "resolved"
	// StatusChanged: the finding's status changed.
	StatusChanged Kind = "status_changed"
	// ReasonChanged: same status, different reason.
	ReasonChanged Kind = "reason_changed"
)

// Change is one finding that differs between the runs.
type Change struct {
	// Kind says how it changed.
	Kind Kind `json:"kind"`
	// RuleID, AccountID, Resource and Region identify the finding.
	RuleID    string `json:"rule_id"`
	AccountID string `json:"account_id"`
	Resource  string `json:"resource"`
	Region    string `json:"region,omitempty"`
	// Severity is the rule's severity.
	Severity string `json:"severity"`
	// OldStatus/OldReason are empty for a new finding, NewStatus/NewReason
	// for a resolved one.
	OldStatus string `json:"old_status,omitempty"`
	NewStatus string `json:"new_status,omitempty"`
	OldReason string `json:"old_reason,omitempty"`
	NewReason string `json:"new_reason,omitempty"`
}

// Regression reports whether the change is a new alarm (a new finding in
// alarm, or a status changed to alarm) at or above severity threshold (a
// report.SeverityRank; -1 never regresses).
func (c Change) Regression(threshold int) bool {
	if threshold < 0 || c.NewStatus != "alarm" || c.OldStatus == "alarm" {
		return false
	}
	return report.SeverityRank(c.Severity) >= threshold
}

// MaxExportSize is the largest JSON export Load reads (256 MiB: an
// organization of a thousand accounts exports well under it).
const MaxExportSize = 256 << 20

// MaxExportNesting is the deepest nesting of arrays and objects Load
// accepts; an export nests about ten levels (a finding's evidence included).
const MaxExportNesting = 64

// Load reads the findings of a JSON export (cloudtrailcc check --export
// x.json). The path must reach a regular file (a symbolic link is followed
// to one) of at most MaxExportSize bytes nesting at most MaxExportNesting
// levels: a FIFO, device, directory or socket is refused before a byte is
// read. Every error starts with the path (PATH:LINE when the content is at
// fault) and says what to do.
func Load(path string) ([]report.Finding, error) {
	b, err := filetrust.ReadFile(path, filetrust.Options{MaxSize: MaxExportSize, FollowLink: true})
	if err != nil {
		return nil, err
	}
	if line, ok := nestedDeeper(b, MaxExportNesting); ok {
		return nil, fmt.Errorf("%s:%d: nesting deeper than %d levels; a cloudtrailcc JSON export nests about ten, so this is not one: give the file check --export wrote", path, line, MaxExportNesting)
	}
	var doc struct {
		Benchmark string           `json:"benchmark"`
		Findings  []report.Finding `json:"findings"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		where := path
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			where = fmt.Sprintf("%s:%d", path, lineAt(b, se.Offset))
		case errors.As(err, &te):
			where = fmt.Sprintf("%s:%d", path, lineAt(b, te.Offset))
		}
		return nil, fmt.Errorf("%s: not a cloudtrailcc JSON export (%v); give the file check --export x.json wrote", where, err)
	}
	if doc.Benchmark == "" || doc.Findings == nil {
		return nil, fmt.Errorf("%s is not a cloudtrailcc JSON export (no benchmark or findings field); give the file check --export x.json wrote", path)
	}
	return doc.Findings, nil
}

// nestedDeeper reports the line where b's arrays and objects first nest
// deeper than limit, reading b once without parsing it.
func nestedDeeper(b []byte, limit int) (int, bool) {
	depth, line, inString := 0, 1, false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '\n':
			line++
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '[' || c == '{':
			if depth++; depth > limit {
				return line, true
			}
		case (c == ']' || c == '}') && depth > 0:
			depth--
		}
	}
	return 0, false
}

// lineAt is the 1-based line of byte offset off in b.
func lineAt(b []byte, off int64) int {
	off = min(max(off, 0), int64(len(b)))
	return 1 + bytes.Count(b[:off], []byte("\n"))
}

// key identifies a finding up to its reason.
func key(f report.Finding) string {
	return strings.Join([]string{f.AccountID, f.RuleID, f.Resource, f.Region}, "\x00")
}

// Compare returns the changes from old to cur, grouped by rule, then
// account, then resource and region.
func Compare(old, cur []report.Finding) []Change {
	oldBy, curBy := group(old), group(cur)
	var out []Change
	keys := slices.Sorted(func(yield func(string) bool) {
		seen := map[string]bool{}
		for _, m := range []map[string][]report.Finding{oldBy, curBy} {
			for k := range m {
				if !seen[k] {
					seen[k] = true
					if !yield(k) {
						return
					}
				}
			}
		}
	})
	for _, k := range keys {
		out = append(out, compareKey(oldBy[k], curBy[k])...)
	}
	slices.SortStableFunc(out, func(a, b Change) int {
		return strings.Compare(a.RuleID+"\x00"+a.AccountID, b.RuleID+"\x00"+b.AccountID)
	})
	return out
}

// group indexes findings by key, each with the status and reason its
// control reports: an alarm an exception suppresses is a skip, so a new
// suppressed alarm is no regression and an expired exception is one.
func group(fs []report.Finding) map[string][]report.Finding {
	m := map[string][]report.Finding{}
	for _, f := range fs {
		f.Status, f.Reason = f.Outcome()
		m[key(f)] = append(m[key(f)], f)
	}
	return m
}

// timestamp matches the RFC 3339 times reasons quote.
var timestamp = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`)

// sameReason reports whether two reasons say the same up to timestamps.
func sameReason(a, b string) bool {
	return a == b || timestamp.ReplaceAllString(a, "T") == timestamp.ReplaceAllString(b, "T")
}

// compareKey compares the findings of one key: same reason first; a key
// held by one finding on each side is the same finding changed; otherwise
// what is left over is resolved or new.
func compareKey(old, cur []report.Finding) []Change {
	var out []Change
	var restOld []report.Finding
	lone := len(old) == 1 && len(cur) == 1
	cur = slices.Clone(cur)
	for _, o := range old {
		i := slices.IndexFunc(cur, func(c report.Finding) bool { return sameReason(c.Reason, o.Reason) })
		if i < 0 {
			restOld = append(restOld, o)
			continue
		}
		if c := cur[i]; c.Status != o.Status {
			out = append(out, changeOf(StatusChanged, &o, &c))
		}
		cur = slices.Delete(cur, i, i+1)
	}
	if lone && len(restOld) == 1 {
		kind := ReasonChanged
		if restOld[0].Status != cur[0].Status {
			kind = StatusChanged
		}
		return append(out, changeOf(kind, &restOld[0], &cur[0]))
	}
	for i := range restOld {
		out = append(out, changeOf(Resolved, &restOld[i], nil))
	}
	for i := range cur {
		out = append(out, changeOf(New, nil, &cur[i]))
	}
	return out
}

// changeOf builds a change from the old and new finding (either may be nil).
func changeOf(k Kind, old, cur *report.Finding) Change {
	id := cur
	if id == nil {
		id = old
	}
	c := Change{Kind: k, RuleID: id.RuleID, AccountID: id.AccountID, Resource: id.Resource, Region: id.Region, Severity: id.Severity}
	if old != nil {
		c.OldStatus, c.OldReason = old.Status, old.Reason
	}
	if cur != nil {
		c.NewStatus, c.NewReason = cur.Status, cur.Reason
	}
	return c
}
