package cloudtrailcc

import (
	"fmt"

	"github.com/turbot/steampipe-plugin-sdk/v5/grpc/proto"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// ruleTable is cloudtrailcc_rule: the catalogue of the fourteen rules. It
// makes no AWS calls.
func ruleTable() tableSpec[*rules.Rule] {
	type r = *rules.Rule
	return tableSpec[r]{
		name: "cloudtrailcc_rule",
		desc: "The CloudTrail best-practice rules this plugin evaluates (Cloud Conformity's fourteen), with severity, the IAM actions each needs, remediation and references. No AWS calls.",
		keys: []string{"rule_id"},
		cols: []column[r]{
			{name: "rule_id", typ: proto.ColumnType_STRING, desc: "Stable identifier of the rule, e.g. log_file_validation; the rule_id of cloudtrailcc_finding.", get: func(x r) any { return x.ID }},
			{name: "title", typ: proto.ColumnType_STRING, desc: "Title of the rule as in Cloud Conformity's AWS CloudTrail best practices.", get: func(x r) any { return x.Title }},
			{name: "conformity_id", typ: proto.ColumnType_STRING, desc: "Cloud Conformity rule id (CT-001...CT-013); null for the missing-SNS-topic check, which has a knowledge-base page but no rule id.", get: func(x r) any { return optString(x.ConformityID) }},
			{name: "conformity_risk", typ: proto.ColumnType_STRING, desc: "Cloud Conformity risk level: Low, Medium, High or Very High.", get: func(x r) any { return optString(x.ConformityRisk) }},
			{name: "description", typ: proto.ColumnType_STRING, desc: "What the rule checks and why it matters.", get: func(x r) any { return x.Description }},
			{name: "severity", typ: proto.ColumnType_STRING, desc: "Severity of an alarm: low, medium, high or critical (Conformity's Very High).", get: func(x r) any { return string(x.Severity) }},
			{name: "scope", typ: proto.ColumnType_STRING, desc: "What one finding is about: bucket, trail, account or region.", get: func(x r) any { return x.Scope }},
			{name: "iam_actions", typ: proto.ColumnType_JSON, desc: "IAM actions the rule needs to read its facts (all read-only).", get: func(x r) any { return x.IAMActions }},
			{name: "remediation", typ: proto.ColumnType_STRING, desc: "Steps to fix an alarm.", get: func(x r) any { return optString(x.Remediation) }},
			{name: "remediation_cli", typ: proto.ColumnType_STRING, desc: "AWS CLI command that fixes an alarm, with placeholders in capitals.", get: func(x r) any { return optString(x.RemediationCLI) }},
			{name: "related", typ: proto.ColumnType_JSON, desc: "Related controls of other frameworks (AWS Security Hub, CIS AWS Foundations Benchmark).", get: func(x r) any { return x.Related }},
			{name: "references", typ: proto.ColumnType_JSON, desc: "Links to AWS documentation and the Cloud Conformity knowledge base.", get: func(x r) any { return x.References }},
		},
		rows: func(q *query, _ *snapshot.Account) ([]r, error) {
			if err := checkRuleIDs(q); err != nil {
				return nil, err
			}
			var out []r
			for _, x := range rules.Catalogue() {
				if q.match("rule_id", x.ID) {
					out = append(out, x)
				}
			}
			return out, nil
		},
	}
}

// checkRuleIDs rejects a rule_id qual naming an unknown rule, listing the valid ids.
func checkRuleIDs(q *query) error {
	for _, id := range q.equals["rule_id"] {
		if _, ok := rules.Lookup(id); !ok {
			var ids []string
			for _, x := range rules.Catalogue() {
				ids = append(ids, x.ID)
			}
			return fmt.Errorf("rule_id %q is not a rule; valid rule ids: %s", id, commaList(ids))
		}
	}
	return nil
}
