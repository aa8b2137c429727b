package report

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/exceptions"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
)

// Statuses are the finding statuses (rules.Statuses) in the order Powerpipe
// lists a control's rows: error, alarm, info, ok, skip.
var Statuses = slices.SortedFunc(slices.Values(rules.Statuses), func(a, b rules.Status) int {
	return a.ListingOrder() - b.ListingOrder()
})

// Severities are the rule severities, lowest first.
var Severities = []string{"low", "medium", "high", "critical"}

// Finding is one rule verdict on one resource: a row of cloudtrailcc_finding
// joined with the rule's catalogue entry (cloudtrailcc_rule).
type Finding struct {
	// RuleID is the rule's id, e.g. "log_file_validation".
	RuleID string `json:"rule_id"`
	// Status is the rule's verdict (rules.Statuses).
	Status rules.Status `json:"status"`
	// Severity is the rule's severity: low, medium, high or critical.
	Severity string `json:"severity"`
	// Reason is one sentence naming the resource and the deciding value.
	Reason string `json:"reason"`
	// Resource is the ARN the finding is about.
	Resource string `json:"resource"`
	// AccountID is the AWS account of the finding.
	AccountID string `json:"account_id"`
	// Region is the resource's region; empty for account-level findings
	// (NULL in the table).
	Region string `json:"region,omitempty"`
	// Partition is the AWS partition (aws, aws-cn, aws-us-gov).
	Partition string `json:"partition,omitempty"`
	// Evidence holds the API fields that decided the verdict.
	Evidence any `json:"evidence,omitempty"`
	// Suppressed is set when an exception of exceptions_file accepts the
	// alarm: Status stays alarm, and the benchmark formats report it as
	// skip (see Outcome).
	Suppressed bool `json:"suppressed"`
	// SuppressionReason, SuppressionExpires (YYYY-MM-DD) and
	// SuppressionOwner are the suppressing exception's.
	SuppressionReason  string `json:"suppression_reason,omitempty"`
	SuppressionExpires string `json:"suppression_expires,omitempty"`
	SuppressionOwner   string `json:"suppression_owner,omitempty"`

	// Title and Description are the rule's (cloudtrailcc_rule).
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	// ConformityID and ConformityRisk are Cloud Conformity's rule id and risk.
	ConformityID   string `json:"conformity_id,omitempty"`
	ConformityRisk string `json:"conformity_risk,omitempty"`
	// Remediation and RemediationCLI say how to fix an alarm.
	Remediation    string `json:"remediation,omitempty"`
	RemediationCLI string `json:"remediation_cli,omitempty"`
	// Related lists related controls of other frameworks; References links docs.
	Related    []string `json:"related,omitempty"`
	References []string `json:"references,omitempty"`
}

// Report is the result of one check run.
type Report struct {
	// Benchmark is the mod's benchmark layout.
	Benchmark *Benchmark
	// Findings are the findings, in the order New puts them: benchmark tree
	// order, then Powerpipe's status order, then resource, region, reason.
	Findings []Finding
	// Time is when the check ran.
	Time time.Time
	// Version is the cloudtrailcc version that produced the report.
	Version string
	// DefaultRegion is used where a format needs a region and a finding has
	// none (ASFF ProductArn of account-level findings); default us-east-1.
	DefaultRegion string
	// Integrity, when check verified the logs (--verify-logs), is the
	// verification: the HTML report shows it as its log file integrity
	// section; the other formats hold the findings only.
	Integrity *Integrity
}

// New builds a report, ordering the findings as Powerpipe lists a benchmark
// run's rows (controls in benchmark order, then error, alarm, info, ok,
// skip), then by resource, region and reason so that runs compare. Every finding's rule must be a control of the benchmark.
func New(b *Benchmark, findings []Finding, at time.Time, version string) (*Report, error) {
	var unknown []string
	for _, f := range findings {
		if _, ok := b.Control(f.RuleID); !ok && !slices.Contains(unknown, f.RuleID) {
			unknown = append(unknown, f.RuleID)
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("rules %s have no control in benchmark %s", strings.Join(unknown, ", "), b.ID)
	}
	out := slices.Clone(findings)
	sortFindings(b, out)
	return &Report{Benchmark: b, Findings: out, Time: at.UTC(), Version: version, DefaultRegion: "us-east-1"}, nil
}

// sortFindings orders findings as New documents.
func sortFindings(b *Benchmark, out []Finding) {
	sort.SliceStable(out, func(i, j int) bool {
		ci, _ := b.Control(out[i].RuleID)
		cj, _ := b.Control(out[j].RuleID)
		if ci.Order != cj.Order {
			return ci.Order < cj.Order
		}
		if si, sj := statusRank(out[i].Status), statusRank(out[j].Status); si != sj {
			return si < sj
		}
		// the plugin streams rows concurrently: sort the rest for stable output
		a, b := out[i], out[j]
		if a.Resource != b.Resource {
			return a.Resource < b.Resource
		}
		if a.Region != b.Region {
			return a.Region < b.Region
		}
		return a.Reason < b.Reason
	})
}

// suppression is the finding's exception, nil when not suppressed.
func (f Finding) suppression() *exceptions.Suppression {
	if !f.Suppressed {
		return nil
	}
	return &exceptions.Suppression{Reason: f.SuppressionReason, Expires: f.SuppressionExpires, Owner: f.SuppressionOwner}
}

// Outcome is the status and reason the benchmark's control reports: skip
// and "suppressed until DATE by OWNER: REASON (was: REASON)" for a
// suppressed alarm, else Status and Reason.
func (f Finding) Outcome() (status rules.Status, reason string) {
	return exceptions.Outcome(f.Status, f.Reason, f.suppression())
}

// Outcomes returns the report as the benchmark's controls report it: each
// finding's Status and Reason replaced by its Outcome, in the order New
// gives. The CSV, table, HTML, Markdown, NUnit3 and JUnit outputs show
// this; JSON, ASFF and OCSF keep the evaluated status with the
// suppression fields.
func (r *Report) Outcomes() *Report {
	out := *r
	out.Findings = make([]Finding, len(r.Findings))
	for i, f := range r.Findings {
		f.Status, f.Reason = f.Outcome()
		out.Findings[i] = f
	}
	sortFindings(r.Benchmark, out.Findings)
	return &out
}

// statusRank is the status's position in Statuses (unknown last).
func statusRank(s rules.Status) int { return s.ListingOrder() }

// SeverityRank is the severity's position in Severities (-1 when unknown).
func SeverityRank(s string) int { return slices.Index(Severities, s) }

// Counts summarises a report.
type Counts struct {
	// Status counts the findings by status.
	Status map[rules.Status]int `json:"status"`
	// AlarmsBySeverity counts the alarms by severity.
	AlarmsBySeverity map[string]int `json:"alarms_by_severity"`
	// Rules is the number of distinct rules with findings.
	Rules int `json:"rules"`
	// Total is the number of findings.
	Total int `json:"total"`
	// Suppressed is the number of suppressed alarms (counted as skip).
	Suppressed int `json:"suppressed"`
}

// Summary counts the report's findings by the status their controls report
// (a suppressed alarm is a skip, and counted in Suppressed).
func (r *Report) Summary() Counts {
	c := Counts{Status: map[rules.Status]int{}, AlarmsBySeverity: map[string]int{}}
	ruleIDs := map[string]bool{}
	for _, s := range Statuses {
		c.Status[s] = 0
	}
	for _, f := range r.Findings {
		status, _ := f.Outcome()
		c.Status[status]++
		if status == rules.StatusAlarm {
			c.AlarmsBySeverity[f.Severity]++
		}
		if f.Suppressed {
			c.Suppressed++
		}
		ruleIDs[f.RuleID] = true
	}
	c.Rules = len(ruleIDs)
	c.Total = len(r.Findings)
	return c
}

// String is the one-line summary printed on stderr, e.g.
// "14 rules, 40 findings: ok 12, alarm 20 (critical 1, high 6, medium 9, low 4), info 2, skip 5 (2 suppressed), error 1".
func (c Counts) String() string {
	var sev []string
	for i := len(Severities) - 1; i >= 0; i-- {
		if n := c.AlarmsBySeverity[Severities[i]]; n > 0 {
			sev = append(sev, fmt.Sprintf("%s %d", Severities[i], n))
		}
	}
	alarm := fmt.Sprintf("alarm %d", c.Status[rules.StatusAlarm])
	if len(sev) > 0 {
		alarm += " (" + strings.Join(sev, ", ") + ")"
	}
	skip := fmt.Sprintf("skip %d", c.Status[rules.StatusSkip])
	if c.Suppressed > 0 {
		skip += fmt.Sprintf(" (%d suppressed)", c.Suppressed)
	}
	return fmt.Sprintf("%s, %s: ok %d, %s, info %d, %s, error %d",
		plural(c.Rules, "rule"), plural(c.Total, "finding"), c.Status[rules.StatusOK], alarm, c.Status[rules.StatusInfo], skip, c.Status[rules.StatusError])
}

// plural is "1 rule", "2 rules".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// dimension returns the finding's value of a dimension column as Powerpipe
// prints it.
func (f Finding) dimension(d Dimension) string {
	var v string
	switch d.Key {
	case "account_id":
		v = f.AccountID
	case "region":
		v = f.Region
	case "partition":
		v = f.Partition
	}
	if v == "" {
		return d.Null
	}
	return v
}

// regionOr is the finding's region, or def when it has none.
func (f Finding) regionOr(def string) string {
	if f.Region != "" {
		return f.Region
	}
	return def
}
