package rules

import (
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// withTrail returns the clean account with its trail changed by fn.
func withTrail(fn func(t *snapshot.Trail)) *snapshot.Account {
	return with(func(a *snapshot.Account) { fn(trail0(a)) })
}

// withStatus returns the clean account with its trail's status changed by fn.
func withStatus(fn func(s *snapshot.TrailStatus)) *snapshot.Account {
	return withTrail(func(t *snapshot.Trail) { fn(t.Status) })
}

// withSelectors returns the clean account with its trail's selectors replaced.
func withSelectors(sel *snapshot.EventSelectors) *snapshot.Account {
	return withTrail(func(t *snapshot.Trail) { t.Selectors = sel })
}

// orgAccount returns the clean account whose only trail is another
// account's organization trail, changed by fn.
func orgAccount(fn func(t *snapshot.Trail)) *snapshot.Account {
	return with(func(a *snapshot.Account) {
		t := goodTrail()
		t.ARN, t.Name, t.OwnerAccountID, t.IsOrganizationTrail = orgTrail, "org", otherAcct, true
		t.S3BucketName = orgBucket
		a.Trails = []*snapshot.Trail{t}
		fn(t)
	})
}

// perTrailFactCases are the cases every per-trail rule reading one
// per-trail fact shares.
func perTrailFactCases(need snapshot.Need, action string, fail func(t *snapshot.Trail, err *snapshot.ReadError)) []ruleCase {
	return []ruleCase{
		{"other account's trail that only its owner may read is skipped", orgAccount(func(t *snapshot.Trail) {
			fail(t, denied(action))
		}), orgTrail, StatusSkip, []string{"org", otherAcct, action, "AccessDenied"}},
		{"other account's trail not found from here is skipped", orgAccount(func(t *snapshot.Trail) {
			fail(t, notFound(action, "TrailNotFoundException"))
		}), orgTrail, StatusSkip, []string{otherAcct, "TrailNotFoundException"}},
		{"other account's trail throttled is an error", orgAccount(func(t *snapshot.Trail) {
			fail(t, throttled(action))
		}), orgTrail, StatusError, []string{action, "ThrottlingException"}},
		{"own trail denied is an error", withTrail(func(t *snapshot.Trail) { fail(t, denied(action)) }),
			mainTrail, StatusError, []string{"main", action, "AccessDenied"}},
		{"fact not loaded is an error", with(func(a *snapshot.Account) { a.Loaded &^= need }),
			mainTrail, StatusError, []string{action, "NotRead"}},
	}
}

// noTrailCases are the cases every per-trail rule shares.
func noTrailCases() []ruleCase {
	return []ruleCase{
		{"no trails gives the account-level skip", with(func(a *snapshot.Account) { a.Trails = nil }),
			acctRes, StatusSkip, []string{"no CloudTrail trails in this account"}},
		{"trails not loaded is an error", with(func(a *snapshot.Account) { a.Loaded &^= snapshot.NeedTrails }),
			acctRes, StatusError, []string{"cloudtrail:DescribeTrails", "NotRead"}},
		{"trails not listed in a region is a region error", with(func(a *snapshot.Account) {
			a.Trails = nil
			a.TrailListErrors = map[string]*snapshot.ReadError{"ap-south-1": denied("cloudtrail:DescribeTrails")}
		}), "arn:aws::ap-south-1:123456789012", StatusError, []string{"ap-south-1", "cloudtrail:DescribeTrails", "AccessDenied"}},
	}
}

func failStatus(t *snapshot.Trail, err *snapshot.ReadError) { t.Status, t.StatusErr = nil, err }

func failSelectors(t *snapshot.Trail, err *snapshot.ReadError) {
	t.Selectors, t.SelectorsErr = nil, err
}

func TestCloudwatchIntegration(t *testing.T) {
	cases := []ruleCase{
		{"recent delivery", cleanAccount(), mainTrail, StatusOK, []string{"main", mainGroup, "2026-11-25T11:00:00Z"}},
		{"no log group", withTrail(func(t *snapshot.Trail) { t.CloudWatchLogsLogGroupARN = "" }),
			mainTrail, StatusAlarm, []string{"main", "not integrated", "CloudWatchLogsLogGroupArn"}},
		{"stale delivery", withStatus(func(s *snapshot.TrailStatus) { s.LatestCloudWatchLogsDeliveryTime = hoursAgo(30) }),
			mainTrail, StatusAlarm, []string{"main", "stale", "2026-11-24T06:00:00Z", "30 hours ago"}},
		{"just inside 24 hours", withStatus(func(s *snapshot.TrailStatus) { s.LatestCloudWatchLogsDeliveryTime = hoursAgo(23.9) }),
			mainTrail, StatusOK, []string{"main"}},
		{"never delivered", withStatus(func(s *snapshot.TrailStatus) { s.LatestCloudWatchLogsDeliveryTime = nil }),
			mainTrail, StatusAlarm, []string{"main", "no delivery was ever recorded"}},
		{"delivery error", withStatus(func(s *snapshot.TrailStatus) {
			s.LatestCloudWatchLogsDeliveryError = "Role arn:aws:iam::123456789012:role/ct-cw is not authorized"
		}), mainTrail, StatusAlarm, []string{"main", "fails to deliver", "not authorized"}},
		{"not logging says not logging, not stale", withStatus(func(s *snapshot.TrailStatus) {
			s.IsLogging, s.StopLoggingTime, s.LatestCloudWatchLogsDeliveryTime = false, hoursAgo(48), hoursAgo(48)
		}), mainTrail, StatusAlarm, []string{"main", "not logging since 2026-11-23T12:00:00Z"}},
		{"S3 delivery time is not used", withStatus(func(s *snapshot.TrailStatus) {
			s.LatestCloudWatchLogsDeliveryTime, s.LatestDeliveryTime = hoursAgo(50), hoursAgo(0.1)
		}), mainTrail, StatusAlarm, []string{"stale"}},
	}
	cases = append(cases, perTrailFactCases(snapshot.NeedTrailStatus, "cloudtrail:GetTrailStatus", failStatus)...)
	cases = append(cases, noTrailCases()...)
	runCases(t, "cloudwatch_integration", cases)

	// A stopped trail's finding must not call it stale.
	f, _ := findingFor(Evaluate(withStatus(func(s *snapshot.TrailStatus) {
		s.IsLogging, s.LatestCloudWatchLogsDeliveryTime = false, hoursAgo(48)
	}), "cloudwatch_integration"), "cloudwatch_integration", mainTrail)
	if contains(f.Reason, "stale") || !contains(f.Reason, "never started") {
		t.Errorf("reason %q: want not logging (never started), not stale", f.Reason)
	}
}

func TestLogFileValidation(t *testing.T) {
	cases := []ruleCase{
		{"enabled", cleanAccount(), mainTrail, StatusOK, []string{"main", "enabled"}},
		{"disabled", withTrail(func(t *snapshot.Trail) { t.LogFileValidationEnabled = false }),
			mainTrail, StatusAlarm, []string{"main", "disabled"}},
		{"organization trail is evaluated from DescribeTrails", orgAccount(func(t *snapshot.Trail) {
			t.LogFileValidationEnabled = false
			failStatus(t, denied("cloudtrail:GetTrailStatus"))
		}), orgTrail, StatusAlarm, []string{"org", otherAcct}},
	}
	cases = append(cases, noTrailCases()...)
	runCases(t, "log_file_validation", cases)
	if n := NeedsOf("log_file_validation"); n != snapshot.NeedTrails {
		t.Errorf("NeedsOf(log_file_validation) = %b, want NeedTrails only", n)
	}
}

func TestKMSEncryption(t *testing.T) {
	key := func(fn func(k *snapshot.Key)) *snapshot.Account {
		return with(func(a *snapshot.Account) { fn(a.Keys[mainKey]) })
	}
	foreignKey := "arn:aws:kms:us-east-1:210987654321:key/9999"
	cases := []ruleCase{
		{"enabled key", cleanAccount(), mainTrail, StatusOK, []string{"main", mainKey, "Enabled"}},
		{"no key", withTrail(func(t *snapshot.Trail) { t.KmsKeyID = "" }), mainTrail, StatusAlarm, []string{"main", "SSE-S3 only"}},
		{"key disabled", key(func(k *snapshot.Key) { k.State, k.Enabled = "Disabled", false }),
			mainTrail, StatusAlarm, []string{mainKey, "Disabled"}},
		{"key pending deletion", key(func(k *snapshot.Key) { k.State, k.Enabled = "PendingDeletion", false }),
			mainTrail, StatusAlarm, []string{mainKey, "PendingDeletion"}},
		{"describe denied", key(func(k *snapshot.Key) { k.State, k.Enabled, k.Err = "", false, denied("kms:DescribeKey") }),
			mainTrail, StatusInfo, []string{"encrypted with " + mainKey, "key state not verifiable", "kms:DescribeKey", "AccessDenied"}},
		{"key in another account", with(func(a *snapshot.Account) {
			trail0(a).KmsKeyID = foreignKey
			a.Keys = map[string]*snapshot.Key{foreignKey: {ID: foreignKey, AccountID: otherAcct,
				Err: &snapshot.ReadError{Action: "kms:DescribeKey", Code: "AccessDeniedException", Class: snapshot.ClassAccessDenied}}}
		}), mainTrail, StatusInfo, []string{foreignKey, "not verifiable", "AccessDeniedException"}},
		{"key in another account not described", with(func(a *snapshot.Account) {
			trail0(a).KmsKeyID = foreignKey
			a.Keys = nil
		}), mainTrail, StatusInfo, []string{foreignKey, "not verifiable", otherAcct}},
		{"own key missing", key(func(k *snapshot.Key) {
			k.State, k.Enabled, k.Err = "", false, notFound("kms:DescribeKey", "NotFoundException")
		}),
			mainTrail, StatusAlarm, []string{mainKey, "does not exist"}},
		{"own key throttled", key(func(k *snapshot.Key) { k.State, k.Enabled, k.Err = "", false, throttled("kms:DescribeKey") }),
			mainTrail, StatusError, []string{"kms:DescribeKey", "ThrottlingException"}},
		{"keys not loaded", with(func(a *snapshot.Account) { a.Loaded &^= snapshot.NeedKeys }),
			mainTrail, StatusError, []string{"kms:DescribeKey", "NotRead"}},
		{"key never read", with(func(a *snapshot.Account) { a.Keys = nil }),
			mainTrail, StatusError, []string{"kms:DescribeKey", "NotRead"}},
	}
	cases = append(cases, noTrailCases()...)
	runCases(t, "kms_encryption", cases)
}

func TestDataEvents(t *testing.T) {
	classic := func(rw string, values ...string) *snapshot.EventSelectors {
		return &snapshot.EventSelectors{Classic: []snapshot.ClassicSelector{{ReadWriteType: rw, IncludeManagementEvents: true,
			DataResources: []snapshot.DataResource{{Type: "AWS::S3::Object", Values: values}}}}}
	}
	adv := func(fields ...snapshot.FieldSelector) snapshot.AdvancedSelector {
		return snapshot.AdvancedSelector{FieldSelectors: fields}
	}
	eq := func(field string, v ...string) snapshot.FieldSelector {
		return snapshot.FieldSelector{Field: field, Equals: v}
	}
	cases := []ruleCase{
		{"classic all S3 objects", cleanAccount(), mainTrail, StatusOK, []string{"main", "AWS::S3::Object (read+write, all buckets)", "all S3 objects"}},
		{"classic read-only selected bucket", withSelectors(classic("ReadOnly", "arn:aws:s3:::bucket-a/")), mainTrail, StatusOK,
			[]string{"AWS::S3::Object (read, 1 selected ARN prefix(es): arn:aws:s3:::bucket-a/)"}},
		{"classic without data resources", withSelectors(&snapshot.EventSelectors{Classic: []snapshot.ClassicSelector{
			{ReadWriteType: "All", IncludeManagementEvents: true}}}), mainTrail, StatusAlarm, []string{"main", "no data events", "DataResources"}},
		{"advanced data selector", withSelectors(&snapshot.EventSelectors{Advanced: []snapshot.AdvancedSelector{
			adv(eq("eventCategory", "Management")),
			adv(eq("eventCategory", "Data"), eq("resources.type", "AWS::Lambda::Function"), eq("readOnly", "false")),
		}}), mainTrail, StatusOK, []string{"AWS::Lambda::Function (write, all functions)"}},
		{"advanced NetworkActivity does not count", withSelectors(&snapshot.EventSelectors{Advanced: []snapshot.AdvancedSelector{
			adv(eq("eventCategory", "Management")),
			adv(eq("eventCategory", "NetworkActivity"), eq("eventSource", "s3.amazonaws.com")),
		}}), mainTrail, StatusAlarm, []string{"no data events", "NetworkActivity does not count"}},
		{"advanced filtered by ARN", withSelectors(&snapshot.EventSelectors{Advanced: []snapshot.AdvancedSelector{
			adv(eq("eventCategory", "Data"), eq("resources.type", "AWS::S3::Object"),
				snapshot.FieldSelector{Field: "resources.ARN", StartsWith: []string{"arn:aws:s3:::b/"}}),
		}}), mainTrail, StatusOK, []string{"AWS::S3::Object (read+write, filtered by resources.ARN)"}},
	}
	cases = append(cases, perTrailFactCases(snapshot.NeedEventSelectors, "cloudtrail:GetEventSelectors", failSelectors)...)
	cases = append(cases, noTrailCases()...)
	runCases(t, "data_events", cases)

	// The CIS flag: all S3 objects, read and write, possibly across selectors.
	flag := func(sel *snapshot.EventSelectors) any {
		fs := Evaluate(withSelectors(sel), "data_events")
		return fs[0].Evidence["all_s3_objects_read_write"]
	}
	split := &snapshot.EventSelectors{Classic: append(classic("ReadOnly", "arn:aws:s3").Classic, classic("WriteOnly", "arn:aws:s3:::").Classic...)}
	if flag(split) != true {
		t.Errorf("read and write selectors over all buckets: flag = %v, want true", flag(split))
	}
	if flag(classic("ReadOnly", "arn:aws:s3")) != false {
		t.Error("read-only selector: flag true, want false")
	}
	if flag(classic("All", "arn:aws:s3:::bucket-a/")) != false {
		t.Error("one bucket: flag true, want false")
	}
	advAll := &snapshot.EventSelectors{Advanced: []snapshot.AdvancedSelector{adv(eq("eventCategory", "Data"), eq("resources.type", "AWS::S3::Object"))}}
	if flag(advAll) != true {
		t.Error("advanced all S3 objects: flag false, want true")
	}
}

func TestDeliveryFailing(t *testing.T) {
	cases := []ruleCase{
		{"logging without errors", cleanAccount(), mainTrail, StatusOK, []string{"main", "no delivery error"}},
		{"S3 delivery error", withStatus(func(s *snapshot.TrailStatus) {
			s.LatestDeliveryError, s.LatestDeliveryTime = "NoSuchBucket", hoursAgo(5)
		}), mainTrail, StatusAlarm, []string{"main", `LatestDeliveryError "NoSuchBucket"`, "last successful delivery 2026-11-25T07:00:00Z"}},
		{"notification error", withStatus(func(s *snapshot.TrailStatus) { s.LatestNotificationError = "NotFound" }),
			mainTrail, StatusAlarm, []string{`LatestNotificationError "NotFound"`}},
		{"digest error", withStatus(func(s *snapshot.TrailStatus) { s.LatestDigestDeliveryError = "AccessDenied" }),
			mainTrail, StatusAlarm, []string{`LatestDigestDeliveryError "AccessDenied"`}},
		{"error with no success ever", withStatus(func(s *snapshot.TrailStatus) {
			s.LatestDeliveryError, s.LatestDeliveryTime = "AccessDenied", nil
		}), mainTrail, StatusAlarm, []string{"no successful delivery recorded"}},
		{"stopped", withStatus(func(s *snapshot.TrailStatus) { s.IsLogging, s.StopLoggingTime = false, hoursAgo(3) }),
			mainTrail, StatusAlarm, []string{"main", "not logging since 2026-11-25T09:00:00Z", "no log files are delivered"}},
		{"never started", withStatus(func(s *snapshot.TrailStatus) { s.IsLogging, s.StopLoggingTime = false, nil }),
			mainTrail, StatusAlarm, []string{"never started", "no log files are delivered"}},
		{"quiet but healthy is not an alarm", withStatus(func(s *snapshot.TrailStatus) { s.LatestDeliveryTime = hoursAgo(40) }),
			mainTrail, StatusOK, []string{"main"}},
	}
	cases = append(cases, perTrailFactCases(snapshot.NeedTrailStatus, "cloudtrail:GetTrailStatus", failStatus)...)
	cases = append(cases, noTrailCases()...)
	runCases(t, "delivery_failing", cases)
}

func TestManagementEvents(t *testing.T) {
	adv := func(name string, fields ...snapshot.FieldSelector) snapshot.AdvancedSelector {
		return snapshot.AdvancedSelector{Name: name, FieldSelectors: fields}
	}
	cases := []ruleCase{
		{"classic all", cleanAccount(), mainTrail, StatusOK, []string{"main", "ReadWriteType All", "no excluded event sources"}},
		{"classic write-only excluding KMS", withSelectors(&snapshot.EventSelectors{Classic: []snapshot.ClassicSelector{{
			ReadWriteType: "WriteOnly", IncludeManagementEvents: true, ExcludeManagementEventSources: []string{"kms.amazonaws.com"}}}}),
			mainTrail, StatusOK, []string{"ReadWriteType WriteOnly", "excluding kms.amazonaws.com"}},
		{"classic without management events", withSelectors(&snapshot.EventSelectors{Classic: []snapshot.ClassicSelector{{
			ReadWriteType: "All", IncludeManagementEvents: false}}}), mainTrail, StatusAlarm, []string{"main", "no management events", "IncludeManagementEvents false"}},
		{"advanced management read-only", withSelectors(&snapshot.EventSelectors{Advanced: []snapshot.AdvancedSelector{
			adv("", snapshot.FieldSelector{Field: "eventCategory", Equals: []string{"Management"}},
				snapshot.FieldSelector{Field: "readOnly", Equals: []string{"true"}},
				snapshot.FieldSelector{Field: "eventSource", NotEquals: []string{"kms.amazonaws.com"}}),
		}}), mainTrail, StatusOK, []string{"advanced selector, readOnly true", "excluding kms.amazonaws.com"}},
		{"advanced management read and write", withSelectors(&snapshot.EventSelectors{Advanced: []snapshot.AdvancedSelector{
			adv("x", snapshot.FieldSelector{Field: "eventCategory", Equals: []string{"Management"}}),
		}}), mainTrail, StatusOK, []string{"read and write (no readOnly condition)", "no excluded event sources"}},
		{"decided by fields, never by name", withSelectors(&snapshot.EventSelectors{Advanced: []snapshot.AdvancedSelector{
			adv("Management events", snapshot.FieldSelector{Field: "eventCategory", Equals: []string{"Data"}},
				snapshot.FieldSelector{Field: "resources.type", Equals: []string{"AWS::S3::Object"}}),
		}}), mainTrail, StatusAlarm, []string{"none with eventCategory Management"}},
		{"neither classic nor advanced is info with the raw response", withSelectors(&snapshot.EventSelectors{
			Raw: []byte(`{"TrailARN":"` + mainTrail + `"}`)}), mainTrail, StatusInfo, []string{"main", "neither classic nor advanced"}},
	}
	cases = append(cases, perTrailFactCases(snapshot.NeedEventSelectors, "cloudtrail:GetEventSelectors", failSelectors)...)
	cases = append(cases, noTrailCases()...)
	runCases(t, "management_events", cases)

	fs := Evaluate(withSelectors(&snapshot.EventSelectors{Raw: []byte(`{"TrailARN":"x"}`)}), "management_events")
	raw, _ := fs[0].Evidence["raw_response"].(map[string]any)
	if raw["TrailARN"] != "x" {
		t.Errorf("evidence raw_response = %v, want the decoded response", fs[0].Evidence["raw_response"])
	}
}

func TestSNSTopicExists(t *testing.T) {
	topic := func(fn func(tp *snapshot.Topic)) *snapshot.Account {
		return with(func(a *snapshot.Account) { fn(a.Topics[mainTopic]) })
	}
	foreignTopic := "arn:aws:sns:eu-west-1:210987654321:their-topic"
	foreign := func(err *snapshot.ReadError) *snapshot.Account {
		return with(func(a *snapshot.Account) {
			trail0(a).SnsTopicARN = foreignTopic
			a.Topics = map[string]*snapshot.Topic{foreignTopic: {ARN: foreignTopic, Region: "eu-west-1", AccountID: otherAcct, Err: err}}
		})
	}
	cases := []ruleCase{
		{"topic exists", cleanAccount(), mainTrail, StatusOK, []string{"main", mainTopic, "exists"}},
		{"no topic", withTrail(func(t *snapshot.Trail) { t.SnsTopicARN = "" }), mainTrail, StatusSkip, []string{"main", "no SNS topic"}},
		{"topic missing", topic(func(tp *snapshot.Topic) { tp.Exists, tp.Err = false, notFound("sns:GetTopicAttributes", "NotFound") }),
			mainTrail, StatusAlarm, []string{"main", mainTopic, "does not exist", "delivery_failing"}},
		{"other account's topic denied", foreign(&snapshot.ReadError{Action: "sns:GetTopicAttributes", Code: "AuthorizationError", Class: snapshot.ClassAccessDenied}),
			mainTrail, StatusSkip, []string{foreignTopic, otherAcct, "AuthorizationError"}},
		{"other account's topic missing", foreign(notFound("sns:GetTopicAttributes", "NotFound")),
			mainTrail, StatusAlarm, []string{foreignTopic, "does not exist"}},
		{"other account's topic not read", with(func(a *snapshot.Account) {
			trail0(a).SnsTopicARN = foreignTopic
			a.Topics = nil
		}), mainTrail, StatusSkip, []string{foreignTopic, otherAcct, "not read"}},
		{"own topic never read", with(func(a *snapshot.Account) { a.Topics = nil }),
			mainTrail, StatusError, []string{"sns:GetTopicAttributes", "NotRead"}},
		{"own topic denied", topic(func(tp *snapshot.Topic) { tp.Exists, tp.Err = false, denied("sns:GetTopicAttributes") }),
			mainTrail, StatusError, []string{mainTopic, "sns:GetTopicAttributes", "AccessDenied"}},
		{"topics not loaded", with(func(a *snapshot.Account) { a.Loaded &^= snapshot.NeedTopics }),
			mainTrail, StatusError, []string{"sns:GetTopicAttributes", "NotRead"}},
	}
	cases = append(cases, noTrailCases()...)
	runCases(t, "sns_topic_exists", cases)
}

// TestUnknownRegionsLeaveTrailsUnlisted: when DescribeRegions fails, only
// the fallback regions are searched for trails, so a regional trail homed
// elsewhere is not seen. Every rule that lists trails or their buckets keeps
// its findings on the trails it saw and adds one account-level error naming
// ec2:DescribeRegions and the regions searched; with no trail seen it gives
// that error instead of "no trails".
func TestUnknownRegionsLeaveTrailsUnlisted(t *testing.T) {
	var perResource []string
	for _, r := range Catalogue() {
		if r.Scope == ScopeTrail || r.Scope == ScopeBucket {
			perResource = append(perResource, r.ID)
		}
	}
	if len(perResource) != 10 {
		t.Fatalf("%d per-trail and per-bucket rules, want 10: %v", len(perResource), perResource)
	}
	unknown := func(a *snapshot.Account) {
		a.Regions, a.RegionsErr = []string{"us-east-1"}, denied("ec2:DescribeRegions")
	}
	clean := Evaluate(cleanAccount(), perResource...)
	got := Evaluate(with(unknown), perResource...)
	for _, rule := range perResource {
		mine := ofRule(got, rule)
		for _, b := range ofRule(clean, rule) {
			if !hasFinding(mine, b) {
				t.Errorf("%s lost its finding on a trail it could read: %s", rule, dump([]Finding{b}))
			}
		}
		f, ok := findingFor(mine, rule, acctRes)
		if !ok || f.Status != StatusError || !contains(f.Reason, "trails homed in regions other than us-east-1 were not listed") ||
			!contains(f.Reason, "ec2:DescribeRegions failed with AccessDenied") {
			t.Errorf("%s: no account-level error saying which regions were not searched:%s", rule, dump(mine))
		}
	}
	none := Evaluate(with(func(a *snapshot.Account) { unknown(a); a.Trails = nil }), perResource...)
	for _, f := range none {
		if f.Status != StatusError {
			t.Errorf("no trail seen in the searched regions, yet %s %s: %s", f.RuleID, f.Status, f.Reason)
		}
	}
}

// TestUnknownRegionsAndGlobalEvents: a trail that receives global service
// events is multi-region (seen from every region) or homed in us-east-1, so
// unknown enabled regions matter to global_services and
// duplicate_global_events only when us-east-1 was not searched.
func TestUnknownRegionsAndGlobalEvents(t *testing.T) {
	rules := []string{"global_services", "duplicate_global_events"}
	searched := func(regions ...string) func(a *snapshot.Account) {
		return func(a *snapshot.Account) {
			a.Trails = []*snapshot.Trail{regionalTrail("eu", "eu-west-1")}
			a.Trails[0].IncludeGlobalServiceEvents = true
			a.Regions, a.RegionsErr = regions, denied("ec2:DescribeRegions")
		}
	}
	for _, f := range Evaluate(with(searched("us-east-1", "eu-west-1")), rules...) {
		if f.Status == StatusError {
			t.Errorf("us-east-1 was searched, yet %s is an error: %s", f.RuleID, f.Reason)
		}
	}
	for _, f := range Evaluate(with(searched("eu-west-1")), rules...) {
		if f.Status != StatusError || !contains(f.Reason, "regions other than eu-west-1") || !contains(f.Reason, "ec2:DescribeRegions") {
			t.Errorf("us-east-1 was not searched, yet %s %s: %s", f.RuleID, f.Status, f.Reason)
		}
	}
}
