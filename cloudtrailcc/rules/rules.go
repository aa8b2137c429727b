// Package rules holds the fourteen CloudTrail best-practice rules and their
// catalogue. Each rule is a pure function from a *snapshot.Account to
// findings: it performs no I/O and makes no AWS call, so the same snapshot
// always gives the same findings in the same order.
//
// Each rule's catalogue entry says what it checks and when it alarms; each
// rule lives in its own file beside its catalogue entry, and what several
// rules share has a file of its own: which trails and buckets are evaluated
// (trail_selection.go, bucket_selection.go), ARNs (arns.go), finding
// constructors (findings.go), evidence (evidence.go) and read errors
// (read_errors.go).
package rules

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// Status is the outcome of a rule for one resource.
type Status string

// The statuses a finding can have.
const (
	// StatusOK: the resource complies.
	StatusOK Status = "ok"
	// StatusAlarm: the resource does not comply.
	StatusAlarm Status = "alarm"
	// StatusInfo: the facts were read but cannot decide (e.g. another
	// account's trail whose status only its owner can read).
	StatusInfo Status = "info"
	// StatusSkip: the rule does not apply (no trails, another account's
	// bucket, a trail without a topic...).
	StatusSkip Status = "skip"
	// StatusError: a fact the rule needs could not be read.
	StatusError Status = "error"
)

// Statuses are every status a finding can have, in the order the plugin's
// documentation, the CLI's messages and the benchmarks name them. It is the
// one list of them: tables, flags and outputs take theirs from here.
var Statuses = []Status{StatusOK, StatusAlarm, StatusInfo, StatusSkip, StatusError}

// ListingOrder is the status's place in the order Powerpipe lists a
// control's rows (error, alarm, info, ok, skip): the worst news first. An
// unknown status comes last.
func (s Status) ListingOrder() int {
	switch s {
	case StatusError:
		return 0
	case StatusAlarm:
		return 1
	case StatusInfo:
		return 2
	case StatusOK:
		return 3
	case StatusSkip:
		return 4
	}
	return len(Statuses)
}

// ParseStatus returns the status named s; an error names the valid ones.
func ParseStatus(s string) (Status, error) {
	if i := slices.Index(Statuses, Status(s)); i >= 0 {
		return Statuses[i], nil
	}
	return "", fmt.Errorf("unknown status %q; valid statuses: %s", s, StatusNames())
}

// StatusNames is Statuses as one comma-separated line, for messages.
func StatusNames() string {
	names := make([]string, len(Statuses))
	for i, s := range Statuses {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

// Severity is a rule's risk level (Powerpipe severity; Conformity's
// "Very High" is critical).
type Severity string

// The severities, lowest first.
const (
	// SeverityLow is Conformity's Low.
	SeverityLow Severity = "low"
	// SeverityMedium is Conformity's Medium.
	SeverityMedium Severity = "medium"
	// SeverityHigh is Conformity's High.
	SeverityHigh Severity = "high"
	// SeverityCritical is Conformity's Very High.
	SeverityCritical Severity = "critical"
)

// The scopes a rule evaluates (Rule.Scope).
const (
	// ScopeBucket: one finding per S3 bucket named by the trails.
	ScopeBucket = "bucket"
	// ScopeTrail: one finding per trail, in its home region.
	ScopeTrail = "trail"
	// ScopeAccount: one finding for the account (arn:PARTITION:::ACCOUNT).
	ScopeAccount = "account"
	// ScopeRegion: findings per enabled region (arn:PARTITION::REGION:ACCOUNT) or per event.
	ScopeRegion = "region"
)

// Rule is one catalogue entry: what the rule checks, why, how to fix it and
// which facts it reads.
type Rule struct {
	// ID is the project's stable rule id, e.g. "bucket_access_logging".
	ID string
	// Title is the Cloud Conformity title of the rule.
	Title string
	// ConformityID is Cloud Conformity's rule id (e.g. "CT-002"); empty when
	// Conformity has none (the description then says so).
	ConformityID string
	// ConformityRisk is Conformity's risk level ("Low" ... "Very High").
	ConformityRisk string
	// Description says what is checked and why it matters.
	Description string
	// Severity is the severity of the rule's findings.
	Severity Severity
	// Scope is what one finding is about: bucket, trail, account or region.
	Scope string
	// IAMActions are the read-only IAM actions the rule needs.
	IAMActions []string
	// Remediation gives the steps that make an alarm go away.
	Remediation string
	// RemediationCLI is the AWS CLI command for it, with UPPERCASE placeholders.
	RemediationCLI string
	// Related lists related AWS Security Hub and CIS AWS Foundations controls.
	Related []string
	// References are AWS documentation URLs for the APIs and features involved.
	References []string
	// Needs are the snapshot facts the rule reads.
	Needs snapshot.Need

	// eval produces the rule's findings (unordered; Evaluate sorts them).
	eval func(c *evalCtx)
}

// Finding is the outcome of one rule for one resource.
type Finding struct {
	// RuleID is the id of the rule that produced the finding.
	RuleID string `json:"rule_id"`
	// Status is the verdict, one of Statuses.
	Status Status `json:"status"`
	// Reason is one sentence naming the resource and the deciding value.
	Reason string `json:"reason"`
	// Resource is the ARN the finding is about (trail, bucket, topic,
	// arn:PARTITION:::ACCOUNT or arn:PARTITION::REGION:ACCOUNT).
	Resource string `json:"resource"`
	// AccountID is the audited account.
	AccountID string `json:"account_id"`
	// Region is the resource's region; empty for account-level findings and
	// global resources whose region is unknown.
	Region string `json:"region"`
	// Severity is the rule's severity.
	Severity Severity `json:"severity"`
	// Evidence holds the raw fields that decided; it serialises to JSON.
	Evidence map[string]any `json:"evidence"`
}

// catalogue lists the rules in the order of the README's rule table.
var catalogue = []*Rule{
	bucketAccessLogging,
	bucketMFADelete,
	bucketNotPublic,
	configChanges,
	multiRegion,
	globalServices,
	cloudwatchIntegration,
	logFileValidation,
	kmsEncryption,
	dataEvents,
	deliveryFailing,
	duplicateGlobalEvents,
	managementEvents,
	snsTopicExists,
}

// Catalogue returns the fourteen rules in catalogue order. The entries
// are copies: changing them does not change the catalogue.
func Catalogue() []*Rule {
	out := make([]*Rule, len(catalogue))
	for i, r := range catalogue {
		out[i] = r.clone()
	}
	return out
}

// Lookup returns a copy of the rule with the given id.
func Lookup(id string) (*Rule, bool) {
	for _, r := range catalogue {
		if r.ID == id {
			return r.clone(), true
		}
	}
	return nil, false
}

// NeedsOf returns the facts the given rules read; every rule's when no id is
// given. Unknown ids add nothing.
func NeedsOf(ids ...string) snapshot.Need {
	var n snapshot.Need
	for _, r := range selected(ids) {
		n |= r.Needs
	}
	return n
}

// Evaluate runs the given rules (all when no id is given; unknown ids are
// ignored) over acct and returns their findings in catalogue order, each
// rule's findings sorted by resource. acct.ReadAt is "now" for every
// time-based decision (the current time when ReadAt is zero). Every
// selected rule yields at least one finding.
func Evaluate(acct *snapshot.Account, ids ...string) []Finding {
	if acct == nil {
		return nil
	}
	return evaluate(acct, nil, ids)
}

// evaluate runs the rules over acct, part of the organization audit org
// (nil for an audit of one account).
func evaluate(acct *snapshot.Account, org *orgView, ids []string) []Finding {
	now := acct.ReadAt
	if now.IsZero() {
		now = time.Now().UTC()
	}
	var out []Finding
	for _, r := range selected(ids) {
		c := &evalCtx{acct: acct, rule: r, now: now, org: org}
		r.eval(c)
		sort.SliceStable(c.out, func(i, j int) bool {
			if c.out[i].Resource != c.out[j].Resource {
				return c.out[i].Resource < c.out[j].Resource
			}
			return c.out[i].Region < c.out[j].Region
		})
		out = append(out, c.out...)
	}
	return out
}

// selected returns the catalogue rules named by ids, in catalogue order.
func selected(ids []string) []*Rule {
	if len(ids) == 0 {
		return catalogue
	}
	var out []*Rule
	for _, r := range catalogue {
		if slices.Contains(ids, r.ID) {
			out = append(out, r)
		}
	}
	return out
}

// clone returns a copy of r whose slices are not shared with r.
// NoConformityID is what a person reads in place of the Conformity id of a
// rule Cloud Conformity documents on a knowledge-base page only.
const NoConformityID = "none (Conformity KB page only)"

func (r *Rule) clone() *Rule {
	c := *r
	c.IAMActions = slices.Clone(r.IAMActions)
	c.Related = slices.Clone(r.Related)
	c.References = slices.Clone(r.References)
	return &c
}
