package awsemu

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// An hour of events forgotten before its delivery is delivered as an hour
// without log files (its digest lists none); later events still are.
func TestForgottenEventsAreNeitherDeliveredNorLookedUp(t *testing.T) {
	e := newEnv(t, Options{Regions: []string{"us-east-1"}})
	t0 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	must(0, e.srv.SetClock(t0))
	c, ct := e.s3("us-east-1"), e.ct("us-east-1")
	must(c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("logs")}))
	must(ct.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("main"), S3BucketName: aws.String("logs"), EnableLogFileValidation: aws.Bool(true)}))
	must(ct.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: aws.String("main")}))
	for _, at := range []time.Duration{5 * time.Minute, 20 * time.Minute, 70 * time.Minute} {
		e.srv.AddEvent(EventInput{AccountID: DefaultAccountID, Region: "us-east-1", EventName: "RunInstances", EventSource: "ec2.amazonaws.com", EventTime: t0.Add(at)})
	}
	e.srv.ForgetEventsBefore(t0.Add(time.Hour))
	must(0, e.srv.AdvanceClock(2*time.Hour))
	list := must(c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("logs"), Prefix: aws.String("AWSLogs/" + DefaultAccountID + "/CloudTrail/")}))
	if len(list.Contents) != 1 || !strings.Contains(*list.Contents[0].Key, "_20261130T1115Z_") {
		var keys []string
		for _, o := range list.Contents {
			keys = append(keys, *o.Key)
		}
		t.Fatalf("log files %v; want only the 11:15 one (the 10:00 hour's events were forgotten)", keys)
	}
	out := must(ct.LookupEvents(ctx, &cloudtrail.LookupEventsInput{StartTime: aws.Time(t0), EndTime: aws.Time(t0.Add(2 * time.Hour))}))
	for _, ev := range out.Events {
		if ev.EventTime.Before(t0.Add(time.Hour)) && *ev.EventName == "RunInstances" {
			t.Errorf("LookupEvents still serves the forgotten event at %s", ev.EventTime)
		}
	}
}
