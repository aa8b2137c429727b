package main

import (
	"maps"
	"slices"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/escape"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/report"
)

// accountSummaries are the per-account summary lines of a report that
// spans several accounts (an organization audit), sorted by account; none
// for a single account.
func accountSummaries(r *report.Report) []string {
	byAccount := map[string][]report.Finding{}
	for _, f := range r.Findings {
		byAccount[f.AccountID] = append(byAccount[f.AccountID], f)
	}
	if len(byAccount) < 2 {
		return nil
	}
	var out []string
	for _, id := range slices.Sorted(maps.Keys(byAccount)) {
		sub := *r
		sub.Findings = byAccount[id]
		out = append(out, "account "+escape.Line(id)+": "+sub.Summary().String())
	}
	return out
}
