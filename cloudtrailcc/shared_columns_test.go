package cloudtrailcc_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/testkit/contracttest"
)

// jsonOf renders a JSON column value for comparison.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The columns cloudtrailcc_trail and cloudtrailcc_trail_bucket share with
// plugin-aws's aws_cloudtrail_trail and aws_s3_bucket carry plugin-aws's
// shapes, so a query written for one runs on the other.
func TestSharedColumnsHavePluginAWSShapes(t *testing.T) {
	f := contracttest.Start(t)
	f.Seed(t)
	ctx := context.Background()
	ct := cloudtrail.NewFromConfig(f.AWS("us-east-1"))
	if _, err := ct.PutInsightSelectors(ctx, &cloudtrail.PutInsightSelectorsInput{TrailName: aws.String(f.TrailARN),
		InsightSelectors: []cttypes.InsightSelector{{InsightType: cttypes.InsightTypeApiCallRateInsight}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := ct.AddTags(ctx, &cloudtrail.AddTagsInput{ResourceId: aws.String(f.TrailARN),
		TagsList: []cttypes.Tag{{Key: aws.String("team"), Value: aws.String("audit")}, {Key: aws.String("env"), Value: aws.String("prod")}}}); err != nil {
		t.Fatal(err)
	}
	s3c := s3.NewFromConfig(f.AWS("us-east-1"), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: aws.String(f.Bucket),
		OwnershipControls: &s3types.OwnershipControls{Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipBucketOwnerPreferred}}}}); err != nil {
		t.Fatal(err)
	}
	c := open(t, f)

	trail := query(t, c, "cloudtrailcc_trail", []string{"insight_selectors", "tags_src", "tags"})
	if len(trail) != 1 {
		t.Fatalf("trail rows = %v", trail)
	}
	if got := jsonOf(t, trail[0]["insight_selectors"]); got != `[{"InsightType":"ApiCallRateInsight"}]` {
		t.Errorf("insight_selectors = %s, want plugin-aws's [{\"InsightType\": ...}]", got)
	}
	if got := jsonOf(t, trail[0]["tags_src"]); got != `[{"Key":"env","Value":"prod"},{"Key":"team","Value":"audit"}]` {
		t.Errorf("tags_src = %s, want [{Key, Value}] sorted by key", got)
	}

	bucket := query(t, c, "cloudtrailcc_trail_bucket", []string{"object_ownership_controls", "block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets"})
	if len(bucket) != 1 {
		t.Fatalf("bucket rows = %v", bucket)
	}
	b := bucket[0]
	if got := jsonOf(t, b["object_ownership_controls"]); got != `{"Rules":[{"ObjectOwnership":"BucketOwnerPreferred"}]}` {
		t.Errorf("object_ownership_controls = %s, want plugin-aws's {\"Rules\": [{\"ObjectOwnership\": ...}]}", got)
	}
	for _, col := range []string{"block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets"} {
		if b[col] != false {
			t.Errorf("%s = %v for a bucket without a Public Access Block, want false", col, b[col])
		}
	}
}

// A Public Access Block that could not be read is NULL, never false.
func TestUnreadPublicAccessBlockIsNull(t *testing.T) {
	f := contracttest.Start(t)
	f.Seed(t)
	f.Emu.AddFault(awsemu.Fault{Action: "s3:GetBucketPublicAccessBlock", ErrorCode: "AccessDenied"})
	c := open(t, f)
	rows := query(t, c, "cloudtrailcc_trail_bucket", []string{"block_public_acls", "restrict_public_buckets", "read_errors"})
	if len(rows) != 1 {
		t.Fatalf("rows = %v", rows)
	}
	if rows[0]["block_public_acls"] != nil || rows[0]["restrict_public_buckets"] != nil {
		t.Errorf("block_public_acls = %v, restrict_public_buckets = %v after AccessDenied, want NULL", rows[0]["block_public_acls"], rows[0]["restrict_public_buckets"])
	}
	if errs, _ := rows[0]["read_errors"].(map[string]any); errs["s3:GetBucketPublicAccessBlock"] == nil {
		t.Errorf("read_errors = %v, want s3:GetBucketPublicAccessBlock", rows[0]["read_errors"])
	}
}
