package awsemu

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
)

func eventName(v string) []cttypes.LookupAttribute {
	return []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String(v)}}
}

func TestLookupEventsAtMost50PerPageNewestFirst(t *testing.T) {
	e := newEnv(t, Options{LookupEventsRate: -1})
	base := time.Now().Add(-time.Hour)
	for i := range 120 {
		e.srv.AddEvent(EventInput{AccountID: DefaultAccountID, Region: "eu-west-1", EventName: "AddTags", EventTime: base.Add(time.Duration(i) * time.Second)})
	}
	c := e.ct("eu-west-1")
	first := must(c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{}))
	if len(first.Events) != 50 || first.NextToken == nil {
		t.Fatalf("first page: %d events, token %v", len(first.Events), first.NextToken)
	}
	if !first.Events[0].EventTime.After(*first.Events[1].EventTime) {
		t.Fatal("events not newest first")
	}
	_, err := c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(51)})
	wantCode(t, err, "InvalidMaxResultsException")
	p := cloudtrail.NewLookupEventsPaginator(c, &cloudtrail.LookupEventsInput{})
	total, pages := 0, 0
	seen := map[string]bool{}
	for p.HasMorePages() {
		out := must(p.NextPage(ctx))
		pages++
		for _, ev := range out.Events {
			seen[aws.ToString(ev.EventId)] = true
		}
		total += len(out.Events)
	}
	if pages != 3 || total != 120 || len(seen) != 120 {
		t.Fatalf("pages=%d total=%d distinct=%d", pages, total, len(seen))
	}
	// Other regions have their own history.
	if out := must(e.ct("us-east-1").LookupEvents(ctx, &cloudtrail.LookupEventsInput{})); len(out.Events) != 0 {
		t.Fatalf("us-east-1 sees %d eu-west-1 events", len(out.Events))
	}
}

func TestLookupEventsAllowsExactlyOneAttribute(t *testing.T) {
	e := newEnv(t, Options{LookupEventsRate: -1})
	e.mkTrail("attr-trail", "us-east-1", false)
	c := e.ct("us-east-1")
	_, err := c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
		{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("CreateTrail")},
		{AttributeKey: cttypes.LookupAttributeKeyEventSource, AttributeValue: aws.String("cloudtrail.amazonaws.com")},
	}})
	wantCode(t, err, "InvalidLookupAttributesException")
	out := must(c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
		{AttributeKey: cttypes.LookupAttributeKeyEventSource, AttributeValue: aws.String("cloudtrail.amazonaws.com")}}}))
	if len(out.Events) != 1 || aws.ToString(out.Events[0].EventName) != "CreateTrail" {
		t.Fatalf("by EventSource = %+v", out.Events)
	}
	if out := must(c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: eventName("DeleteTrail")})); len(out.Events) != 0 {
		t.Fatalf("by EventName DeleteTrail = %d events", len(out.Events))
	}
	out = must(c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: []cttypes.LookupAttribute{
		{AttributeKey: cttypes.LookupAttributeKeyResourceName, AttributeValue: aws.String("arn:aws:cloudtrail:us-east-1:123456789012:trail/attr-trail")}}}))
	if len(out.Events) != 1 || aws.ToString(out.Events[0].Resources[0].ResourceType) != "AWS::CloudTrail::Trail" {
		t.Fatalf("by ResourceName = %+v", out.Events)
	}
}

func TestLookupEventsThrottledAboveTwoRequestsPerSecond(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.ct("us-east-1")
	must(c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{}))
	must(c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{}))
	_, err := c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{})
	wantCode(t, err, "ThrottlingException")
	// The quota is per region: another region still answers.
	must(e.ct("eu-west-1").LookupEvents(ctx, &cloudtrail.LookupEventsInput{}))
	time.Sleep(600 * time.Millisecond)
	must(c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{}))
	if n := e.srv.CallCounts()["cloudtrail:LookupEvents"]; n != 5 {
		t.Fatalf("LookupEvents calls logged = %d", n)
	}
}

func TestLookupEventsRecordsFailedWritesWithErrorCode(t *testing.T) {
	e := newEnv(t, Options{LookupEventsRate: -1})
	c := e.ct("us-east-1")
	_, err := c.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("doomed"), S3BucketName: aws.String("missing-bucket")})
	wantCode(t, err, "S3BucketDoesNotExistException")
	e.mkTrail("fine-trail", "us-east-1", false)
	must(c.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String("fine-trail")}))
	must(c.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{}))

	out := must(c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{LookupAttributes: eventName("CreateTrail")}))
	if len(out.Events) != 2 {
		t.Fatalf("CreateTrail events = %d, want 2 (one failed)", len(out.Events))
	}
	var failed, ok map[string]any
	for _, ev := range out.Events {
		var doc map[string]any
		if err := json.Unmarshal([]byte(aws.ToString(ev.CloudTrailEvent)), &doc); err != nil {
			t.Fatal(err)
		}
		if doc["errorCode"] != nil {
			failed = doc
		} else {
			ok = doc
		}
	}
	if failed == nil || failed["errorCode"] != "S3BucketDoesNotExistException" || failed["errorMessage"] == "" || failed["responseElements"] != nil {
		t.Fatalf("failed event = %v", failed)
	}
	ui, _ := ok["userIdentity"].(map[string]any)
	rp, _ := ok["requestParameters"].(map[string]any)
	re, _ := ok["responseElements"].(map[string]any)
	if ok["eventSource"] != "cloudtrail.amazonaws.com" || ok["awsRegion"] != "us-east-1" || ok["sourceIPAddress"] != "127.0.0.1" ||
		ok["eventType"] != "AwsApiCall" || ok["readOnly"] != false || ok["recipientAccountId"] != DefaultAccountID || ok["eventID"] == "" ||
		ok["requestID"] == "" || ok["eventVersion"] == nil || ok["userAgent"] == "" {
		t.Fatalf("event fields = %v", ok)
	}
	if ui["type"] != "IAMUser" || ui["arn"] != "arn:aws:iam::123456789012:user/emulator" || ui["accessKeyId"] != DefaultAccessKeyID ||
		ui["accountId"] != DefaultAccountID || ui["userName"] != "emulator" || ui["principalId"] == "" {
		t.Fatalf("userIdentity = %v", ui)
	}
	if rp["name"] != "fine-trail" || rp["s3BucketName"] != "fine-trail-logs" || re["trailARN"] != "arn:aws:cloudtrail:us-east-1:123456789012:trail/fine-trail" {
		t.Fatalf("requestParameters = %v responseElements = %v", rp, re)
	}
	all := must(c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{}))
	names := map[string]int{}
	for _, ev := range all.Events {
		names[aws.ToString(ev.EventName)]++
	}
	if names["DescribeTrails"] != 0 || names["StartLogging"] != 1 || names["LookupEvents"] != 0 {
		t.Fatalf("recorded events = %v (read-only calls must not be recorded)", names)
	}
}

func TestLookupEventsKeepsNinetyDaysAndHonoursTimeRange(t *testing.T) {
	e := newEnv(t, Options{LookupEventsRate: -1})
	now := time.Now()
	for _, age := range []time.Duration{91 * 24 * time.Hour, 89 * 24 * time.Hour, 2 * time.Hour} {
		e.srv.AddEvent(EventInput{AccountID: DefaultAccountID, Region: "us-east-1", EventName: "UpdateTrail", EventTime: now.Add(-age)})
	}
	c := e.ct("us-east-1")
	all := must(c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{StartTime: aws.Time(now.Add(-365 * 24 * time.Hour))}))
	if len(all.Events) != 2 {
		t.Fatalf("events within 90 days = %d, want 2", len(all.Events))
	}
	recent := must(c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{StartTime: aws.Time(now.Add(-24 * time.Hour)), EndTime: aws.Time(now)}))
	if len(recent.Events) != 1 {
		t.Fatalf("events in last day = %d, want 1", len(recent.Events))
	}
	_, err := c.LookupEvents(ctx, &cloudtrail.LookupEventsInput{StartTime: aws.Time(now), EndTime: aws.Time(now.Add(-time.Hour))})
	wantCode(t, err, "InvalidTimeRangeException")
}

// TestLookupEventsWindowEndingJustAfterTheEventsSeesThemAll: a caller that
// records events and then asks for everything up to "now" gets every one of
// them, however close together the two happened. The SDK sends EndTime with
// millisecond precision, so an end read at x.40025 s, after events recorded
// until x.40021 s, arrives as x.400 s; CloudTrail records event times in whole seconds,
// so its events are never later than such an end. (The bench harness counted
// 2 pages instead of 3 for 120 events when this happened on a fast machine.)
func TestLookupEventsWindowEndingJustAfterTheEventsSeesThemAll(t *testing.T) {
	e := newEnv(t, Options{LookupEventsRate: -1})
	second := time.Now().Add(-time.Minute).Truncate(time.Second)
	for i := range 120 {
		// 10 µs apart from x.399020: the first 99 before x.400, the last 21 after
		e.srv.AddEvent(EventInput{AccountID: DefaultAccountID, Region: "eu-west-1", EventName: "DescribeTrails",
			ReadOnly: true, EventTime: second.Add(399020*time.Microsecond + time.Duration(i)*10*time.Microsecond)})
	}
	end := second.Add(400250 * time.Microsecond) // read after the last event; sent as x.400
	p := cloudtrail.NewLookupEventsPaginator(e.ct("eu-west-1"), &cloudtrail.LookupEventsInput{
		StartTime: aws.Time(end.Add(-24 * time.Hour)), EndTime: aws.Time(end), MaxResults: aws.Int32(50)})
	var sizes []int
	seen := map[string]bool{}
	for p.HasMorePages() {
		out := must(p.NextPage(ctx))
		sizes = append(sizes, len(out.Events))
		for _, ev := range out.Events {
			seen[aws.ToString(ev.EventId)] = true
			if ev.EventTime.After(end) || ev.EventTime.Nanosecond() != 0 {
				t.Errorf("event time %s: want whole seconds, not after the window's end %s", ev.EventTime, end)
			}
		}
	}
	if len(sizes) != 3 || sizes[0] != 50 || sizes[1] != 50 || sizes[2] != 20 || len(seen) != 120 {
		t.Fatalf("pages of %v (%d distinct events), want 50, 50, 20 of 120 events", sizes, len(seen))
	}
}
