package awsemu

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

func TestSNSTopicNotFoundAndOtherAccountAuthorizationError(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.sns("eu-west-1")
	topic := must(c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("alerts")}))
	if aws.ToString(topic.TopicArn) != "arn:aws:sns:eu-west-1:123456789012:alerts" {
		t.Fatalf("TopicArn = %s", aws.ToString(topic.TopicArn))
	}
	attrs := must(c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: topic.TopicArn}))
	if attrs.Attributes["TopicArn"] != aws.ToString(topic.TopicArn) || attrs.Attributes["Owner"] != DefaultAccountID {
		t.Fatalf("attributes = %v", attrs.Attributes)
	}
	must(c.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: topic.TopicArn}))
	_, err := c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: topic.TopicArn})
	wantCode(t, err, "NotFound")
	_, err = c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String("arn:aws:sns:eu-west-1:999999999999:theirs")})
	wantCode(t, err, "AuthorizationError")
	_, err = e.sns("us-east-1").GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: aws.String("arn:aws:sns:eu-west-1:123456789012:alerts")})
	wantCode(t, err, "InvalidParameter")
}

func TestKMSDescribeKeyByEveryReferenceAndKeyStates(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.kms("us-east-1")
	key := must(c.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("logs")}))
	md := key.KeyMetadata
	if md.KeyState != kmstypes.KeyStateEnabled || !md.Enabled || aws.ToString(md.Arn) != "arn:aws:kms:us-east-1:123456789012:key/"+aws.ToString(md.KeyId) {
		t.Fatalf("new key = %+v", md)
	}
	must(c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/logs"), TargetKeyId: md.Arn}))
	for _, ref := range []string{aws.ToString(md.KeyId), aws.ToString(md.Arn), "alias/logs", "arn:aws:kms:us-east-1:123456789012:alias/logs"} {
		d := must(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(ref)}))
		if aws.ToString(d.KeyMetadata.Arn) != aws.ToString(md.Arn) {
			t.Fatalf("DescribeKey(%s) = %s", ref, aws.ToString(d.KeyMetadata.Arn))
		}
	}
	must(c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: md.KeyId}))
	d := must(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: md.KeyId}))
	if d.KeyMetadata.KeyState != kmstypes.KeyStateDisabled || d.KeyMetadata.Enabled {
		t.Fatalf("disabled key = %+v", d.KeyMetadata)
	}
	must(c.EnableKey(ctx, &kms.EnableKeyInput{KeyId: md.KeyId}))
	must(c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: md.KeyId, PendingWindowInDays: aws.Int32(7)}))
	d = must(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: md.KeyId}))
	if d.KeyMetadata.KeyState != kmstypes.KeyStatePendingDeletion || d.KeyMetadata.DeletionDate == nil {
		t.Fatalf("pending key = %+v", d.KeyMetadata)
	}
	_, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("alias/missing")})
	wantCode(t, err, "NotFoundException")
	_, err = c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("arn:aws:kms:us-east-1:999999999999:key/abc")})
	wantCode(t, err, "AccessDeniedException")
	// A disabled key cannot encrypt a new trail's logs.
	e.mkBucket("kms-state-logs", "us-east-1")
	_, err = e.ct("us-east-1").CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("pending-key"), S3BucketName: aws.String("kms-state-logs"), KmsKeyId: md.Arn})
	wantCode(t, err, "KmsKeyDisabledException")
}

func TestLogsCreateAndDescribeLogGroups(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.logs("us-east-1")
	must(c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("cloudtrail/main")}))
	must(c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("other")}))
	_, err := c.CreateLogGroup(ctx, &cloudwatchlogs.CreateLogGroupInput{LogGroupName: aws.String("other")})
	wantCode(t, err, "ResourceAlreadyExistsException")
	out := must(c.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String("cloudtrail/")}))
	if len(out.LogGroups) != 1 || aws.ToString(out.LogGroups[0].Arn) != "arn:aws:logs:us-east-1:123456789012:log-group:cloudtrail/main:*" {
		t.Fatalf("log groups = %+v", out.LogGroups)
	}
	// A trail may send to an existing group only.
	e.mkBucket("cw-logs", "us-east-1")
	ct := e.ct("us-east-1")
	_, err = ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("cw-missing"), S3BucketName: aws.String("cw-logs"),
		CloudWatchLogsLogGroupArn: aws.String("arn:aws:logs:us-east-1:123456789012:log-group:nope:*"), CloudWatchLogsRoleArn: aws.String("arn:aws:iam::123456789012:role/ct")})
	wantCode(t, err, "InvalidCloudWatchLogsLogGroupArnException")
	_, err = ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("cw-user"), S3BucketName: aws.String("cw-logs"),
		CloudWatchLogsLogGroupArn: out.LogGroups[0].Arn, CloudWatchLogsRoleArn: aws.String("arn:aws:iam::123456789012:user/ct")})
	wantCode(t, err, "InvalidCloudWatchLogsRoleArnException")
	tr := must(ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("cw-trail"), S3BucketName: aws.String("cw-logs"),
		CloudWatchLogsLogGroupArn: out.LogGroups[0].Arn, CloudWatchLogsRoleArn: aws.String("arn:aws:iam::123456789012:role/ct")}))
	if aws.ToString(tr.CloudWatchLogsLogGroupArn) != aws.ToString(out.LogGroups[0].Arn) {
		t.Fatalf("trail log group = %s", aws.ToString(tr.CloudWatchLogsLogGroupArn))
	}
}

func TestTrailTagsUpdateAndDelete(t *testing.T) {
	e := newEnv(t, Options{})
	arn := e.mkTrail("tagged", "us-east-1", false).TrailARN
	c := e.ct("us-east-1")
	must(c.AddTags(ctx, &cloudtrail.AddTagsInput{ResourceId: arn, TagsList: []cttypes.Tag{{Key: aws.String("env"), Value: aws.String("prod")}, {Key: aws.String("team"), Value: aws.String("sec")}}}))
	must(c.RemoveTags(ctx, &cloudtrail.RemoveTagsInput{ResourceId: arn, TagsList: []cttypes.Tag{{Key: aws.String("team")}}}))
	tags := must(c.ListTags(ctx, &cloudtrail.ListTagsInput{ResourceIdList: []string{aws.ToString(arn)}}))
	if len(tags.ResourceTagList) != 1 || len(tags.ResourceTagList[0].TagsList) != 1 || aws.ToString(tags.ResourceTagList[0].TagsList[0].Value) != "prod" {
		t.Fatalf("tags = %+v", tags.ResourceTagList)
	}
	up := must(c.UpdateTrail(ctx, &cloudtrail.UpdateTrailInput{Name: aws.String("tagged"), IsMultiRegionTrail: aws.Bool(true), EnableLogFileValidation: aws.Bool(true)}))
	if !aws.ToBool(up.IsMultiRegionTrail) || !aws.ToBool(up.LogFileValidationEnabled) || !aws.ToBool(up.IncludeGlobalServiceEvents) {
		t.Fatalf("updated = %+v", up)
	}
	_, err := c.UpdateTrail(ctx, &cloudtrail.UpdateTrailInput{Name: aws.String("tagged"), S3BucketName: aws.String("gone-bucket")})
	wantCode(t, err, "S3BucketDoesNotExistException")
	must(c.DeleteTrail(ctx, &cloudtrail.DeleteTrailInput{Name: aws.String("tagged")}))
	_, err = c.GetTrail(ctx, &cloudtrail.GetTrailInput{Name: aws.String("tagged")})
	wantCode(t, err, "TrailNotFoundException")
	d := must(e.ct("eu-west-1").DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{}))
	if len(d.TrailList) != 0 {
		t.Fatalf("deleted multi-region trail still shadowed: %+v", d.TrailList)
	}
}

func TestKMSKeyRotationOnlyOnEnabledKeys(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.kms("us-east-1")
	id := must(c.CreateKey(ctx, &kms.CreateKeyInput{})).KeyMetadata.KeyId
	st := must(c.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: id}))
	if st.KeyRotationEnabled || st.RotationPeriodInDays != nil {
		t.Fatalf("new key rotation = %v, period %v", st.KeyRotationEnabled, st.RotationPeriodInDays)
	}
	_, err := c.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: id, RotationPeriodInDays: aws.Int32(30)})
	wantCode(t, err, "ValidationException")
	must(c.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: id}))
	st = must(c.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: id}))
	if !st.KeyRotationEnabled || aws.ToInt32(st.RotationPeriodInDays) != 365 {
		t.Fatalf("rotation after EnableKeyRotation = %v, period %v", st.KeyRotationEnabled, aws.ToInt32(st.RotationPeriodInDays))
	}
	must(c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: id}))
	_, err = c.DisableKeyRotation(ctx, &kms.DisableKeyRotationInput{KeyId: id})
	wantCode(t, err, "DisabledException")
	_, err = c.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: aws.String("1234abcd-0000-0000-0000-000000000000")})
	wantCode(t, err, "NotFoundException")
}

func TestSNSSetTopicAttributesReadBack(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.sns("us-east-1")
	arn := must(c.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("trail-notes")})).TopicArn
	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"CloudTrail","Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"SNS:Publish","Resource":"` + aws.ToString(arn) + `"}]}`
	must(c.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: arn, AttributeName: aws.String("Policy"), AttributeValue: aws.String(policy)}))
	must(c.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: arn, AttributeName: aws.String("DisplayName"), AttributeValue: aws.String("Trail")}))
	attrs := must(c.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: arn})).Attributes
	if attrs["Policy"] != policy || attrs["DisplayName"] != "Trail" {
		t.Fatalf("attributes after SetTopicAttributes = %v", attrs)
	}
	_, err := c.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: arn, AttributeName: aws.String("Policy"), AttributeValue: aws.String("{")})
	wantCode(t, err, "InvalidParameter")
	_, err = c.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: arn, AttributeName: aws.String("Colour"), AttributeValue: aws.String("red")})
	wantCode(t, err, "InvalidParameter")
	_, err = c.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: aws.String("arn:aws:sns:us-east-1:123456789012:gone"), AttributeName: aws.String("DisplayName"), AttributeValue: aws.String("x")})
	wantCode(t, err, "NotFound")
}

func TestListTopicsKeysAndAliasesOfTheRegion(t *testing.T) {
	e := newEnv(t, Options{})
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		must(e.sns(region).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("notes-" + region)}))
	}
	topics := must(e.sns("eu-west-1").ListTopics(ctx, &sns.ListTopicsInput{})).Topics
	if len(topics) != 1 || aws.ToString(topics[0].TopicArn) != "arn:aws:sns:eu-west-1:123456789012:notes-eu-west-1" {
		t.Fatalf("ListTopics in eu-west-1 = %+v", topics)
	}

	c := e.kms("us-east-1")
	var arns []string
	for range 3 {
		arns = append(arns, aws.ToString(must(c.CreateKey(ctx, &kms.CreateKeyInput{})).KeyMetadata.Arn))
	}
	must(e.kms("eu-west-1").CreateKey(ctx, &kms.CreateKeyInput{}))
	var listed []string
	p := kms.NewListKeysPaginator(c, &kms.ListKeysInput{Limit: aws.Int32(2)})
	for p.HasMorePages() {
		for _, k := range must(p.NextPage(ctx)).Keys {
			listed = append(listed, aws.ToString(k.KeyArn))
		}
	}
	slices.Sort(arns)
	if !slices.Equal(listed, arns) {
		t.Fatalf("ListKeys = %v, want %v", listed, arns)
	}
	must(c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/trail"), TargetKeyId: aws.String(arns[1])}))
	must(c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/other"), TargetKeyId: aws.String(arns[0])}))
	aliases := must(c.ListAliases(ctx, &kms.ListAliasesInput{KeyId: aws.String(arns[1])})).Aliases
	if len(aliases) != 1 || aws.ToString(aliases[0].AliasName) != "alias/trail" || !strings.HasSuffix(arns[1], "/"+aws.ToString(aliases[0].TargetKeyId)) {
		t.Fatalf("ListAliases of one key = %+v", aliases)
	}
	if all := must(c.ListAliases(ctx, &kms.ListAliasesInput{})).Aliases; len(all) != 2 {
		t.Fatalf("ListAliases = %+v", all)
	}
}
