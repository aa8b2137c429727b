package awsemu

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// tagSet makes an S3 TagSet of key, value pairs.
func tagSet(kv ...string) []s3types.Tag {
	var out []s3types.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, s3types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return out
}

// A bucket without tags answers NoSuchTagSet (404), as S3 does, never an
// empty TagSet; PutBucketTagging replaces the set, DeleteBucketTagging
// removes it, and both writes are logged under s3:PutBucketTagging.
func TestBucketTaggingRoundTripAndNoSuchTagSet(t *testing.T) {
	e := newEnv(t, Options{})
	e.mkBucket("tagged-bucket", "eu-west-1")
	c := e.s3("eu-west-1")
	name := aws.String("tagged-bucket")

	_, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: name})
	wantCode(t, err, "NoSuchTagSet")
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusNotFound {
		t.Errorf("NoSuchTagSet answered with %v, want HTTP 404", err)
	}

	must(c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: name, Tagging: &s3types.Tagging{TagSet: tagSet("env", "prod", "team", "")}}))
	out := must(c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: name}))
	got := map[string]string{}
	for _, tg := range out.TagSet {
		got[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	if len(got) != 2 || got["env"] != "prod" || got["team"] != "" {
		t.Errorf("GetBucketTagging = %v, want env=prod and team with an empty value", got)
	}

	must(c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: name, Tagging: &s3types.Tagging{TagSet: tagSet("owner", "audit")}}))
	out = must(c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: name}))
	if len(out.TagSet) != 1 || aws.ToString(out.TagSet[0].Key) != "owner" {
		t.Errorf("after a second PutBucketTagging: %+v, want the new set only", out.TagSet)
	}

	must(c.DeleteBucketTagging(ctx, &s3.DeleteBucketTaggingInput{Bucket: name}))
	_, err = c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: name})
	wantCode(t, err, "NoSuchTagSet")

	counts := e.srv.CallCounts()
	if counts["s3:PutBucketTagging"] != 3 || counts["s3:GetBucketTagging"] != 4 || counts["s3:DeleteBucketTagging"] != 0 {
		t.Errorf("call log: PutBucketTagging %d, GetBucketTagging %d, DeleteBucketTagging %d; want 3, 4, 0 (delete is s3:PutBucketTagging)",
			counts["s3:PutBucketTagging"], counts["s3:GetBucketTagging"], counts["s3:DeleteBucketTagging"])
	}

	_, err = e.s3("us-east-1").GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: name})
	wantCode(t, err, "PermanentRedirect")
	_, err = c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: aws.String("no-such-bucket-here")})
	wantCode(t, err, "NoSuchBucket")
}

// PutBucketTagging refuses what S3 refuses, and a refused put leaves the
// tags as they were.
func TestPutBucketTaggingKeepsS3sLimits(t *testing.T) {
	e := newEnv(t, Options{})
	e.mkBucket("limits-bucket", "us-east-1")
	c := e.s3("us-east-1")
	name := aws.String("limits-bucket")
	must(c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: name, Tagging: &s3types.Tagging{TagSet: tagSet("keep", "me")}}))
	var many []string
	for i := range 51 {
		many = append(many, fmt.Sprintf("k%d", i), "v")
	}
	for what, set := range map[string][]s3types.Tag{
		"a key twice":      tagSet("env", "a", "env", "b"),
		"an aws: key":      tagSet("aws:cloudformation:stack-name", "x"),
		"a 129-char key":   tagSet(strings.Repeat("k", 129), "x"),
		"a 257-char value": tagSet("k", strings.Repeat("v", 257)),
		"51 tags":          tagSet(many...),
	} {
		_, err := c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: name, Tagging: &s3types.Tagging{TagSet: set}})
		if errCode(err) != "InvalidTag" {
			t.Errorf("%s: %v, want InvalidTag", what, err)
		}
	}
	out := must(c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: name}))
	if len(out.TagSet) != 1 || aws.ToString(out.TagSet[0].Value) != "me" {
		t.Errorf("after refused puts: %+v, want keep=me", out.TagSet)
	}
	must(c.PutBucketTagging(ctx, &s3.PutBucketTaggingInput{Bucket: name, Tagging: &s3types.Tagging{TagSet: []s3types.Tag{}}}))
	_, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: name})
	wantCode(t, err, "NoSuchTagSet")
}
