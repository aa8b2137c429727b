package rules

import (
	"strings"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// globalServices is rule 6: a logging trail receives global service events.
var globalServices = &Rule{
	ID:             "global_services",
	Title:          "Enable AWS CloudTrail logging for global services",
	ConformityID:   "CT-005",
	ConformityRisk: "High",
	Description: "Checks that a logging trail records events of global services (IAM, STS, CloudFront). Since " +
		"2021-11-22 AWS delivers them only to trails that have IncludeGlobalServiceEvents and are multi-region or homed " +
		"in us-east-1; a single-region trail elsewhere with the flag set receives none. In partitions other than aws " +
		"the region receiving global events is not confirmed, so the finding is info there.",
	Severity:   SeverityHigh,
	Scope:      ScopeAccount,
	IAMActions: []string{"ec2:DescribeRegions", "cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus"},
	Remediation: "Use a multi-region trail (which includes global service events by default) that is logging, or " +
		"enable IncludeGlobalServiceEvents on a logging trail homed in us-east-1.",
	RemediationCLI: "aws cloudtrail update-trail --name TRAIL_NAME --is-multi-region-trail --include-global-service-events && aws cloudtrail start-logging --name TRAIL_NAME",
	Related:        []string{},
	References: []string{
		"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-concepts.html#cloudtrail-concepts-global-service-events",
		"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-create-and-update-a-trail-by-using-the-aws-cli-update-trail.html",
		"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/receive-cloudtrail-log-files-from-multiple-regions.html",
		"https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_Trail.html",
	},
	Needs: snapshot.NeedTrails | snapshot.NeedTrailStatus,
	eval:  evalGlobalServices,
}

// globalEventsChange explains why a regional trail outside us-east-1 gets no global events.
const globalEventsChange = "since 2021-11-22 AWS delivers IAM, STS and CloudFront events only to multi-region trails and trails homed in us-east-1"

func evalGlobalServices(c *evalCtx) {
	ts, ok := c.trails()
	if !ok {
		return
	}
	res := c.accountARN()
	var flagged, receivers, logging []*snapshot.Trail
	for _, t := range ts {
		if t.IncludeGlobalServiceEvents {
			flagged = append(flagged, t)
		}
		if t.ReceivesGlobalEvents() {
			receivers = append(receivers, t)
			if c.statusErr(t) == nil && isLogging(t) {
				logging = append(logging, t)
			}
		}
	}
	ev := map[string]any{
		"partition": c.partition(),
		"trails_with_include_global_service_events": globalTrailEvidence(flagged),
	}
	if p := c.partition(); p != "aws" {
		c.info(res, "", "partition "+p+": the region that receives global service events is not confirmed for this partition, so "+
			"whether a trail receives IAM, STS and CloudFront events cannot be decided", ev)
		return
	}
	if len(logging) > 0 {
		t := logging[0]
		ev["trail_arn"] = t.ARN
		where := "multi-region"
		if !t.IsMultiRegionTrail {
			where = "homed in us-east-1"
		}
		c.ok(res, "", c.trailLabel(t)+" receives IAM, STS and CloudFront events (IncludeGlobalServiceEvents true, "+where+") and is logging", ev)
		return
	}
	if c.globalTrailsMayBeMissing() {
		c.trailListErrorAccount(ev)
		return
	}
	if c.statusUnreadableFinding("the trail that would receive global service events", receivers, ev) {
		return
	}
	if len(ts) == 0 {
		c.alarm(res, "", "no CloudTrail trail in this account", ev)
		return
	}
	var why []string
	for _, t := range flagged {
		if t.ReceivesGlobalEvents() {
			why = append(why, c.trailLabel(t)+" would receive global service events but is "+notLoggingSince(t.Status))
		} else {
			why = append(why, c.trailLabel(t)+" has IncludeGlobalServiceEvents but is a single-region trail homed in "+
				t.HomeRegion+", and "+globalEventsChange)
		}
	}
	if len(why) == 0 {
		why = append(why, "no trail logs global service events (IncludeGlobalServiceEvents false on all "+itoa(len(ts))+" trails)")
	}
	c.alarm(res, "", strings.Join(why, "; "), ev)
}

// globalTrailEvidence lists trails with the fields that decide global events.
func globalTrailEvidence(ts []*snapshot.Trail) []map[string]any {
	out := []map[string]any{}
	for _, t := range ts {
		e := trailEvidence(t)
		e["include_global_service_events"] = t.IncludeGlobalServiceEvents
		e["is_multi_region_trail"] = t.IsMultiRegionTrail
		e["receives_global_events"] = t.ReceivesGlobalEvents()
		if t.Status != nil {
			e["is_logging"] = t.Status.IsLogging
		}
		out = append(out, e)
	}
	return out
}
