package rules

import (
	"strconv"
	"strings"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// managementEvents is rule 13: trails log management events.
var managementEvents = &Rule{
	ID:             "management_events",
	Title:          "Enable Management Events for CloudTrail trails",
	ConformityID:   "CT-010",
	ConformityRisk: "Medium",
	Description: "Checks that each trail logs management (control-plane) events: a classic event selector with " +
		"IncludeManagementEvents true, or an advanced event selector with eventCategory Equals Management - decided by " +
		"the fields, never by the selector's name. The finding gives the read/write type (classic ReadWriteType or " +
		"advanced readOnly) and any excluded event sources. A response with neither classic nor advanced selectors is " +
		"reported as info with the raw response.",
	Severity:   SeverityMedium,
	Scope:      ScopeTrail,
	IAMActions: []string{"ec2:DescribeRegions", "cloudtrail:DescribeTrails", "cloudtrail:GetEventSelectors"},
	Remediation: "Put an event selector that includes management events, read and write, with no excluded event " +
		"sources (or an advanced selector with eventCategory = Management and no readOnly condition).",
	RemediationCLI: `aws cloudtrail put-event-selectors --trail-name TRAIL_NAME --event-selectors '[{"ReadWriteType":"All","IncludeManagementEvents":true}]'`,
	Related:        []string{"AWS Security Hub CloudTrail.1", "CIS AWS Foundations 3.1 (v3-v5) / 4.1 (v6-v7)"},
	References: []string{
		"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-management-events-with-cloudtrail.html",
		"https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_GetEventSelectors.html",
		"https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_EventSelector.html",
		"https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_AdvancedEventSelector.html",
	},
	Needs: snapshot.NeedTrails | snapshot.NeedEventSelectors,
	eval:  evalManagementEvents,
}

func evalManagementEvents(c *evalCtx) {
	c.forEachTrail(func(t *snapshot.Trail) {
		sel := c.selectors(t)
		if sel == nil {
			return
		}
		ev := trailEvidence(t)
		label := c.trailLabel(t)
		if len(sel.Classic) == 0 && len(sel.Advanced) == 0 {
			ev["raw_response"] = rawEvidence(sel.Raw)
			c.info(t.ARN, t.HomeRegion, label+": GetEventSelectors returned neither classic nor advanced event selectors, so "+
				"whether management events are logged cannot be decided", ev)
			return
		}
		scopes := sel.ManagementScopes()
		ev["management_events"] = scopes
		ev["classic_selectors"] = len(sel.Classic)
		ev["advanced_selectors"] = len(sel.Advanced)
		if len(scopes) == 0 {
			why := strconv.Itoa(len(sel.Classic)) + " classic selector(s), all with IncludeManagementEvents false"
			if len(sel.Advanced) > 0 {
				why = strconv.Itoa(len(sel.Advanced)) + " advanced selector(s), none with eventCategory Management"
			}
			c.alarm(t.ARN, t.HomeRegion, label+" logs no management events ("+why+")", ev)
			return
		}
		parts := make([]string, 0, len(scopes))
		for _, s := range scopes {
			parts = append(parts, describeScope(s))
		}
		c.ok(t.ARN, t.HomeRegion, label+" logs management events ("+strings.Join(parts, "; ")+")", ev)
	})
}
