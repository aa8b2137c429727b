package rules

import (
	"slices"
	"strings"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// configChanges is rule 4: recent CloudTrail configuration changes.
var configChanges = &Rule{
	ID:             "config_changes",
	Title:          "Monitor AWS CloudTrail Configuration Changes",
	ConformityID:   "CT-013",
	ConformityRisk: "Low",
	Description: "Reports every CloudTrail configuration change (by default AddTags, RemoveTags, CreateTrail, UpdateTrail, " +
		"DeleteTrail, StartLogging, StopLogging, PutEventSelectors, PutInsightSelectors, CreateEventDataStore, " +
		"UpdateEventDataStore, DeleteEventDataStore and StopEventDataStoreIngestion) recorded by LookupEvents in each " +
		"enabled region within the lookback window (default 24 hours, at most 90 days), with who made it, when and " +
		"from where; failed attempts are reported too. An attacker commonly stops or reconfigures logging before " +
		"acting. Conformity's knowledge-base page rates this Low; its catalogue export says High.",
	Severity:   SeverityLow,
	Scope:      ScopeRegion,
	IAMActions: []string{"ec2:DescribeRegions", "cloudtrail:LookupEvents"},
	Remediation: "Review each reported change with its owner; revert unexpected ones (for example start logging again " +
		"and restore the trail's settings). For continuous monitoring, create a CloudWatch Logs metric filter and alarm " +
		"on CloudTrail configuration changes (CIS 4.5 / 5.5) or an EventBridge rule on cloudtrail.amazonaws.com events.",
	RemediationCLI: `aws cloudtrail lookup-events --region REGION --lookup-attributes AttributeKey=EventSource,AttributeValue=cloudtrail.amazonaws.com --start-time START_TIME`,
	Related:        []string{"CIS AWS Foundations 4.5 / 5.5 (metric filter and alarm for CloudTrail configuration changes; related, not equal)"},
	References: []string{
		"https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_LookupEvents.html",
		"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/view-cloudtrail-events.html",
		"https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudwatch-alarms-for-cloudtrail.html",
	},
	Needs: snapshot.NeedRegions | snapshot.NeedConfigChanges,
	eval:  evalConfigChanges,
}

func evalConfigChanges(c *evalCtx) {
	a := c.acct
	if !a.Loaded.Has(snapshot.NeedConfigChanges) {
		c.readError(c.accountARN(), "", "CloudTrail configuration changes", notRead("cloudtrail:LookupEvents"), nil)
		return
	}
	names := a.ConfigChangeEventNames
	if len(names) == 0 {
		names = snapshot.DefaultConfigChangeEventNames
	}
	window := "the lookback window"
	if !a.ConfigChangeWindowStart.IsZero() && !a.ConfigChangeWindowEnd.IsZero() {
		window = "the last " + fmtDuration(a.ConfigChangeWindowEnd.Sub(a.ConfigChangeWindowStart)) +
			" (since " + fmtTime(a.ConfigChangeWindowStart) + ")"
	}
	changed := map[string]bool{}
	for _, e := range a.ConfigChanges {
		if e == nil || !isConfigChange(e.EventName, names) {
			continue
		}
		changed[e.Region] = true
		c.configChangeAlarm(e)
	}
	regions := slices.Clone(a.Regions)
	for r := range a.ConfigChangeErrors {
		if !slices.Contains(regions, r) {
			regions = append(regions, r)
		}
	}
	if len(regions) == 0 && len(changed) == 0 {
		if a.RegionsErr != nil {
			c.readError(c.accountARN(), "", "the enabled regions", a.RegionsErr, nil)
			return
		}
		c.skip(c.accountARN(), "", "no enabled region was evaluated for CloudTrail configuration changes", nil)
		return
	}
	var quiet []string
	for _, r := range regions {
		ev := map[string]any{"region": r, "window_start": evTime(a.ConfigChangeWindowStart),
			"window_end": evTime(a.ConfigChangeWindowEnd), "event_names": names}
		switch err := a.ConfigChangeErrors[r]; {
		case err != nil:
			c.readError(c.regionARN(r), r, "the CloudTrail configuration changes of region "+r, err, ev)
		case changed[r]:
		case a.RegionsErr != nil:
			quiet = append(quiet, r)
		default:
			c.ok(c.regionARN(r), r, "no CloudTrail configuration change in region "+r+" in "+window, ev)
		}
	}
	if a.RegionsErr != nil && (len(regions) > 0 || len(changed) > 0) {
		// Unknown enabled regions may hide changes: no region is declared quiet.
		what := "the enabled regions, so no region was searched for configuration changes"
		if len(regions) > 0 {
			what = "the enabled regions, so regions other than " + shortList(regions, 5) + " were not searched for configuration changes"
		}
		c.readError(c.accountARN(), "", what, a.RegionsErr,
			map[string]any{"searched_regions": nonNil(regions), "regions_without_changes": nonNil(quiet)})
	}
}

// isConfigChange reports whether an event name counts as a configuration
// change: it is listed, and it is not a read-only call.
func isConfigChange(name string, names []string) bool {
	for _, p := range []string{"Describe", "Get", "List", "Lookup"} {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	return slices.Contains(names, name)
}

// configChangeAlarm emits the alarm for one change event.
func (c *evalCtx) configChangeAlarm(e *snapshot.ConfigChangeEvent) {
	res, target := c.regionARN(e.Region), "region "+e.Region
	switch {
	case strings.HasPrefix(e.Trail, "arn:"):
		res, target = e.Trail, e.Trail
	case e.Trail != "" && strings.Contains(e.EventName, "EventDataStore"):
		target = "event data store " + e.Trail
	case e.Trail != "":
		res, target = c.trailARNFromName(e.Region, e.Trail), "trail "+e.Trail
	}
	who := e.UserIdentityARN
	if who == "" {
		who = e.UserName
	}
	if who == "" {
		who = "an unknown identity"
		if e.UserIdentityType != "" {
			who = "an unknown " + e.UserIdentityType + " identity"
		}
	}
	ip := ""
	if e.SourceIPAddress != "" {
		ip = " from " + e.SourceIPAddress
	}
	reason := e.EventName + " on " + target + " by " + who + " at " + fmtTime(e.EventTime) + ip
	if e.ErrorCode != "" {
		reason = "attempted " + reason + ", which failed with " + e.ErrorCode
	}
	ev := map[string]any{
		"event_id":           e.EventID,
		"event_name":         e.EventName,
		"event_time":         evTime(e.EventTime),
		"event_source":       e.EventSource,
		"user_identity_type": e.UserIdentityType,
		"user_identity_arn":  e.UserIdentityARN,
		"user_name":          e.UserName,
		"access_key_id":      e.AccessKeyID,
		"source_ip_address":  e.SourceIPAddress,
		"user_agent":         e.UserAgent,
		"request_parameters": rawEvidence(e.RequestParameters),
		"error_code":         e.ErrorCode,
		"error_message":      e.ErrorMessage,
		"trail":              e.Trail,
	}
	c.alarm(res, e.Region, reason, ev)
}
