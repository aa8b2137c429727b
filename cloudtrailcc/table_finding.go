package cloudtrailcc

import (
	"fmt"
	"slices"

	"github.com/turbot/steampipe-plugin-sdk/v5/grpc/proto"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// findingRow is one finding with the account it was evaluated for.
type findingRow struct {
	acct *snapshot.Account
	f    rules.Finding
	rule *rules.Rule
}

// findingStatuses are the values of the status column.
var findingStatuses = []string{"ok", "alarm", "info", "skip", "error"}

// findingTable is cloudtrailcc_finding: one row per (rule, resource). A
// rule_id qual reads only the facts of the rules asked for.
func findingTable() tableSpec[findingRow] {
	type r = findingRow
	return tableSpec[r]{
		name: "cloudtrailcc_finding",
		desc: "One row per rule and resource: the verdict of each CloudTrail best-practice rule (ok, alarm, info, skip or error) with the reason and the API fields that decided it. Filter on rule_id to read only that rule's facts.",
		keys: []string{"rule_id", "status"},
		needOf: func(q *query) (snapshot.Need, error) {
			if err := checkRuleIDs(q); err != nil {
				return 0, err
			}
			if err := checkStatuses(q); err != nil {
				return 0, err
			}
			return rules.NeedsOf(q.equals["rule_id"]...), nil
		},
		cols: []column[r]{
			{name: "rule_id", typ: proto.ColumnType_STRING, desc: "Identifier of the rule (see cloudtrailcc_rule).", get: func(x r) any { return x.f.RuleID }},
			{name: "title", typ: proto.ColumnType_STRING, desc: "Title of the rule.", get: func(x r) any {
				if x.rule == nil {
					return nil
				}
				return x.rule.Title
			}},
			{name: "status", typ: proto.ColumnType_STRING, desc: "Verdict: ok, alarm, info (read but cannot be decided, e.g. another account's trail), skip (not applicable) or error (a needed fact could not be read).", get: func(x r) any { return string(x.f.Status) }},
			{name: "severity", typ: proto.ColumnType_STRING, desc: "Severity of the rule: low, medium, high or critical.", get: func(x r) any { return string(x.f.Severity) }},
			{name: "reason", typ: proto.ColumnType_STRING, desc: "One sentence naming the resource and the value that decided the verdict.", get: func(x r) any { return x.f.Reason }},
			{name: "resource", typ: proto.ColumnType_STRING, desc: "ARN of the resource the finding is about: a trail, an S3 bucket, an SNS topic, the account (arn:PARTITION:::ACCOUNT) or a region (arn:PARTITION::REGION:ACCOUNT).", get: func(x r) any { return x.f.Resource }},
			{name: "account_id", typ: proto.ColumnType_STRING, desc: "The AWS account ID the finding belongs to.", get: func(x r) any { return optString(x.f.AccountID) }},
			{name: "region", typ: proto.ColumnType_STRING, desc: "The AWS region of the resource (a trail's home region, a bucket's region); null for account-level findings.", get: func(x r) any { return optString(x.f.Region) }},
			{name: "evidence", typ: proto.ColumnType_JSON, desc: "The API fields that decided the verdict, as read.", get: func(x r) any {
				if x.f.Evidence == nil {
					return nil
				}
				return x.f.Evidence
			}},
			{name: "partition", typ: proto.ColumnType_STRING, desc: "The AWS partition (aws, aws-cn or aws-us-gov).", get: func(x r) any { return partitionOf(x.acct) }},
		},
		rows: func(q *query, acct *snapshot.Account) ([]r, error) {
			return findingRows(q, snapshot.Single(acct)), nil
		},
		orgRows: func(q *query, org *snapshot.Organization) ([]r, error) {
			return findingRows(q, org), nil
		},
	}
}

// checkStatuses rejects a status qual that no finding can have.
func checkStatuses(q *query) error {
	for _, s := range q.equals["status"] {
		if !slices.Contains(findingStatuses, s) {
			return fmt.Errorf("status %q is not a finding status; valid statuses: %s", s, commaList(findingStatuses))
		}
	}
	return nil
}

// findingRows evaluates the rules asked for over every audited account.
func findingRows(q *query, org *snapshot.Organization) []findingRow {
	var out []findingRow
	for _, f := range rules.EvaluateOrganization(org, q.equals["rule_id"]...) {
		if !q.match("status", string(f.Status)) {
			continue
		}
		rule, _ := rules.Lookup(f.RuleID)
		out = append(out, findingRow{acct: org.Account(f.AccountID), f: f, rule: rule})
	}
	return out
}
