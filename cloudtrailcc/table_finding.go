package cloudtrailcc

import (
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/turbot/steampipe-plugin-sdk/v5/grpc/proto"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/exceptions"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// FindingTagsColumn is the column of cloudtrailcc_finding that reads what
// no rule needs: the resources' tags (cloudtrail:ListTags,
// s3:GetBucketTagging). A run of the rules (check, the benchmarks' calls)
// leaves it out, and the Postgres bridge reads it only when a query names it.
const FindingTagsColumn = "tags"

// findingRow is one finding with the partition of the account it was
// evaluated for ("" for aws) and the exception that suppresses it, if any.
type findingRow struct {
	partition string
	f         rules.Finding
	sup       *exceptions.Suppression
	rule      *rules.Rule
	// tags are the tags of the finding's resource (nil when it has none
	// that were read: not a trail or bucket, or the read failed).
	tags map[string]string
}

// outcome is the row's status and reason as the mod's control reports them.
func (x findingRow) outcome() (rules.Status, string) {
	return exceptions.Outcome(x.f.Status, x.f.Reason, x.sup)
}

// suppression returns a getter of one field of the row's suppression (NULL
// when it has none).
func suppression(field func(*exceptions.Suppression) string) func(findingRow) any {
	return func(x findingRow) any {
		if x.sup == nil {
			return nil
		}
		return optString(field(x.sup))
	}
}

// findingTable is cloudtrailcc_finding: one row per (rule, resource). A
// rule_id qual reads only the facts of the rules asked for.
func findingTable() tableSpec[findingRow] {
	type r = findingRow
	return tableSpec[r]{
		name:       "cloudtrailcc_finding",
		desc:       "One row per rule and resource: the verdict of each CloudTrail best-practice rule (ok, alarm, info, skip or error) with the reason and the API fields that decided it, and whether an exception of exceptions_file suppresses it. Filter on rule_id to read only that rule's facts.",
		keys:       []string{"rule_id", "status"},
		exceptions: true,
		needOf: func(q *query) (snapshot.Need, error) {
			if err := checkRuleIDs(q); err != nil {
				return 0, err
			}
			if err := checkStatuses(q); err != nil {
				return 0, err
			}
			ids := q.exc.Rules(q.equals["rule_id"])
			need := rules.NeedsOf(ids...)
			if slices.Contains(q.columns, FindingTagsColumn) {
				need |= tagsNeedOf(ids)
			}
			return need, nil
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
			{name: "partition", typ: proto.ColumnType_STRING, desc: "The AWS partition (aws, aws-cn or aws-us-gov).", get: func(x r) any { return partitionName(x.partition) }},
			{name: "suppressed", typ: proto.ColumnType_BOOL, desc: "True when an unexpired entry of the connection's exceptions_file matches this alarm: the alarm is accepted, keeps its status, and the benchmark reports it as skip. Only alarms are ever suppressed.", get: func(x r) any { return x.sup != nil }},
			{name: "suppression_reason", typ: proto.ColumnType_STRING, desc: "Reason of the exception that suppresses the alarm; null when not suppressed.", get: suppression(func(s *exceptions.Suppression) string { return s.Reason })},
			{name: "suppression_expires", typ: proto.ColumnType_STRING, desc: "Last day (YYYY-MM-DD, UTC) the exception suppresses the alarm; null when not suppressed.", get: suppression(func(s *exceptions.Suppression) string { return s.Expires })},
			{name: "suppression_owner", typ: proto.ColumnType_STRING, desc: "Owner of the exception that suppresses the alarm; null when not suppressed or when the exception names none.", get: suppression(func(s *exceptions.Suppression) string { return s.Owner })},
			{name: "control_status", typ: proto.ColumnType_STRING, desc: "Status the benchmark control reports: skip for a suppressed alarm, else status.", get: func(x r) any { s, _ := x.outcome(); return string(s) }},
			{name: "control_reason", typ: proto.ColumnType_STRING, desc: "Reason the benchmark control reports: 'suppressed until DATE by OWNER: REASON (was: ORIGINAL REASON)' for a suppressed alarm, else reason.", get: func(x r) any { _, s := x.outcome(); return s }},
			{name: FindingTagsColumn, typ: proto.ColumnType_JSON, desc: "A map of the tags of the resource the finding is about: the trail's (cloudtrail:ListTags) or the bucket's (s3:GetBucketTagging), {} when it has none; null for account and region findings, another account's bucket, or tags that could not be read (see the tags_error and read_errors columns of cloudtrailcc_trail and cloudtrailcc_trail_bucket). Read only when asked for: the mod's tag_dimensions variable selects tags ->> 'KEY'.", get: func(x r) any {
				if x.tags == nil {
					return nil
				}
				return x.tags
			}},
		},
		rows: func(q *query, acct *snapshot.Account) ([]r, error) {
			return slices.Collect(findingRows(q, snapshot.Single(acct))), nil
		},
		orgStream: findingRows,
	}
}

// checkStatuses rejects a status qual that no finding can have.
func checkStatuses(q *query) error {
	for _, s := range q.equals["status"] {
		if !slices.Contains(rules.Statuses, rules.Status(s)) {
			return fmt.Errorf("status %q is not a finding status; valid statuses: %s", s, rules.StatusNames())
		}
	}
	return nil
}

// findingRows evaluates the rules asked for over every audited account and
// applies the connection's exceptions: the one place findings are judged
// against them, for every table, bridge and CLI output. The rows are made
// account by account as they are streamed.
func findingRows(q *query, org *snapshot.Organization) iter.Seq[findingRow] {
	asked := q.equals["rule_id"]
	found := rules.OrganizationFindings(org, q.exc.Rules(asked)...)
	var account, partition string
	if first := org.First(); first != nil {
		account, partition = first.AccountID, first.Partition
	}
	var tags map[string]map[string]string
	if slices.Contains(q.columns, FindingTagsColumn) {
		tags = resourceTags(org)
	}
	return func(yield func(findingRow) bool) {
		// the partition of the last rows' account: findings come account
		// by account, and no account is decoded a second time for it
		var rowAccount, rowPartition string
		for j := range q.exc.Judge(found, asked, account, partition, time.Now()) {
			if !q.match("status", string(j.Status)) {
				continue
			}
			rule, _ := rules.Lookup(j.RuleID)
			if rowAccount != j.AccountID {
				rowAccount, rowPartition = j.AccountID, org.Partition(j.AccountID)
			}
			if !yield(findingRow{partition: rowPartition, f: j.Finding, sup: j.Suppression, rule: rule, tags: tags[j.Resource]}) {
				return
			}
		}
	}
}

// tagsNeedOf is what the tags column of the given rules' findings reads
// (every rule's when none is given): the trails' tags for the rules about
// trails, the buckets' tags for the rules about buckets, nothing for the
// others.
func tagsNeedOf(ids []string) snapshot.Need {
	var need snapshot.Need
	for _, r := range rules.Catalogue() {
		if len(ids) > 0 && !slices.Contains(ids, r.ID) {
			continue
		}
		switch r.Scope {
		case rules.ScopeTrail:
			need |= snapshot.NeedTrailTags
		case rules.ScopeBucket:
			need |= snapshot.NeedBucketTags
		}
	}
	return need
}

// resourceTags maps the ARN of each trail and bucket whose tags were read
// to them ({} for none).
func resourceTags(org *snapshot.Organization) map[string]map[string]string {
	out := map[string]map[string]string{}
	for acct := range org.Each() {
		if acct.Loaded.Has(snapshot.NeedTrailTags) {
			for _, t := range acct.Trails {
				if t.TagsErr == nil && t.Tags == nil {
					out[t.ARN] = map[string]string{} // none (a copied snapshot drops the empty map)
				} else if t.TagsErr == nil {
					out[t.ARN] = t.Tags
				}
			}
		}
		for name, b := range acct.Buckets {
			if b.Tags != nil {
				out[fmt.Sprintf("arn:%s:s3:::%s", partitionOf(acct), name)] = b.Tags
			}
		}
	}
	return out
}
