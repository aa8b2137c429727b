package rules

import (
	"fmt"
	"strings"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// multiRegion is rule 5: a logging multi-region trail.
var multiRegion = &Rule{
	ID:             "multi_region",
	Title:          "Enable AWS CloudTrail multi-region API logging",
	ConformityID:   "CT-001",
	ConformityRisk: "High",
	Description: "Checks that at least one multi-region trail is logging, so API activity in every region - including " +
		"regions enabled later - is recorded. The evidence carries the trail's management-event read/write type and " +
		"excluded event sources (the Security Hub CloudTrail.1 / CIS 3.1 reading), so its event selectors must be readable. " +
		"When there is none, the finding lists the enabled regions that no logging trail covers (a regional trail covers " +
		"its own region); the verdict itself does not depend on the region list.",
	Severity:   SeverityHigh,
	Scope:      ScopeAccount,
	IAMActions: []string{"ec2:DescribeRegions", "cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors"},
	Remediation: "Make a trail multi-region (or create one) and start logging on it; keep management events with " +
		"ReadWriteType All and no excluded event sources.",
	RemediationCLI: "aws cloudtrail update-trail --name TRAIL_NAME --is-multi-region-trail && aws cloudtrail start-logging --name TRAIL_NAME",
	Related:        []string{"AWS Security Hub CloudTrail.1", "AWS Security Hub CloudTrail.3", "CIS AWS Foundations 3.1 (v3-v5) / 4.1 (v6-v7)"},
	References: []string{
		"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/receive-cloudtrail-log-files-from-multiple-regions.html",
		"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-concepts.html",
		"https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetTrailStatus.html",
		"https://docs.aws.amazon.com/securityhub/latest/userguide/cloudtrail-controls.html",
	},
	Needs: snapshot.NeedRegions | snapshot.NeedTrails | snapshot.NeedTrailStatus | snapshot.NeedEventSelectors,
	eval:  evalMultiRegion,
}

func evalMultiRegion(c *evalCtx) {
	ts, ok := c.trails()
	if !ok {
		return
	}
	res := c.accountARN()
	var multi, logging []*snapshot.Trail
	for _, t := range ts {
		if t.IsMultiRegionTrail {
			multi = append(multi, t)
			if c.statusErr(t) == nil && isLogging(t) {
				logging = append(logging, t)
			}
		}
	}
	if len(logging) > 0 {
		c.multiRegionLogging(logging)
		return
	}
	uncovered := c.uncoveredRegions(ts)
	ev := map[string]any{
		"enabled_regions":               nonNil(c.acct.Regions),
		"regions_without_logging_trail": nonNil(uncovered),
		"multi_region_trails":           multiRegionEvidence(multi),
	}
	if len(c.acct.TrailListErrors) > 0 {
		c.trailListErrorAccount(ev)
		return
	}
	if c.statusUnreadableFinding("a multi-region trail", multi, ev) {
		return
	}
	if len(ts) == 0 {
		c.alarm(res, "", "no CloudTrail trail in this account", ev)
		return
	}
	var why []string
	if len(multi) == 0 {
		why = append(why, "no trail is multi-region")
	}
	for _, t := range multi {
		why = append(why, "multi-region "+c.trailLabel(t)+" is "+notLoggingSince(t.Status))
	}
	cover := fmt.Sprintf("all %d enabled regions have a logging regional trail, but regions enabled later will not", len(c.acct.Regions))
	switch {
	case c.acct.RegionsErr != nil:
		cover = "the enabled regions are unknown (" + describeErr(c.acct.RegionsErr) + ")"
		ev["regions_error"] = errEvidence(c.acct.RegionsErr)
	case len(c.acct.Regions) == 0:
		cover = "the enabled regions are unknown"
	case len(uncovered) > 0:
		cover = fmt.Sprintf("%d of %d enabled regions have no logging trail: %s", len(uncovered), len(c.acct.Regions), shortList(uncovered, 5))
	}
	c.alarm(res, "", strings.Join(why, "; ")+"; "+cover, ev)
}

// uncoveredRegions returns the enabled regions no logging trail covers (a
// multi-region trail covers all of them, a regional trail its home region).
func (c *evalCtx) uncoveredRegions(ts []*snapshot.Trail) []string {
	covered := map[string]bool{}
	all := false
	for _, t := range ts {
		if c.statusErr(t) != nil || !isLogging(t) {
			continue
		}
		if t.IsMultiRegionTrail {
			all = true
		}
		covered[t.HomeRegion] = true
	}
	var out []string
	for _, r := range c.acct.Regions {
		if !all && !covered[r] {
			out = append(out, r)
		}
	}
	return out
}

// multiRegionLogging reports the logging multi-region trails: ok naming
// the first whose event selectors were read, with its management-event
// scope; when no selectors could be read, error (or info for another
// account's trail that only its owner may read), as the evidence the verdict
// carries is missing.
func (c *evalCtx) multiRegionLogging(logging []*snapshot.Trail) {
	res := c.accountARN()
	arns := make([]string, 0, len(logging))
	for _, t := range logging {
		arns = append(arns, t.ARN)
	}
	for _, t := range logging {
		if c.selectorsErr(t) != nil {
			continue
		}
		ev := trailEvidence(t)
		ev["is_logging"] = true
		ev["logging_multi_region_trails"] = arns
		scopes := t.Selectors.ManagementScopes()
		ev["management_events"] = scopes
		if len(scopes) == 0 {
			c.ok(res, "", "multi-region "+c.trailLabel(t)+" is logging, but logs no management events", ev)
			return
		}
		ev["read_write_type"] = scopes[0].ReadWriteType
		ev["exclude_management_event_sources"] = scopes[0].ExcludedSources
		c.ok(res, "", "multi-region "+c.trailLabel(t)+" is logging (management events: "+describeScope(scopes[0])+")", ev)
		return
	}
	t := logging[0]
	err := c.selectorsErr(t)
	ev := trailEvidence(t)
	ev["is_logging"] = true
	ev["logging_multi_region_trails"] = arns
	if c.isForeign(t) && isUnreadableForeign(err) {
		ev["error"] = errEvidence(err)
		c.info(res, "", fmt.Sprintf("multi-region %s is logging, but its event selectors can be read only by its owner, account %s (%s: %s)",
			c.trailLabel(t), t.OwnerAccountID, err.Action, err.Code), ev)
		return
	}
	c.readError(res, "", "the event selectors of logging multi-region "+c.trailLabel(t), err, ev)
}

// multiRegionEvidence lists multi-region trails with their logging state.
func multiRegionEvidence(ts []*snapshot.Trail) []map[string]any {
	out := []map[string]any{}
	for _, t := range ts {
		e := trailEvidence(t)
		if t.Status != nil {
			e["is_logging"] = t.Status.IsLogging
			e["stop_logging_time"] = evTimePtr(t.Status.StopLoggingTime)
		}
		if t.StatusErr != nil {
			e["status_error"] = errEvidence(t.StatusErr)
		}
		out = append(out, e)
	}
	return out
}
