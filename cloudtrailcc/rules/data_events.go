package rules

import (
	"slices"
	"strconv"
	"strings"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// dataEvents is rule 10: trails log data events.
var dataEvents = &Rule{
	ID:             "data_events",
	Title:          "Enable Data Events Logging for CloudTrail Trails",
	ConformityID:   "CT-012",
	ConformityRisk: "Low",
	Description: "Checks that each trail logs data events: a classic event selector with non-empty DataResources, or an " +
		"advanced event selector with eventCategory Equals Data (NetworkActivity does not count). The finding lists each " +
		"resource type with its read/write scope, and the evidence flags whether all S3 object-level events are logged " +
		"for read and write (the CIS reading). Data events record resource operations such as S3 GetObject/PutObject " +
		"and Lambda Invoke, which management events do not.",
	Severity:   SeverityLow,
	Scope:      ScopeTrail,
	IAMActions: []string{"ec2:DescribeRegions", "cloudtrail:DescribeTrails", "cloudtrail:GetEventSelectors"},
	Remediation: "Add an advanced event selector for the data events you need (at least S3 objects, read and write), " +
		"keeping a selector for management events; data events are charged per event.",
	RemediationCLI: `aws cloudtrail put-event-selectors --trail-name TRAIL_NAME --advanced-event-selectors '[{"Name":"Management events","FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]}]},{"Name":"S3 data events","FieldSelectors":[{"Field":"eventCategory","Equals":["Data"]},{"Field":"resources.type","Equals":["AWS::S3::Object"]}]}]'`,
	Related:        []string{"CIS AWS Foundations 3.8-3.9 (v3-v5) / 4.8-4.9 (v6-v7)"},
	References: []string{
		"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html",
		"https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetEventSelectors.html",
		"https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_AdvancedEventSelector.html",
		"https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_DataResource.html",
	},
	Needs: snapshot.NeedTrails | snapshot.NeedEventSelectors,
	eval:  evalDataEvents,
}

// dataScope is one resource type a trail logs data events for.
type dataScope struct {
	Type          string `json:"type"`
	ReadWriteType string `json:"read_write_type"`
	Scope         string `json:"scope"`
	Selector      string `json:"selector"`
	all           bool   // every resource of the type, unfiltered
}

func evalDataEvents(c *evalCtx) {
	c.forEachTrail(func(t *snapshot.Trail) {
		sel := c.selectors(t)
		if sel == nil {
			return
		}
		ev := trailEvidence(t)
		scopes := dataScopes(sel)
		read, write := allS3Objects(scopes)
		ev["data_events"] = scopes
		ev["all_s3_objects_read_write"] = read && write
		ev["classic_selectors"] = len(sel.Classic)
		ev["advanced_selectors"] = len(sel.Advanced)
		label := c.trailLabel(t)
		if len(scopes) == 0 {
			why := "no event selectors"
			switch {
			case len(sel.Advanced) > 0:
				why = "no advanced selector with eventCategory Data"
				if slices.ContainsFunc(sel.Advanced, func(s snapshot.AdvancedSelector) bool { return s.HasCategory(snapshot.CategoryNetworkActivity) }) {
					why += "; NetworkActivity does not count"
				}
			case len(sel.Classic) > 0:
				why = strconv.Itoa(len(sel.Classic)) + " classic selector(s), none with DataResources"
			}
			c.alarm(t.ARN, t.HomeRegion, label+" logs no data events ("+why+")", ev)
			return
		}
		parts := make([]string, 0, len(scopes))
		for _, s := range scopes {
			parts = append(parts, s.Type+" ("+rwWords(s.ReadWriteType)+", "+s.Scope+")")
		}
		suffix := ""
		if read && write {
			suffix = "; all S3 objects are logged for read and write"
		}
		c.ok(t.ARN, t.HomeRegion, label+" logs data events: "+strings.Join(parts, "; ")+suffix, ev)
	})
}

// dataScopes lists the data events a trail's selectors log, in words.
func dataScopes(sel *snapshot.EventSelectors) []dataScope {
	out := []dataScope{}
	for _, d := range sel.DataScopes() {
		typ, all := d.Type, slices.ContainsFunc(d.Values, isWholeServiceARN)
		if typ == "" {
			typ = "(any resource type)"
		}
		scope := "all " + resourceNoun(typ)
		switch {
		case d.Advanced && len(d.Filters) > 0:
			scope = "filtered by " + strings.Join(d.Filters, ", ")
		case d.Advanced:
			all = true
		case !all:
			scope = strconv.Itoa(len(d.Values)) + " selected ARN prefix(es): " + shortList(d.Values, 3)
		}
		out = append(out, dataScope{Type: typ, ReadWriteType: d.ReadWriteType, Scope: scope, Selector: d.Selector, all: all})
	}
	return out
}

// allS3Objects reports whether the scopes log every S3 object for read and
// for write (possibly through different selectors).
func allS3Objects(scopes []dataScope) (read, write bool) {
	for _, s := range scopes {
		if s.Type != "AWS::S3::Object" || !s.all {
			continue
		}
		read = read || s.ReadWriteType != "WriteOnly"
		write = write || s.ReadWriteType != "ReadOnly"
	}
	return read, write
}

// isWholeServiceARN reports whether a classic DataResources value selects
// every resource of its service ("arn:aws:s3", "arn:aws:s3:::", "arn:aws:lambda").
func isWholeServiceARN(v string) bool {
	v = strings.TrimRight(v, ":/")
	return strings.HasPrefix(v, "arn:") && strings.Count(v, ":") <= 2
}

// resourceNoun names the resources of a data resource type, for "all ...".
func resourceNoun(typ string) string {
	switch typ {
	case "AWS::S3::Object":
		return "buckets"
	case "AWS::Lambda::Function":
		return "functions"
	case "AWS::DynamoDB::Table":
		return "tables"
	}
	return "resources"
}

// rwWords says a read/write type in words.
func rwWords(rw string) string {
	switch rw {
	case "ReadOnly":
		return "read"
	case "WriteOnly":
		return "write"
	}
	return "read+write"
}
