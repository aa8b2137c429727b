package cloudtrailcc

import (
	"fmt"
	"iter"
	"slices"

	"github.com/turbot/steampipe-plugin-sdk/v5/grpc/proto"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// regionRow is one evaluated region with the trails that cover it.
type regionRow struct {
	acct   *snapshot.Account
	region string
	trails []*snapshot.Trail
}

// logging returns the covering trails known to be logging, and whether any
// covering trail's status is unknown.
func (x regionRow) logging() (on []*snapshot.Trail, unknown bool) {
	for _, t := range x.trails {
		switch {
		case t.Status == nil:
			unknown = true
		case t.Status.IsLogging:
			on = append(on, t)
		}
	}
	return on, unknown
}

// selects reports, over the logging covering trails, whether one of them
// records the events pick finds in its selectors: true, false, or NULL when
// it cannot be told (a status or selectors not read, and none said yes).
func (x regionRow) selects(pick func(*snapshot.EventSelectors) bool) any {
	on, unknown := x.logging()
	for _, t := range on {
		if t.Selectors == nil {
			unknown = true
			continue
		}
		if pick(t.Selectors) {
			return true
		}
	}
	if unknown {
		return nil
	}
	return false
}

// managementReadWrite sums up which management events the logging covering
// trails record together: All, ReadOnly, WriteOnly, or NULL (none or unknown).
func (x regionRow) managementReadWrite() any {
	on, _ := x.logging()
	var rws []string
	for _, t := range on {
		rws = append(rws, t.Selectors.ManagementReadWrite())
	}
	if rw := snapshot.UnionReadWrite(rws...); rw != "" {
		return rw
	}
	return nil
}

// regionTable is cloudtrailcc_region: one row per enabled (evaluated) region.
func regionTable() tableSpec[regionRow] {
	type r = regionRow
	const st, sel = snapshot.NeedTrailStatus, snapshot.NeedEventSelectors
	str, b, js := proto.ColumnType_STRING, proto.ColumnType_BOOL, proto.ColumnType_JSON
	return tableSpec[r]{
		name: "cloudtrailcc_region",
		desc: "The enabled AWS regions evaluated, one row per region: the trails that cover it (multi-region trails and trails homed there), whether any of them is logging, and which events the logging ones record.",
		base: snapshot.NeedRegions | snapshot.NeedTrails,
		keys: []string{"region"},
		cols: []column[r]{
			{name: "region", typ: str, desc: "The name of the region.", get: func(x r) any { return x.region }},
			{name: "trails", typ: js, desc: "ARNs of the trails that cover the region: every multi-region trail and the single-region trails homed there.", get: func(x r) any {
				arns := []string{}
				for _, t := range x.trails {
					arns = append(arns, t.ARN)
				}
				return arns
			}},
			{name: "trail_count", typ: proto.ColumnType_INT, desc: "Number of trails that cover the region.", get: func(x r) any { return len(x.trails) }},
			{name: "is_logging", typ: b, need: st, desc: "Whether any covering trail is logging; null when none is known to be logging and a status could not be read.", get: func(x r) any {
				on, unknown := x.logging()
				if len(on) > 0 {
					return true
				}
				if unknown {
					return nil
				}
				return false
			}},
			{name: "logging_trails", typ: js, need: st, desc: "ARNs of the covering trails that are logging.", get: func(x r) any {
				on, _ := x.logging()
				arns := []string{}
				for _, t := range on {
					arns = append(arns, t.ARN)
				}
				return arns
			}},
			{name: "management_events", typ: b, need: st | sel, desc: "Whether a logging covering trail records management events (classic IncludeManagementEvents or an advanced selector with eventCategory = Management); null when it cannot be told.", get: func(x r) any { return x.selects((*snapshot.EventSelectors).LogsManagement) }},
			{name: "data_events", typ: b, need: st | sel, desc: "Whether a logging covering trail records data events (classic DataResources or an advanced selector with eventCategory = Data); null when it cannot be told.", get: func(x r) any { return x.selects((*snapshot.EventSelectors).LogsData) }},
			{name: "read_write_type", typ: str, need: st | sel, desc: "Which management events the logging covering trails record together: All, ReadOnly or WriteOnly; null when none records management events.", get: func(x r) any { return x.managementReadWrite() }},
			{name: "trails_error", typ: str, desc: "The error met calling DescribeTrails in the region; null when it was read.", get: func(x r) any { return readErr(x.acct.TrailListErrors[x.region]) }},
			{name: "account_id", typ: str, desc: "The AWS account ID.", get: func(x r) any { return x.acct.AccountID }},
			{name: "partition", typ: str, desc: "The AWS partition (aws, aws-cn or aws-us-gov).", get: func(x r) any { return partitionOf(x.acct) }},
			{name: "title", typ: str, desc: "Title of the resource: the region name.", get: func(x r) any { return x.region }},
			{name: "akas", typ: js, desc: "Array of globally unique identifier strings (also known as) for the resource: arn:PARTITION::REGION:ACCOUNT.", get: func(x r) any {
				return []string{fmt.Sprintf("arn:%s::%s:%s", partitionOf(x.acct), x.region, x.acct.AccountID)}
			}},
		},
		// Each account's regions, covered by its trails; an organization
		// trail of another audited account with its owner's status and
		// selectors, as AWS applies it to the member.
		orgStream: func(q *query, org *snapshot.Organization) iter.Seq[r] {
			return func(yield func(r) bool) {
				for acct := range org.Each() {
					for _, region := range slices.Sorted(slices.Values(acct.Regions)) {
						if !q.match("region", region) {
							continue
						}
						row := r{acct: acct, region: region}
						for _, t := range acct.Trails {
							if t.IsMultiRegionTrail || t.HomeRegion == region {
								row.trails = append(row.trails, org.OwnerCopy(acct.AccountID, t))
							}
						}
						if !yield(row) {
							return
						}
					}
				}
			}
		},
	}
}
