package rules

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// regionalTrail is a logging single-region trail homed in region.
func regionalTrail(name, region string) *snapshot.Trail {
	t := goodTrail()
	t.ARN = "arn:aws:cloudtrail:" + region + ":123456789012:trail/" + name
	t.Name, t.HomeRegion, t.IsMultiRegionTrail = name, region, false
	return t
}

// seventeen are the default enabled regions.
var seventeen = []string{"ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1",
	"ap-southeast-2", "ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3",
	"sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2"}

func TestMultiRegion(t *testing.T) {
	cases := []ruleCase{
		{"logging multi-region trail", cleanAccount(), acctRes, StatusOK,
			[]string{"multi-region trail main is logging", "ReadWriteType All", "no excluded event sources"}},
		{"excluded sources are named", withSelectors(&snapshot.EventSelectors{Classic: []snapshot.ClassicSelector{{
			ReadWriteType: "WriteOnly", IncludeManagementEvents: true, ExcludeManagementEventSources: []string{"kms.amazonaws.com"}}}}),
			acctRes, StatusOK, []string{"ReadWriteType WriteOnly", "excluding kms.amazonaws.com"}},
		{"logging trail with unreadable selectors is an error", withTrail(func(t *snapshot.Trail) {
			failSelectors(t, denied("cloudtrail:GetEventSelectors"))
		}), acctRes, StatusError, []string{"main", "cloudtrail:GetEventSelectors", "AccessDenied"}},
		{"another logging trail with readable selectors decides", with(func(a *snapshot.Account) {
			failSelectors(trail0(a), denied("cloudtrail:GetEventSelectors"))
			second := goodTrail()
			second.ARN, second.Name = "arn:aws:cloudtrail:us-east-1:123456789012:trail/second", "second"
			a.Trails = append(a.Trails, second)
		}), acctRes, StatusOK, []string{"second is logging"}},
		{"organization trail logging, selectors only its owner may read", orgAccount(func(t *snapshot.Trail) {
			failSelectors(t, denied("cloudtrail:GetEventSelectors"))
		}), acctRes, StatusInfo, []string{"org", otherAcct, "is logging", "cloudtrail:GetEventSelectors"}},
		{"enabled regions unknown do not change a logging trail's verdict", with(func(a *snapshot.Account) {
			a.Regions, a.RegionsErr = []string{"us-east-1"}, denied("ec2:DescribeRegions")
		}), acctRes, StatusOK, []string{"main is logging"}},
		{"no trail at all", with(func(a *snapshot.Account) { a.Trails = nil }), acctRes, StatusAlarm,
			[]string{"no CloudTrail trail in this account"}},
		{"multi-region trail stopped", withStatus(func(s *snapshot.TrailStatus) { s.IsLogging, s.StopLoggingTime = false, hoursAgo(2) }),
			acctRes, StatusAlarm, []string{"main is not logging since 2026-11-25T10:00:00Z", "3 of 3 enabled regions have no logging trail"}},
		{"regional trails count for their region", with(func(a *snapshot.Account) {
			a.Trails = []*snapshot.Trail{regionalTrail("eu", "eu-west-1")}
		}), acctRes, StatusAlarm, []string{"no trail is multi-region", "2 of 3 enabled regions have no logging trail: ap-south-1, us-east-1"}},
		{"all regions covered regionally still alarms", with(func(a *snapshot.Account) {
			a.Regions = []string{"eu-west-1"}
			a.Trails = []*snapshot.Trail{regionalTrail("eu", "eu-west-1")}
		}), acctRes, StatusAlarm, []string{"no trail is multi-region", "regions enabled later"}},
		{"long region list is shortened", with(func(a *snapshot.Account) {
			a.Regions = seventeen
			a.Trails = nil
			a.Trails = []*snapshot.Trail{regionalTrail("use1", "us-east-1")}
		}), acctRes, StatusAlarm, []string{"16 of 17 enabled regions have no logging trail: ap-northeast-1", "and 11 more"}},
		{"only multi-region trail is another account's, status unreadable", orgAccount(func(t *snapshot.Trail) {
			failStatus(t, denied("cloudtrail:GetTrailStatus"))
		}), acctRes, StatusInfo, []string{"org", otherAcct, "AccessDenied"}},
		{"another account's logging trail counts", orgAccount(func(*snapshot.Trail) {}), acctRes, StatusOK, []string{"org", otherAcct}},
		{"own multi-region trail status unreadable", withTrail(func(t *snapshot.Trail) { failStatus(t, throttled("cloudtrail:GetTrailStatus")) }),
			acctRes, StatusError, []string{"main", "cloudtrail:GetTrailStatus", "ThrottlingException"}},
		{"trails not listed somewhere", with(func(a *snapshot.Account) {
			a.Trails = nil
			a.TrailListErrors = map[string]*snapshot.ReadError{"eu-west-1": denied("cloudtrail:DescribeTrails")}
		}), acctRes, StatusError, []string{"eu-west-1", "cloudtrail:DescribeTrails", "AccessDenied"}},
		{"a logging multi-region trail decides despite listing errors", with(func(a *snapshot.Account) {
			a.TrailListErrors = map[string]*snapshot.ReadError{"eu-west-1": denied("cloudtrail:DescribeTrails")}
		}), acctRes, StatusOK, []string{"main"}},
		{"enabled regions unknown", with(func(a *snapshot.Account) {
			a.Regions, a.RegionsErr = nil, denied("ec2:DescribeRegions")
			trail0(a).IsMultiRegionTrail = false
		}), acctRes, StatusAlarm, []string{"no trail is multi-region", "enabled regions are unknown", "ec2:DescribeRegions failed with AccessDenied"}},
		{"status not loaded", with(func(a *snapshot.Account) { a.Loaded &^= snapshot.NeedTrailStatus }),
			acctRes, StatusError, []string{"cloudtrail:GetTrailStatus", "NotRead"}},
	}
	runCases(t, "multi_region", cases)

	fs := Evaluate(with(func(a *snapshot.Account) {
		a.Regions = seventeen
		a.Trails = nil
	}), "multi_region")
	if got := fs[0].Evidence["regions_without_logging_trail"].([]string); len(got) != 17 {
		t.Errorf("evidence lists %d regions, want all 17", len(got))
	}
	fs = Evaluate(cleanAccount(), "multi_region")
	if sc, _ := fs[0].Evidence["management_events"].([]snapshot.ManagementScope); len(sc) != 1 || sc[0].ReadWriteType != "All" {
		t.Errorf("evidence management_events = %v, want ReadWriteType All", fs[0].Evidence["management_events"])
	}
}

func TestGlobalServices(t *testing.T) {
	cases := []ruleCase{
		{"multi-region logging trail with the flag", cleanAccount(), acctRes, StatusOK, []string{"main", "multi-region", "logging"}},
		{"single-region trail in us-east-1", with(func(a *snapshot.Account) {
			a.Trails = []*snapshot.Trail{regionalTrail("use1", "us-east-1")}
		}), acctRes, StatusOK, []string{"use1", "homed in us-east-1"}},
		{"flag on a regional trail elsewhere", with(func(a *snapshot.Account) {
			a.Trails = []*snapshot.Trail{regionalTrail("eu", "eu-west-1")}
		}), acctRes, StatusAlarm, []string{"trail eu", "single-region", "eu-west-1", "2021-11-22"}},
		{"receiving trail not logging", withStatus(func(s *snapshot.TrailStatus) { s.IsLogging, s.StopLoggingTime = false, nil }),
			acctRes, StatusAlarm, []string{"main", "not logging"}},
		{"flag off everywhere", withTrail(func(t *snapshot.Trail) { t.IncludeGlobalServiceEvents = false }),
			acctRes, StatusAlarm, []string{"IncludeGlobalServiceEvents false on all 1 trails"}},
		{"no trail", with(func(a *snapshot.Account) { a.Trails = nil }), acctRes, StatusAlarm, []string{"no CloudTrail trail in this account"}},
		{"other partitions are info", with(func(a *snapshot.Account) {
			a.Partition = "aws-cn"
			trail0(a).ARN = "arn:aws-cn:cloudtrail:cn-north-1:123456789012:trail/main"
		}), "arn:aws-cn:::123456789012", StatusInfo, []string{"aws-cn", "not confirmed"}},
		{"organization trail status unreadable", orgAccount(func(t *snapshot.Trail) { failStatus(t, denied("cloudtrail:GetTrailStatus")) }),
			acctRes, StatusInfo, []string{"org", otherAcct}},
		{"own trail status unreadable", withTrail(func(t *snapshot.Trail) { failStatus(t, throttled("cloudtrail:GetTrailStatus")) }),
			acctRes, StatusError, []string{"cloudtrail:GetTrailStatus", "ThrottlingException"}},
		{"trails not listed", with(func(a *snapshot.Account) {
			a.Trails = nil
			a.TrailListErrors = map[string]*snapshot.ReadError{"us-east-1": throttled("cloudtrail:DescribeTrails")}
		}), acctRes, StatusError, []string{"cloudtrail:DescribeTrails"}},
	}
	runCases(t, "global_services", cases)
}

func TestDuplicateGlobalEvents(t *testing.T) {
	stopped := regionalTrail("use1", "us-east-1")
	stopped.Status = &snapshot.TrailStatus{IsLogging: false}
	cases := []ruleCase{
		{"one receiver", cleanAccount(), acctRes, StatusOK, []string{"only trail main"}},
		{"no receiver", withTrail(func(t *snapshot.Trail) { t.IncludeGlobalServiceEvents = false }),
			acctRes, StatusOK, []string{"no trail receives global service events"}},
		{"two receivers, one not logging", with(func(a *snapshot.Account) { a.Trails = append(a.Trails, stopped) }),
			acctRes, StatusAlarm, []string{"2 trails", "trail main", "trail use1 (not logging)"}},
		{"regional trail outside us-east-1 does not receive them", with(func(a *snapshot.Account) {
			a.Trails = append(a.Trails, regionalTrail("eu", "eu-west-1"))
		}), acctRes, StatusOK, []string{"only trail main"}},
		{"organization trail counts", with(func(a *snapshot.Account) {
			o := goodTrail()
			o.ARN, o.Name, o.OwnerAccountID, o.Status, o.StatusErr = orgTrail, "org", otherAcct, nil, denied("cloudtrail:GetTrailStatus")
			a.Trails = append(a.Trails, o)
		}), acctRes, StatusAlarm, []string{"2 trails", "trail org of account " + otherAcct + " (logging state unknown)"}},
		{"other partition: regional receivers are uncertain", with(func(a *snapshot.Account) {
			a.Partition = "aws-us-gov"
			a.Trails = append(a.Trails, regionalTrail("gov", "us-gov-west-1"))
		}), "arn:aws-us-gov:::123456789012", StatusInfo, []string{"aws-us-gov", "gov", "not confirmed"}},
		{"listing errors leave a single receiver undecided", with(func(a *snapshot.Account) {
			a.TrailListErrors = map[string]*snapshot.ReadError{"eu-west-1": denied("cloudtrail:DescribeTrails")}
		}), acctRes, StatusError, []string{"cloudtrail:DescribeTrails", "AccessDenied"}},
	}
	runCases(t, "duplicate_global_events", cases)
}

// changeEvent is a configuration change event in us-east-1.
func changeEvent(name, trail, errCode string, ago time.Duration) *snapshot.ConfigChangeEvent {
	return &snapshot.ConfigChangeEvent{
		EventID: name + trail, EventName: name, EventTime: now.Add(-ago), Region: "us-east-1",
		EventSource: "cloudtrail.amazonaws.com", UserIdentityType: "IAMUser",
		UserIdentityARN: "arn:aws:iam::123456789012:user/mallory", SourceIPAddress: "198.51.100.7",
		RequestParameters: json.RawMessage(fmt.Sprintf(`{"name":%q}`, trail)), Trail: trail, ErrorCode: errCode,
	}
}

func TestConfigChanges(t *testing.T) {
	withEvents := func(es ...*snapshot.ConfigChangeEvent) *snapshot.Account {
		return with(func(a *snapshot.Account) { a.ConfigChanges = es })
	}
	main := "arn:aws:cloudtrail:us-east-1:123456789012:trail/main"
	cases := []ruleCase{
		{"quiet region", cleanAccount(), "arn:aws::eu-west-1:123456789012", StatusOK,
			[]string{"no CloudTrail configuration change", "eu-west-1", "24h"}},
		{"change by name", withEvents(changeEvent("StopLogging", "main", "", time.Hour)), main, StatusAlarm,
			[]string{"StopLogging", "trail main", "arn:aws:iam::123456789012:user/mallory", "2026-11-25T11:00:00Z", "198.51.100.7"}},
		{"change by ARN", withEvents(changeEvent("UpdateTrail", orgTrail, "", time.Hour)), orgTrail, StatusAlarm,
			[]string{"UpdateTrail", orgTrail}},
		{"failed attempt", withEvents(changeEvent("DeleteTrail", "main", "AccessDenied", time.Hour)), main, StatusAlarm,
			[]string{"attempted DeleteTrail", "AccessDenied"}},
		{"region with a change has no ok", withEvents(changeEvent("StopLogging", "main", "", time.Hour)),
			"arn:aws::ap-south-1:123456789012", StatusOK, []string{"ap-south-1"}},
		{"lookup failed in a region", with(func(a *snapshot.Account) {
			a.ConfigChangeErrors = map[string]*snapshot.ReadError{"eu-west-1": throttled("cloudtrail:LookupEvents")}
		}), "arn:aws::eu-west-1:123456789012", StatusError, []string{"eu-west-1", "cloudtrail:LookupEvents", "ThrottlingException"}},
		{"seven-day window", with(func(a *snapshot.Account) { a.ConfigChangeWindowStart = now.Add(-7 * 24 * time.Hour) }),
			"arn:aws::us-east-1:123456789012", StatusOK, []string{"in the last 7d"}},
		{"no region evaluated", with(func(a *snapshot.Account) { a.Regions = nil }), acctRes, StatusSkip, []string{"no enabled region"}},
		{"regions unreadable", with(func(a *snapshot.Account) { a.Regions, a.RegionsErr = nil, denied("ec2:DescribeRegions") }),
			acctRes, StatusError, []string{"ec2:DescribeRegions", "AccessDenied"}},
		{"regions unreadable, fallback region searched", with(func(a *snapshot.Account) {
			a.Regions, a.RegionsErr = []string{"us-east-1"}, denied("ec2:DescribeRegions")
		}), acctRes, StatusError, []string{"ec2:DescribeRegions", "AccessDenied", "other than us-east-1"}},
		{"not loaded", with(func(a *snapshot.Account) { a.Loaded &^= snapshot.NeedConfigChanges }),
			acctRes, StatusError, []string{"cloudtrail:LookupEvents", "NotRead"}},
		{"event data store change", withEvents(&snapshot.ConfigChangeEvent{EventName: "DeleteEventDataStore", Region: "eu-west-1",
			EventTime: now.Add(-time.Hour), Trail: "arn:aws:cloudtrail:eu-west-1:123456789012:eventdatastore/abc", UserName: "root"}),
			"arn:aws:cloudtrail:eu-west-1:123456789012:eventdatastore/abc", StatusAlarm, []string{"DeleteEventDataStore", "root"}},
	}
	runCases(t, "config_changes", cases)

	// One alarm per event; read-only and unlisted names are never changes;
	// the region with changes has no ok.
	fs := Evaluate(withEvents(
		changeEvent("StopLogging", "main", "", time.Hour),
		changeEvent("StartLogging", "main", "", 2*time.Hour),
		changeEvent("GetTrailStatus", "main", "", time.Hour),
		changeEvent("SomethingElse", "main", "", time.Hour),
	), "config_changes")
	var alarms, usEast1OK int
	for _, f := range fs {
		if f.Status == StatusAlarm {
			alarms++
		}
		if f.Status == StatusOK && f.Region == "us-east-1" {
			usEast1OK++
		}
	}
	if alarms != 2 || usEast1OK != 0 {
		t.Errorf("got %d alarms and %d ok in us-east-1, want 2 and 0:%s", alarms, usEast1OK, dump(fs))
	}
	a := withEvents(changeEvent("GetTrailStatus", "main", "", time.Hour))
	a.ConfigChangeEventNames = []string{"GetTrailStatus"}
	for _, f := range Evaluate(a, "config_changes") {
		if f.Status == StatusAlarm {
			t.Errorf("read-only call reported as a change: %s", f.Reason)
		}
	}
}
