package inventory

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ctypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
)

func TestChangeEventKeepsWhoWhenWhereAndTrail(t *testing.T) {
	when := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	raw := `{"eventVersion":"1.08","awsRegion":"eu-west-1",
	  "userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/alice","userName":"alice","accessKeyId":"AKIAX"},
	  "sourceIPAddress":"198.51.100.7","userAgent":"aws-cli/2","errorCode":"AccessDenied","errorMessage":"no",
	  "requestParameters":{"name":"arn:aws:cloudtrail:eu-west-1:123456789012:trail/main"}}`
	ev := changeEvent(ctypes.Event{EventId: aws.String("e1"), EventName: aws.String("StopLogging"), EventTime: &when,
		EventSource: aws.String("cloudtrail.amazonaws.com"), CloudTrailEvent: aws.String(raw)}, "eu-west-1")
	if ev.UserIdentityType != "IAMUser" || ev.UserIdentityARN != "arn:aws:iam::123456789012:user/alice" ||
		ev.UserName != "alice" || ev.AccessKeyID != "AKIAX" || ev.SourceIPAddress != "198.51.100.7" ||
		ev.UserAgent != "aws-cli/2" || ev.ErrorCode != "AccessDenied" || ev.ErrorMessage != "no" ||
		ev.Trail != "arn:aws:cloudtrail:eu-west-1:123456789012:trail/main" || !ev.EventTime.Equal(when) || ev.Region != "eu-west-1" {
		t.Errorf("parsed event = %+v", ev)
	}
	for params, want := range map[string]string{
		`{"trailName":"t1","eventSelectors":[]}`:           "t1",
		`{"resourceId":"arn:aws:cloudtrail:x:1:trail/t2"}`: "arn:aws:cloudtrail:x:1:trail/t2",
		`{"eventDataStore":"eds"}`:                         "",
	} {
		if got := trailFromRequest([]byte(params)); got != want {
			t.Errorf("trailFromRequest(%s) = %q, want %q", params, got, want)
		}
	}
}
