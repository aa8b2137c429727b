package rules

import (
	"fmt"
	"strings"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// duplicateGlobalEvents is rule 12: at most one trail receives global events.
var duplicateGlobalEvents = &Rule{
	ID:             "duplicate_global_events",
	Title:          "Avoid duplicate entries in AWS CloudTrail logs",
	ConformityID:   "CT-006",
	ConformityRisk: "Medium",
	Description: "Counts the trails that actually receive global service events (IAM, STS, CloudFront): " +
		"IncludeGlobalServiceEvents true and multi-region or homed in us-east-1, own or organization trails, distinct by " +
		"ARN, logging or not. Two or more record every global event twice, which doubles storage and confuses analysis. " +
		"In partitions other than aws, single-region trails with the flag may or may not receive them: when only those " +
		"would make a duplicate the finding is info. GetTrailStatus, when read, only marks trails \"(not logging)\"; " +
		"it does not decide.",
	Severity:   SeverityMedium,
	Scope:      ScopeAccount,
	IAMActions: []string{"ec2:DescribeRegions", "cloudtrail:DescribeTrails"},
	Remediation: "Keep IncludeGlobalServiceEvents on one trail only (normally the multi-region trail) and disable it on " +
		"the others; a multi-region trail's flag can only be turned off together with making it single-region.",
	RemediationCLI: "aws cloudtrail update-trail --name OTHER_TRAIL_NAME --no-include-global-service-events",
	Related:        []string{},
	References: []string{
		"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-concepts.html#cloudtrail-concepts-global-service-events",
		"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-create-and-update-a-trail-by-using-the-aws-cli-update-trail.html",
		"https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_UpdateTrail.html",
	},
	Needs: snapshot.NeedTrails | snapshot.NeedTrailStatus,
	eval:  evalDuplicateGlobalEvents,
}

func evalDuplicateGlobalEvents(c *evalCtx) {
	ts, ok := c.trails()
	if !ok {
		return
	}
	res := c.accountARN()
	var sure, maybe []*snapshot.Trail
	for _, t := range ts {
		switch {
		case c.partition() == "aws" && t.ReceivesGlobalEvents():
			sure = append(sure, t)
		case c.partition() != "aws" && t.IncludeGlobalServiceEvents && t.IsMultiRegionTrail:
			sure = append(sure, t)
		case c.partition() != "aws" && t.IncludeGlobalServiceEvents:
			maybe = append(maybe, t)
		}
	}
	ev := map[string]any{
		"partition":              c.partition(),
		"global_event_trails":    globalTrailEvidence(sure),
		"possible_global_trails": globalTrailEvidence(maybe),
		"count":                  len(sure),
	}
	names := c.globalTrailNames(sure)
	switch {
	case len(sure) >= 2:
		c.alarm(res, "", fmt.Sprintf("%d trails receive global service events, so each is recorded %d times: %s",
			len(sure), len(sure), strings.Join(names, ", ")), ev)
	case len(sure)+len(maybe) >= 2:
		c.info(res, "", fmt.Sprintf("partition %s: %s may also receive global service events (single-region with IncludeGlobalServiceEvents); "+
			"whether they are duplicated is not confirmed for this partition", c.partition(), strings.Join(c.globalTrailNames(maybe), ", ")), ev)
	case c.globalTrailsMayBeMissing():
		c.trailListErrorAccount(ev)
	case len(sure) == 1:
		c.ok(res, "", "only "+c.trailLabel(sure[0])+" receives global service events", ev)
	default:
		c.ok(res, "", fmt.Sprintf("no trail receives global service events (%d trails), so none are duplicated", len(ts)), ev)
	}
}

// globalTrailNames names trails, marking those not logging.
func (c *evalCtx) globalTrailNames(ts []*snapshot.Trail) []string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		n := c.trailLabel(t)
		switch {
		case c.statusErr(t) != nil:
			n += " (logging state unknown)"
		case !t.Status.IsLogging:
			n += " (not logging)"
		}
		out = append(out, n)
	}
	return out
}
