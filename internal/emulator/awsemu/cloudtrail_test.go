package awsemu

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// mkBucket creates a bucket in region with the default credentials.
func (e *env) mkBucket(name, region string) {
	in := &s3.CreateBucketInput{Bucket: aws.String(name)}
	if region != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(region)}
	}
	must(e.s3(region).CreateBucket(ctx, in))
}

// mkTrail creates a trail delivering to a new bucket named after it.
func (e *env) mkTrail(name, region string, multiRegion bool) *cloudtrail.CreateTrailOutput {
	e.mkBucket(name+"-logs", region)
	return must(e.ct(region).CreateTrail(ctx, &cloudtrail.CreateTrailInput{
		Name: aws.String(name), S3BucketName: aws.String(name + "-logs"), IsMultiRegionTrail: aws.Bool(multiRegion),
	}))
}

func TestDefaultEventSelectorsForTrailWithoutSelectors(t *testing.T) {
	e := newEnv(t, Options{})
	e.mkTrail("plain", "us-east-1", false)
	out := must(e.ct("us-east-1").GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String("plain")}))
	if len(out.AdvancedEventSelectors) != 0 || len(out.EventSelectors) != 1 {
		t.Fatalf("selectors = %+v", out)
	}
	es := out.EventSelectors[0]
	if es.ReadWriteType != cttypes.ReadWriteTypeAll || !aws.ToBool(es.IncludeManagementEvents) || es.DataResources == nil || len(es.DataResources) != 0 ||
		es.ExcludeManagementEventSources == nil || len(es.ExcludeManagementEventSources) != 0 {
		t.Fatalf("default selector = %+v", es)
	}
	d := must(e.ct("us-east-1").DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{}))
	if aws.ToBool(d.TrailList[0].HasCustomEventSelectors) || aws.ToBool(d.TrailList[0].HasInsightSelectors) {
		t.Fatalf("new trail has custom selectors: %+v", d.TrailList[0])
	}
}

func TestAdvancedSelectorsReplaceClassicAndViceVersa(t *testing.T) {
	e := newEnv(t, Options{})
	e.mkTrail("sel", "us-east-1", false)
	c := e.ct("us-east-1")
	must(c.PutEventSelectors(ctx, &cloudtrail.PutEventSelectorsInput{
		TrailName: aws.String("sel"),
		EventSelectors: []cttypes.EventSelector{{
			ReadWriteType: cttypes.ReadWriteTypeWriteOnly, IncludeManagementEvents: aws.Bool(true),
			DataResources: []cttypes.DataResource{{Type: aws.String("AWS::S3::Object"), Values: []string{"arn:aws:s3"}}},
		}},
	}))
	out := must(c.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String("sel")}))
	if len(out.EventSelectors) != 1 || out.EventSelectors[0].ReadWriteType != cttypes.ReadWriteTypeWriteOnly || len(out.AdvancedEventSelectors) != 0 {
		t.Fatalf("classic = %+v", out)
	}
	must(c.PutEventSelectors(ctx, &cloudtrail.PutEventSelectorsInput{
		TrailName: aws.String("sel"),
		AdvancedEventSelectors: []cttypes.AdvancedEventSelector{{
			Name:           aws.String("mgmt"),
			FieldSelectors: []cttypes.AdvancedFieldSelector{{Field: aws.String("eventCategory"), Equals: []string{"Management"}}},
		}},
	}))
	out = must(c.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String("sel")}))
	if len(out.EventSelectors) != 0 || len(out.AdvancedEventSelectors) != 1 || aws.ToString(out.AdvancedEventSelectors[0].FieldSelectors[0].Field) != "eventCategory" {
		t.Fatalf("advanced did not replace classic: %+v", out)
	}
	must(c.PutEventSelectors(ctx, &cloudtrail.PutEventSelectorsInput{
		TrailName:      aws.String("sel"),
		EventSelectors: []cttypes.EventSelector{{ReadWriteType: cttypes.ReadWriteTypeReadOnly}},
	}))
	out = must(c.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String("sel")}))
	if len(out.AdvancedEventSelectors) != 0 || len(out.EventSelectors) != 1 || !aws.ToBool(out.EventSelectors[0].IncludeManagementEvents) {
		t.Fatalf("classic did not replace advanced: %+v", out)
	}
	d := must(c.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{}))
	if !aws.ToBool(d.TrailList[0].HasCustomEventSelectors) {
		t.Fatal("HasCustomEventSelectors not set after PutEventSelectors")
	}
	_, err := c.PutEventSelectors(ctx, &cloudtrail.PutEventSelectorsInput{
		TrailName:      aws.String("sel"),
		EventSelectors: []cttypes.EventSelector{{DataResources: []cttypes.DataResource{{Type: aws.String("AWS::Nope"), Values: []string{"x"}}}}},
	})
	wantCode(t, err, "InvalidEventSelectorsException")
	must(c.PutInsightSelectors(ctx, &cloudtrail.PutInsightSelectorsInput{
		TrailName: aws.String("sel"), InsightSelectors: []cttypes.InsightSelector{{InsightType: cttypes.InsightTypeApiCallRateInsight}},
	}))
	ins := must(c.GetInsightSelectors(ctx, &cloudtrail.GetInsightSelectorsInput{TrailName: aws.String("sel")}))
	if len(ins.InsightSelectors) != 1 {
		t.Fatalf("insights = %+v", ins)
	}
	d = must(c.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{}))
	if !aws.ToBool(d.TrailList[0].HasInsightSelectors) {
		t.Fatal("HasInsightSelectors not set")
	}
}

func TestShadowTrailsFromEveryEnabledRegion(t *testing.T) {
	regions := []string{"us-east-1", "eu-west-1", "ap-south-1"}
	e := newEnv(t, Options{Regions: regions})
	e.mkTrail("everywhere", "eu-west-1", true)
	e.mkTrail("local", "eu-west-1", false)
	for _, r := range regions {
		d := must(e.ct(r).DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{}))
		names := map[string]string{}
		for _, tr := range d.TrailList {
			names[aws.ToString(tr.Name)] = aws.ToString(tr.HomeRegion)
		}
		if names["everywhere"] != "eu-west-1" {
			t.Fatalf("%s: multi-region trail missing or wrong home region: %v", r, names)
		}
		if _, ok := names["local"]; ok != (r == "eu-west-1") {
			t.Fatalf("%s: regional trail visibility wrong: %v", r, names)
		}
		noShadow := must(e.ct(r).DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(false)}))
		if r != "eu-west-1" && len(noShadow.TrailList) != 0 {
			t.Fatalf("%s: includeShadowTrails=false still shows %d trails", r, len(noShadow.TrailList))
		}
	}
	l := must(e.ct("us-east-1").ListTrails(ctx, &cloudtrail.ListTrailsInput{}))
	if len(l.Trails) != 2 || aws.ToString(l.Trails[0].HomeRegion) != "eu-west-1" {
		t.Fatalf("ListTrails = %+v", l.Trails)
	}
}

func TestListTrailsPaginatesEveryRegion(t *testing.T) {
	old := listTrailsPageSize
	listTrailsPageSize = 2
	defer func() { listTrailsPageSize = old }()
	e := newEnv(t, Options{})
	for i, r := range []string{"us-east-1", "us-west-2", "eu-central-1", "sa-east-1", "ap-northeast-1"} {
		e.mkTrail("t"+itoa(i)+"x", r, false)
	}
	p := cloudtrail.NewListTrailsPaginator(e.ct("us-east-1"), &cloudtrail.ListTrailsInput{})
	seen := map[string]string{}
	pages := 0
	for p.HasMorePages() {
		out := must(p.NextPage(ctx))
		pages++
		for _, tr := range out.Trails {
			seen[aws.ToString(tr.Name)] = aws.ToString(tr.HomeRegion)
		}
	}
	if pages != 3 || len(seen) != 5 || seen["t3x"] != "sa-east-1" {
		t.Fatalf("pages=%d trails=%v", pages, seen)
	}
}

func TestTrailARNFromAnotherRegionWorksNameDoesNot(t *testing.T) {
	e := newEnv(t, Options{})
	arn := aws.ToString(e.mkTrail("home", "eu-west-1", false).TrailARN)
	other := e.ct("us-east-1")
	must(other.GetTrail(ctx, &cloudtrail.GetTrailInput{Name: aws.String(arn)}))
	must(other.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String(arn)}))
	must(other.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String(arn)}))
	_, err := other.GetTrail(ctx, &cloudtrail.GetTrailInput{Name: aws.String("home")})
	wantCode(t, err, "TrailNotFoundException")
	_, err = other.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("home")})
	wantCode(t, err, "TrailNotFoundException")
	_, err = other.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: aws.String("home")})
	wantCode(t, err, "TrailNotFoundException")
	_, err = other.GetTrail(ctx, &cloudtrail.GetTrailInput{Name: aws.String("arn:aws:cloudtrail:eu-west-1:123456789012:nottrail")})
	wantCode(t, err, "CloudTrailARNInvalidException")
	_, err = other.GetTrail(ctx, &cloudtrail.GetTrailInput{Name: aws.String("bad name!")})
	wantCode(t, err, "InvalidTrailNameException")
	// Writes must go to the home region.
	_, err = other.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String(arn)})
	wantCode(t, err, "InvalidHomeRegionException")
	// Another account cannot see it.
	e.srv.AddAccount("AKIDB", "sb", "222222222222")
	_, err = e.as("AKIDB", "sb").ct("eu-west-1").GetTrail(ctx, &cloudtrail.GetTrailInput{Name: aws.String(arn)})
	wantCode(t, err, "TrailNotFoundException")
}

func TestKmsKeyIdReturnedAsARNWhateverFormGiven(t *testing.T) {
	e := newEnv(t, Options{})
	k := e.kms("us-east-1")
	key := must(k.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("trail key")}))
	keyARN := aws.ToString(key.KeyMetadata.Arn)
	must(k.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/trail"), TargetKeyId: key.KeyMetadata.KeyId}))
	e.mkBucket("kms-logs", "us-east-1")
	c := e.ct("us-east-1")
	for i, ref := range []string{aws.ToString(key.KeyMetadata.KeyId), "alias/trail", "arn:aws:kms:us-east-1:123456789012:alias/trail", keyARN} {
		name := "kms" + itoa(i) + "x"
		out := must(c.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String(name), S3BucketName: aws.String("kms-logs"), KmsKeyId: aws.String(ref)}))
		if aws.ToString(out.KmsKeyId) != keyARN {
			t.Fatalf("CreateTrail with %q: KmsKeyId = %q, want %q", ref, aws.ToString(out.KmsKeyId), keyARN)
		}
		g := must(c.GetTrail(ctx, &cloudtrail.GetTrailInput{Name: aws.String(name)}))
		if aws.ToString(g.Trail.KmsKeyId) != keyARN {
			t.Fatalf("GetTrail KmsKeyId = %q", aws.ToString(g.Trail.KmsKeyId))
		}
		if i == 3 {
			break
		}
	}
}

func TestCreateTrailRefusesMissingBucketTopicOrKey(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.ct("us-east-1")
	_, err := c.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("nobucket"), S3BucketName: aws.String("does-not-exist")})
	wantCode(t, err, "S3BucketDoesNotExistException")
	e.mkBucket("real-logs", "us-east-1")
	_, err = c.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("notopic"), S3BucketName: aws.String("real-logs"), SnsTopicName: aws.String("missing-topic")})
	wantCode(t, err, "InsufficientSnsTopicPolicyException")
	_, err = c.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("badtopic"), S3BucketName: aws.String("real-logs"), SnsTopicName: aws.String("arn:aws:sns:us-east-1:123456789012:bad topic")})
	wantCode(t, err, "InvalidSnsTopicNameException")
	_, err = c.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("nokey"), S3BucketName: aws.String("real-logs"), KmsKeyId: aws.String("alias/none")})
	wantCode(t, err, "KmsKeyNotFoundException")
	topic := must(e.sns("us-east-1").CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("trail-topic")}))
	out := must(c.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("ok-trail"), S3BucketName: aws.String("real-logs"), SnsTopicName: aws.String("trail-topic")}))
	if aws.ToString(out.SnsTopicARN) != aws.ToString(topic.TopicArn) {
		t.Fatalf("SnsTopicARN = %q", aws.ToString(out.SnsTopicARN))
	}
	_, err = c.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("ok-trail"), S3BucketName: aws.String("real-logs")})
	wantCode(t, err, "TrailAlreadyExistsException")
}

func TestGetTrailStatusOmitsAbsentFields(t *testing.T) {
	e := newEnv(t, Options{})
	arn := aws.ToString(e.mkTrail("status-trail", "us-east-1", false).TrailARN)
	c := e.ct("us-east-1")
	st := must(c.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("status-trail")}))
	if aws.ToBool(st.IsLogging) || st.LatestDeliveryTime != nil || st.StartLoggingTime != nil || st.StopLoggingTime != nil ||
		st.LatestDeliveryError != nil || st.LatestNotificationError != nil || st.LatestCloudWatchLogsDeliveryTime != nil ||
		st.LatestCloudWatchLogsDeliveryError != nil || st.LatestDigestDeliveryTime != nil || st.LatestDigestDeliveryError != nil {
		t.Fatalf("new trail status has fields: %+v", st)
	}
	must(c.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String("status-trail")}))
	st = must(c.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String(arn)}))
	if !aws.ToBool(st.IsLogging) || st.StartLoggingTime == nil || st.StopLoggingTime != nil || st.LatestDeliveryTime != nil {
		t.Fatalf("after StartLogging: %+v", st)
	}
	delivered := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := e.srv.SetTrailStatus(TrailStatus{TrailARN: arn, LatestDeliveryTime: TimeStr(delivered), LatestDeliveryError: Str("AccessDenied")}); err != nil {
		t.Fatal(err)
	}
	must(c.StopLogging(ctx, &cloudtrail.StopLoggingInput{Name: aws.String("status-trail")}))
	st = must(c.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("status-trail")}))
	if aws.ToBool(st.IsLogging) || st.StopLoggingTime == nil || !st.LatestDeliveryTime.Equal(delivered) || aws.ToString(st.LatestDeliveryError) != "AccessDenied" ||
		st.LatestNotificationError != nil || st.LatestCloudWatchLogsDeliveryTime != nil {
		t.Fatalf("after StopLogging and delivery: %+v", st)
	}
	if err := e.srv.SetTrailStatus(TrailStatus{TrailARN: arn, LatestDeliveryError: Str("")}); err != nil {
		t.Fatal(err)
	}
	st = must(c.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String("status-trail")}))
	if st.LatestDeliveryError != nil || st.LatestDeliveryTime == nil {
		t.Fatalf("cleared error still present: %+v", st)
	}
}

func TestOrganizationTrailVisibleToMembersByARN(t *testing.T) {
	e := newEnv(t, Options{})
	arn, err := e.srv.AddOrganizationTrail(OrganizationTrail{
		OwnerAccountID: "999999999999", MemberAccountIDs: []string{DefaultAccountID}, Name: "org-trail",
		HomeRegion: "us-east-1", S3BucketName: "org-bucket", IsMultiRegionTrail: true, IncludeGlobalServiceEvents: true, IsLogging: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	d := must(e.ct("eu-west-1").DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{}))
	if len(d.TrailList) != 1 || !aws.ToBool(d.TrailList[0].IsOrganizationTrail) || aws.ToString(d.TrailList[0].TrailARN) != arn {
		t.Fatalf("member view = %+v", d.TrailList)
	}
	_, err = e.ct("us-east-1").GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String(arn)})
	wantCode(t, err, "TrailNotFoundException")
	_, err = e.ct("us-east-1").StopLogging(ctx, &cloudtrail.StopLoggingInput{Name: aws.String(arn)})
	wantCode(t, err, "NotOrganizationMasterAccountException")
}

func TestTrailQuotaFivePerRegionCountingMultiRegionTrails(t *testing.T) {
	e := newEnv(t, Options{Regions: []string{"us-east-1", "eu-west-1"}})
	e.mkTrail("global-one", "eu-west-1", true)
	for i := range 4 {
		e.mkTrail("local"+itoa(i)+"x", "us-east-1", false)
	}
	e.mkBucket("sixth-logs", "us-east-1")
	_, err := e.ct("us-east-1").CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("sixth"), S3BucketName: aws.String("sixth-logs")})
	wantCode(t, err, "MaximumNumberOfTrailsExceededException")

	unlimited := newEnv(t, Options{MaxTrailsPerRegion: -1})
	for i := range 7 {
		unlimited.mkTrail("many"+itoa(i)+"x", "us-east-1", false)
	}
}
