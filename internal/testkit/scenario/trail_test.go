package scenario

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

// oneTrail seeds a single trail (own private bucket) and returns it.
func oneTrail(e *env, spec seed.TrailSpec, extra ...func(b *seed.Builder, spec *seed.TrailSpec)) (*seed.Account, *seed.Trail) {
	e.t.Helper()
	spec.Role = "main"
	acct := e.build("trail", func(b *seed.Builder) {
		for _, f := range extra {
			f(b, &spec)
		}
		trail(b, spec)
	})
	return acct, acct.Trail("main")
}

// withLogGroup gives the trail a CloudWatch Logs log group.
func withLogGroup(b *seed.Builder, spec *seed.TrailSpec) {
	spec.LogGroupARN = b.LogGroup(b.HomeRegion(), "main-logs")
}

// withTopic gives the trail an SNS topic.
func withTopic(b *seed.Builder, spec *seed.TrailSpec) {
	spec.TopicARN = b.Topic(b.HomeRegion(), "main-topic")
}

// withKey gives the trail a KMS key in state.
func withKey(state seed.KeyState) func(*seed.Builder, *seed.TrailSpec) {
	return func(b *seed.Builder, spec *seed.TrailSpec) { spec.KeyARN = b.Key(b.HomeRegion(), "main-key", state) }
}

func TestCloudWatchIntegrationOKWithRecentDelivery(t *testing.T) {
	e := newEnv(t)
	e.needControl()
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true, Status: seed.Healthy()}, withLogGroup)
	e.expect(e.findings(), "cloudwatch_integration", tr.ARN, "ok", "log-group")
}

func TestCloudWatchIntegrationAlarmsWithoutLogGroup(t *testing.T) {
	e := newEnv(t)
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true})
	e.expect(e.findings(), "cloudwatch_integration", tr.ARN, "alarm", tr.Name)
}

func TestCloudWatchIntegrationAlarmsOnStaleDeliveryWhateverTheS3Time(t *testing.T) {
	e := newEnv(t)
	e.needControl()
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true,
		Status: &seed.TrailStatus{DeliveredAgo: 2 * time.Minute, CloudWatchAgo: 30 * time.Hour}}, withLogGroup)
	f := e.expect(e.findings(), "cloudwatch_integration", tr.ARN, "alarm")
	if strings.Contains(strings.ToLower(f.Reason), "not logging") {
		t.Errorf("a logging trail with a stale delivery must not be called not logging: %s", f.Reason)
	}
}

func TestCloudWatchIntegrationAlarmsWhenNeverDelivered(t *testing.T) {
	e := newEnv(t)
	e.needControl()
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true, Status: &seed.TrailStatus{DeliveredAgo: time.Minute}}, withLogGroup)
	e.expect(e.findings(), "cloudwatch_integration", tr.ARN, "alarm", "ever")
}

func TestCloudWatchIntegrationAlarmsQuotingDeliveryError(t *testing.T) {
	e := newEnv(t)
	e.needControl()
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true, Status: &seed.TrailStatus{DeliveredAgo: time.Minute,
		CloudWatchAgo: 2 * time.Hour, CloudWatchError: "AccessDenied: role cannot be assumed"}}, withLogGroup)
	e.expect(e.findings(), "cloudwatch_integration", tr.ARN, "alarm", "AccessDenied")
}

func TestCloudWatchIntegrationSaysNotLoggingForStoppedTrail(t *testing.T) {
	e := newEnv(t)
	e.needControl()
	acct := e.build("cwstop", func(b *seed.Builder) {
		spec := seed.TrailSpec{Role: "main", Logging: true, Status: &seed.TrailStatus{CloudWatchAgo: 30 * time.Hour}}
		withLogGroup(b, &spec)
		b.StopLogging(trail(b, spec))
	})
	e.expect(e.findings(), "cloudwatch_integration", acct.Trail("main").ARN, "alarm", "not logging")
}

func TestLogFileValidationOKWhenEnabled(t *testing.T) {
	e := newEnv(t)
	_, tr := oneTrail(e, seed.TrailSpec{Validation: true, Logging: true})
	e.expect(e.findings(), "log_file_validation", tr.ARN, "ok", tr.Name)
}

func TestLogFileValidationAlarmsWhenDisabled(t *testing.T) {
	e := newEnv(t)
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true})
	e.expect(e.findings(), "log_file_validation", tr.ARN, "alarm", tr.Name)
}

func TestKMSEncryptionOKNamesEnabledKey(t *testing.T) {
	e := newEnv(t)
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true}, withKey(seed.KeyEnabled))
	e.expect(e.findings(), "kms_encryption", tr.ARN, "ok", tr.KeyARN)
}

func TestKMSEncryptionAlarmsWithoutKey(t *testing.T) {
	e := newEnv(t)
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true})
	e.expect(e.findings(), "kms_encryption", tr.ARN, "alarm", "SSE-S3")
}

func TestKMSEncryptionAlarmsOnDisabledKey(t *testing.T) {
	e := newEnv(t)
	acct := e.build("kmsoff", func(b *seed.Builder) {
		spec := seed.TrailSpec{Role: "main", Logging: true}
		withKey(seed.KeyEnabled)(b, &spec)
		trail(b, spec)
		b.SetKeyState(spec.KeyARN, seed.KeyDisabled)
	})
	e.expect(e.findings(), "kms_encryption", acct.Trail("main").ARN, "alarm", "Disabled")
}

func TestKMSEncryptionAlarmsOnKeyPendingDeletion(t *testing.T) {
	e := newEnv(t)
	acct := e.build("kmsdel", func(b *seed.Builder) {
		spec := seed.TrailSpec{Role: "main", Logging: true}
		withKey(seed.KeyEnabled)(b, &spec)
		trail(b, spec)
		b.SetKeyState(spec.KeyARN, seed.KeyPendingDeletion)
	})
	e.expect(e.findings(), "kms_encryption", acct.Trail("main").ARN, "alarm", "PendingDeletion")
}

func TestKMSEncryptionInfoForAnotherAccountsKey(t *testing.T) {
	e := newEnv(t)
	e.needControl()
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true}, func(b *seed.Builder, spec *seed.TrailSpec) {
		spec.KeyARN = b.ForeignKey(managementAccount, b.HomeRegion())
	})
	e.expect(e.findings(), "kms_encryption", tr.ARN, "info", tr.KeyARN, "not verifiable")
}

func TestDataEventsOKForClassicAllS3Objects(t *testing.T) {
	e := newEnv(t)
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true, Classic: seed.AllS3DataEvents()})
	f := e.expect(e.findings(), "data_events", tr.ARN, "ok", "AWS::S3::Object", "all buckets")
	if f.Evidence["all_s3_objects_read_write"] != true {
		t.Errorf("evidence should flag all S3 objects, read and write: %s", mustJSON(t, f.Evidence))
	}
}

func TestDataEventsOKForOneBucketReadOnlyIsNotAllObjects(t *testing.T) {
	e := newEnv(t)
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true}, func(b *seed.Builder, spec *seed.TrailSpec) {
		spec.Classic = []cttypes.EventSelector{{ReadWriteType: cttypes.ReadWriteTypeReadOnly, IncludeManagementEvents: aws.Bool(true),
			DataResources: []cttypes.DataResource{{Type: aws.String("AWS::S3::Object"),
				Values: []string{"arn:aws:s3:::" + b.Name("data") + "/"}}}}}
	})
	f := e.expect(e.findings(), "data_events", tr.ARN, "ok", "AWS::S3::Object", "read")
	if f.Evidence["all_s3_objects_read_write"] != false {
		t.Errorf("one bucket, read-only, is not all S3 objects read and write: %s", mustJSON(t, f.Evidence))
	}
}

func TestDataEventsOKForAdvancedDataCategory(t *testing.T) {
	e := newEnv(t)
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true, Advanced: seed.AdvancedManagementAndData()})
	e.expect(e.findings(), "data_events", tr.ARN, "ok", "AWS::S3::Object")
}

func TestDataEventsAlarmsForManagementOnlySelectors(t *testing.T) {
	e := newEnv(t)
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true, Classic: seed.ManagementOnly()})
	e.expect(e.findings(), "data_events", tr.ARN, "alarm", tr.Name)
}

func TestDataEventsAlarmsForDefaultSelectors(t *testing.T) {
	e := newEnv(t)
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true})
	e.expect(e.findings(), "data_events", tr.ARN, "alarm")
}

func TestDataEventsAlarmsForNetworkActivityOnly(t *testing.T) {
	e := newEnv(t)
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true, Advanced: seed.AdvancedNetworkActivityOnly()})
	e.expect(e.findings(), "data_events", tr.ARN, "alarm")
}

func TestDeliveryFailingOKForHealthyTrail(t *testing.T) {
	e := newEnv(t)
	e.needControl()
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true, Status: seed.Healthy()})
	e.expect(e.findings(), "delivery_failing", tr.ARN, "ok")
}

func TestDeliveryFailingOKForQuietTrailWithoutRecentDelivery(t *testing.T) {
	e := newEnv(t)
	e.needControl()
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true, Status: &seed.TrailStatus{DeliveredAgo: 30 * time.Hour}})
	e.expect(e.findings(), "delivery_failing", tr.ARN, "ok")
}

func TestDeliveryFailingAlarmsQuotingS3DeliveryError(t *testing.T) {
	e := newEnv(t)
	e.needControl()
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true, Status: &seed.TrailStatus{DeliveredAgo: 3 * time.Hour, DeliveryError: "NoSuchBucket"}})
	e.expect(e.findings(), "delivery_failing", tr.ARN, "alarm", "NoSuchBucket")
}

func TestDeliveryFailingAlarmsOnNotificationError(t *testing.T) {
	e := newEnv(t)
	e.needControl()
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true, Status: &seed.TrailStatus{DeliveredAgo: time.Minute,
		NotificationError: "AuthorizationError"}}, withTopic)
	e.expect(e.findings(), "delivery_failing", tr.ARN, "alarm", "AuthorizationError")
}

func TestDeliveryFailingAlarmsOnDigestError(t *testing.T) {
	e := newEnv(t)
	e.needControl()
	_, tr := oneTrail(e, seed.TrailSpec{Validation: true, Logging: true, Status: &seed.TrailStatus{DeliveredAgo: time.Minute,
		DigestError: "AccessDenied"}})
	e.expect(e.findings(), "delivery_failing", tr.ARN, "alarm", "AccessDenied")
}

func TestDeliveryFailingAlarmsForStoppedTrail(t *testing.T) {
	e := newEnv(t)
	acct := e.build("stop", func(b *seed.Builder) {
		b.StopLogging(trail(b, seed.TrailSpec{Role: "main", Logging: true}))
	})
	e.expect(e.findings(), "delivery_failing", acct.Trail("main").ARN, "alarm", "not logging since")
}

func TestDeliveryFailingAlarmsForTrailNeverStarted(t *testing.T) {
	e := newEnv(t)
	_, tr := oneTrail(e, seed.TrailSpec{})
	e.expect(e.findings(), "delivery_failing", tr.ARN, "alarm", "never started")
}

func TestManagementEventsOKForDefaultSelectors(t *testing.T) {
	e := newEnv(t)
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true})
	e.expect(e.findings(), "management_events", tr.ARN, "ok", "All")
}

func TestManagementEventsOKForAdvancedManagementCategory(t *testing.T) {
	e := newEnv(t)
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true, Advanced: seed.AdvancedManagementOnly()})
	e.expect(e.findings(), "management_events", tr.ARN, "ok")
}

func TestManagementEventsAlarmsForDataOnlyAdvancedSelectorWhateverItsName(t *testing.T) {
	e := newEnv(t)
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true, Advanced: seed.AdvancedDataOnly()})
	e.expect(e.findings(), "management_events", tr.ARN, "alarm")
}

func TestManagementEventsAlarmsWhenClassicSelectorExcludesThem(t *testing.T) {
	e := newEnv(t)
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true, Classic: seed.NoManagementClassic()})
	e.expect(e.findings(), "management_events", tr.ARN, "alarm")
}

func TestSNSTopicExistsSkipsTrailWithoutTopic(t *testing.T) {
	e := newEnv(t)
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true})
	e.expect(e.findings(), "sns_topic_exists", tr.ARN, "skip")
}

func TestSNSTopicExistsOKForExistingTopic(t *testing.T) {
	e := newEnv(t)
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true}, withTopic)
	e.expect(e.findings(), "sns_topic_exists", tr.ARN, "ok", tr.TopicARN)
}

func TestSNSTopicExistsAlarmsForTopicDeletedAfterTrailCreation(t *testing.T) {
	e := newEnv(t)
	acct := e.build("snsgone", func(b *seed.Builder) {
		spec := seed.TrailSpec{Role: "main", Logging: true}
		withTopic(b, &spec)
		trail(b, spec)
		b.DeleteTopic(spec.TopicARN)
	})
	tr := acct.Trail("main")
	e.expect(e.findings(), "sns_topic_exists", tr.ARN, "alarm", tr.TopicARN)
}

func TestSNSTopicExistsSkipsAnotherAccountsTopic(t *testing.T) {
	e := newEnv(t)
	e.needControl()
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true}, func(b *seed.Builder, spec *seed.TrailSpec) {
		spec.TopicARN = b.ForeignTopic("central-alerts", managementAccount, b.HomeRegion())
	})
	e.expect(e.findings(), "sns_topic_exists", tr.ARN, "skip", managementAccount)
}

func TestSNSTopicExistsErrorsWhenOwnTopicDenied(t *testing.T) {
	e := newEnv(t)
	e.needControl()
	_, tr := oneTrail(e, seed.TrailSpec{Logging: true}, withTopic)
	e.deny("sns:GetTopicAttributes")
	e.expect(e.findings(), "sns_topic_exists", tr.ARN, "error", "GetTopicAttributes", "AuthorizationError")
}

func TestPerTrailRulesSkipAccountWithoutTrails(t *testing.T) {
	e := newEnv(t)
	e.exclusive()
	acct := e.build("empty", func(*seed.Builder) {})
	fs := e.findings()
	for _, rule := range []string{"cloudwatch_integration", "log_file_validation", "kms_encryption", "data_events",
		"delivery_failing", "management_events", "sns_topic_exists"} {
		e.expect(fs, rule, acct.ARN(), "skip", "no CloudTrail trail")
	}
}
