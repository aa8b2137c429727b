package report

import (
	"slices"
	"sort"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
)

// Overview is the summary the reports people read (HTML, Markdown) show
// above the findings: counts by status, alarms by severity, a row per rule
// and a row per account.
type Overview struct {
	// Counts are the report's totals.
	Counts Counts
	// Statuses counts the findings by status, in Statuses order.
	Statuses []Tally
	// Severities counts the alarms by severity, highest first.
	Severities []Tally
	// Rules has one row per rule with findings, in benchmark order.
	Rules []Row
	// Accounts has one row per audited account, by account id.
	Accounts []Row
}

// Tally is a count of findings under one label (a status or a severity).
type Tally struct {
	// Label is the status or severity.
	Label string
	// N is the number of findings.
	N int
}

// Row counts the findings of one rule or one account by status.
type Row struct {
	// Key is the rule id or the account id.
	Key string
	// Title is the rule's title (empty for an account).
	Title string
	// Severity is the rule's severity (empty for an account).
	Severity string
	// ByStatus counts the findings by status, aligned with Statuses.
	ByStatus []int
	// Total is the number of findings.
	Total int
}

// Count returns the row's number of findings with status s.
func (r Row) Count(s rules.Status) int {
	if i := slices.Index(Statuses, s); i >= 0 {
		return r.ByStatus[i]
	}
	return 0
}

// OverviewOf summarises r.
func OverviewOf(r *Report) Overview {
	c := r.Summary()
	o := Overview{Counts: c}
	for _, s := range Statuses {
		o.Statuses = append(o.Statuses, Tally{string(s), c.Status[s]})
	}
	for i := len(Severities) - 1; i >= 0; i-- {
		o.Severities = append(o.Severities, Tally{Severities[i], c.AlarmsBySeverity[Severities[i]]})
	}
	rules := map[string]*Row{}
	accounts := map[string]*Row{}
	for _, f := range r.Findings {
		rule, ok := rules[f.RuleID]
		if !ok {
			rule = &Row{Key: f.RuleID, Title: f.Title, Severity: f.Severity, ByStatus: make([]int, len(Statuses))}
			if ctl, found := r.Benchmark.Control(f.RuleID); found {
				rule.Title = orDefault(rule.Title, ctl.Title)
			}
			rules[f.RuleID] = rule
			o.Rules = append(o.Rules, Row{Key: f.RuleID}) // placeholder keeps first-seen (benchmark) order
		}
		acct, ok := accounts[f.AccountID]
		if !ok {
			acct = &Row{Key: f.AccountID, ByStatus: make([]int, len(Statuses))}
			accounts[f.AccountID] = acct
		}
		for _, row := range []*Row{rule, acct} {
			if i := statusRank(f.Status); i < len(Statuses) {
				row.ByStatus[i]++
			}
			row.Total++
		}
	}
	for i := range o.Rules {
		o.Rules[i] = *rules[o.Rules[i].Key]
	}
	for _, a := range accounts {
		o.Accounts = append(o.Accounts, *a)
	}
	sort.Slice(o.Accounts, func(i, j int) bool { return o.Accounts[i].Key < o.Accounts[j].Key })
	return o
}

// MultiAccount reports whether the findings come from more than one account.
func (o Overview) MultiAccount() bool { return len(o.Accounts) > 1 }

// statusLabels are Statuses as text, for headers.
func statusLabels() []string {
	out := make([]string, len(Statuses))
	for i, s := range Statuses {
		out[i] = string(s)
	}
	return out
}
