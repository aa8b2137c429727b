package cloudtrailcc

import (
	"slices"
	"time"

	"github.com/turbot/steampipe-plugin-sdk/v5/grpc/proto"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/exceptions"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// exceptionRow is one entry of the exceptions file with the alarms it
// matches (matched is nil when the query did not ask for it).
type exceptionRow struct {
	list    *exceptions.List
	e       *exceptions.Entry
	matched *int
	now     time.Time
}

// exceptionTable is cloudtrailcc_exception: one row per entry of the
// connection's exceptions_file. Only matched_findings reads AWS (every
// rule's facts).
func exceptionTable() tableSpec[exceptionRow] {
	type r = exceptionRow
	return tableSpec[r]{
		name:       "cloudtrailcc_exception",
		desc:       "One row per entry of the connection's exceptions_file (accepted findings): its patterns, reason, expiry and owner, and how many alarms it matches. No rows without exceptions_file; only matched_findings reads AWS.",
		exceptions: true,
		// matched_findings evaluates every rule, when there are exceptions
		needOf: func(q *query) (snapshot.Need, error) {
			if q.exc == nil || !slices.Contains(q.columns, "matched_findings") {
				return 0, nil
			}
			return rules.NeedsOf(), nil
		},
		cols: []column[r]{
			{name: "exceptions_file", typ: proto.ColumnType_STRING, desc: "Path of the exceptions file, as configured.", get: func(x r) any { return x.list.Path }},
			{name: "line", typ: proto.ColumnType_INT, desc: "Line of the entry in the file.", get: func(x r) any { return x.e.Line }},
			{name: "rule_id", typ: proto.ColumnType_STRING, desc: "Rule the entry applies to, or * for every rule.", get: func(x r) any { return x.e.Rule }},
			{name: "resource", typ: proto.ColumnType_STRING, desc: "Resource ARN pattern the entry matches; * stands for any characters.", get: func(x r) any { return x.e.Resource }},
			{name: "account_id", typ: proto.ColumnType_STRING, desc: "Account the entry is limited to; null for every account.", get: func(x r) any { return optString(x.e.Account) }},
			{name: "region", typ: proto.ColumnType_STRING, desc: "Region the entry is limited to; null for every region.", get: func(x r) any { return optString(x.e.Region) }},
			{name: "reason", typ: proto.ColumnType_STRING, desc: "Why the findings are accepted.", get: func(x r) any { return x.e.Reason }},
			{name: "expires", typ: proto.ColumnType_STRING, desc: "Last day (YYYY-MM-DD, UTC) the entry suppresses.", get: func(x r) any { return x.e.ExpiresText() }},
			{name: "permanent", typ: proto.ColumnType_BOOL, desc: "True when the entry says permanent = true, which allows an expiry more than a year ahead.", get: func(x r) any { return x.e.Permanent }},
			{name: "allow_all", typ: proto.ColumnType_BOOL, desc: "True when the entry matches every rule and every resource and says allow_all = true: it accepts every alarm, and every run warns about it while it has not expired.", get: func(x r) any { return x.e.AllowAll }},
			{name: "owner", typ: proto.ColumnType_STRING, desc: "Who answers for the exception; null when the entry names no one.", get: func(x r) any { return optString(x.e.Owner) }},
			{name: "expired", typ: proto.ColumnType_BOOL, desc: "True once the expiry day is over: the entry no longer suppresses, and the alarms it matches say so.", get: func(x r) any { return x.e.Expired(x.now) }},
			{name: "matched_findings", typ: proto.ColumnType_INT, desc: "Alarms the entry matches across every rule (suppressed when unexpired); 0 makes it a stale exception, reported as an info finding.", get: func(x r) any {
				if x.matched == nil {
					return nil
				}
				return *x.matched
			}},
			{name: "title", typ: proto.ColumnType_STRING, desc: "Title of the entry: its rule and resource pattern, e.g. \"bucket_not_public arn:aws:s3:::public-*\".", get: func(x r) any { return x.e.Rule + " " + x.e.Resource }},
		},
		rows: func(q *query, _ *snapshot.Account) ([]r, error) {
			return exceptionRows(q, nil), nil
		},
		orgRows: func(q *query, org *snapshot.Organization) ([]r, error) {
			return exceptionRows(q, org), nil
		},
	}
}

// exceptionRows lists the entries; with org, each with the alarms it
// matches among every rule's findings.
func exceptionRows(q *query, org *snapshot.Organization) []exceptionRow {
	if q.exc == nil {
		return nil
	}
	var counts []int
	if org != nil {
		counts = q.exc.Matches(rules.EvaluateOrganization(org))
	}
	now := time.Now()
	out := make([]exceptionRow, len(q.exc.Entries))
	for i := range q.exc.Entries {
		out[i] = exceptionRow{list: q.exc, e: &q.exc.Entries[i], now: now}
		if counts != nil {
			out[i].matched = &counts[i]
		}
	}
	return out
}
