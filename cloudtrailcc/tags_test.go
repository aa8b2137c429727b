package cloudtrailcc_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/testkit/contracttest"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/testkit/faulttest"
)

// inprocEq is the qual column = value.
func inprocEq(column, value string) inproc.Qual {
	return inproc.Qual{Column: column, Operator: "=", Value: value}
}

// openConfig starts an in-process plugin with one connection "aws" of config.
func openConfig(t *testing.T, config string) *inproc.Client {
	t.Helper()
	c, err := inproc.New(context.Background(), []inproc.Connection{{Name: "aws", Config: config}})
	if err != nil {
		t.Fatalf("inproc.New: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// tagBucket puts the fixture bucket's tags through the S3 API.
func tagBucket(t *testing.T, f *contracttest.Fixture, kv ...string) {
	t.Helper()
	var set []s3types.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		set = append(set, s3types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	s3c := s3.NewFromConfig(f.AWS("us-east-1"), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.PutBucketTagging(context.Background(), &s3.PutBucketTaggingInput{Bucket: aws.String(f.Bucket),
		Tagging: &s3types.Tagging{TagSet: set}}); err != nil {
		t.Fatal(err)
	}
	f.Emu.ResetCalls()
}

// The bucket's tags have aws_s3_bucket's shapes: tags a map, tags_src
// [{Key, Value}]; a bucket without tags (S3's NoSuchTagSet) is {} and [].
func TestBucketTagsColumnsHavePluginAWSShapes(t *testing.T) {
	f := contracttest.Start(t)
	f.Seed(t)
	tagBucket(t, f, "team", "audit", "env", "prod")
	rows := query(t, open(t, f), "cloudtrailcc_trail_bucket", []string{"name", "tags", "tags_src", "read_errors"})
	if len(rows) != 1 {
		t.Fatalf("rows = %v", rows)
	}
	if got := jsonOf(t, rows[0]["tags"]); got != `{"env":"prod","team":"audit"}` {
		t.Errorf("tags = %s, want {\"env\": \"prod\", \"team\": \"audit\"}", got)
	}
	if got := jsonOf(t, rows[0]["tags_src"]); got != `[{"Key":"env","Value":"prod"},{"Key":"team","Value":"audit"}]` {
		t.Errorf("tags_src = %s, want [{Key, Value}] sorted by key", got)
	}
	if got := jsonOf(t, rows[0]["read_errors"]); got != `{}` {
		t.Errorf("read_errors = %s, want {}", got)
	}
	if n := called(f, "s3:GetBucketTagging"); n != 1 {
		t.Errorf("GetBucketTagging called %d times, want 1", n)
	}
}

func TestBucketWithoutTagsHasEmptyTags(t *testing.T) {
	f := contracttest.Start(t)
	f.Seed(t)
	rows := query(t, open(t, f), "cloudtrailcc_trail_bucket", []string{"name", "tags", "tags_src"})
	if len(rows) != 1 {
		t.Fatalf("rows = %v", rows)
	}
	if got, src := jsonOf(t, rows[0]["tags"]), jsonOf(t, rows[0]["tags_src"]); got != `{}` || src != `[]` {
		t.Errorf("tags = %s, tags_src = %s for a bucket without tags, want {} and []", got, src)
	}
}

// The tags are read only when a tags column is asked for: a query of the
// bucket's other columns, and the findings without tags (what check and
// the benchmark run), never call GetBucketTagging or ListTags.
func TestTagsAreReadOnlyWhenAsked(t *testing.T) {
	f := contracttest.Start(t)
	f.Seed(t)
	c := open(t, f)
	query(t, c, "cloudtrailcc_trail_bucket", []string{"name", "logging", "versioning_enabled", "is_public", "read_errors"})
	query(t, c, "cloudtrailcc_finding", []string{"rule_id", "resource", "status", "reason", "account_id", "region"})
	for _, a := range []string{"s3:GetBucketTagging", "cloudtrail:ListTags"} {
		if n := called(f, a); n != 0 {
			t.Errorf("queries without a tags column called %s %d times", a, n)
		}
	}
	if called(f, "s3:GetBucketAcl") != 1 {
		t.Fatalf("the bucket was not read: %v", f.Actions())
	}
	// A bucket rule's tags read the bucket's tags, not the trails'.
	query(t, c, "cloudtrailcc_finding", []string{"resource", "tags"}, inprocEq("rule_id", "bucket_access_logging"))
	if n, m := called(f, "s3:GetBucketTagging"), called(f, "cloudtrail:ListTags"); n != 1 || m != 0 {
		t.Errorf("tags of bucket_access_logging's findings: GetBucketTagging %d, ListTags %d; want 1 and 0", n, m)
	}
}

// Each finding's tags are its resource's: the bucket's for a bucket
// finding, the trail's for a trail finding, NULL for an account finding.
func TestFindingTagsAreTheResourcesTags(t *testing.T) {
	f := contracttest.Start(t)
	f.Seed(t)
	ct := cloudtrail.NewFromConfig(f.AWS("us-east-1"))
	if _, err := ct.AddTags(context.Background(), &cloudtrail.AddTagsInput{ResourceId: aws.String(f.TrailARN),
		TagsList: []cttypes.Tag{{Key: aws.String("env"), Value: aws.String("trail-prod")}}}); err != nil {
		t.Fatal(err)
	}
	tagBucket(t, f, "env", "bucket-prod")
	rows := query(t, open(t, f), "cloudtrailcc_finding", []string{"rule_id", "resource", "tags"})
	bucketARN := "arn:aws:s3:::" + f.Bucket
	seen := map[string]bool{}
	for _, r := range rows {
		res, _ := r["resource"].(string)
		got := jsonOf(t, r["tags"])
		switch {
		case res == bucketARN:
			seen["bucket"] = true
			if got != `{"env":"bucket-prod"}` {
				t.Errorf("%s on the bucket: tags %s, want the bucket's", r["rule_id"], got)
			}
		case res == f.TrailARN:
			seen["trail"] = true
			if got != `{"env":"trail-prod"}` {
				t.Errorf("%s on the trail: tags %s, want the trail's", r["rule_id"], got)
			}
		case !strings.Contains(res, ":s3:::") && !strings.Contains(res, ":trail/"):
			seen["other"] = true
			if r["tags"] != nil {
				t.Errorf("%s on %s: tags %s, want NULL", r["rule_id"], res, got)
			}
		}
	}
	if !seen["bucket"] || !seen["trail"] || !seen["other"] {
		t.Errorf("findings cover %v, want bucket, trail and other resources", seen)
	}
}

// A GetBucketTagging that is denied, or answers 200 with a reply that is
// not a tag set, leaves the tags NULL with the error in read_errors:
// never {}, which would say the bucket has no tags.
func TestUnreadableBucketTagsAreNullNotEmpty(t *testing.T) {
	noTagSet := faulttest.Mangling{Name: "Tagging without TagSet", Reply: func(u faulttest.Reply) faulttest.Reply {
		return faulttest.Reply{Status: http.StatusOK, ContentType: u.ContentType,
			Body: []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></Tagging>`)}
	}}
	keyless := faulttest.Mangling{Name: "a tag without Key", Reply: func(u faulttest.Reply) faulttest.Reply {
		return faulttest.Reply{Status: http.StatusOK, ContentType: u.ContentType,
			Body: []byte(`<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Value>x</Value></Tag></TagSet></Tagging>`)}
	}}
	cases := []struct {
		name     string
		mangling *faulttest.Mangling
		fault    *awsemu.Fault
		want     string
	}{
		{name: "AccessDenied", fault: &awsemu.Fault{Action: "s3:GetBucketTagging", ErrorCode: "AccessDenied"}, want: "AccessDenied"},
		{name: noTagSet.Name, mangling: &noTagSet, want: "MalformedResponse"},
		{name: keyless.Name, mangling: &keyless, want: "MalformedResponse"},
		{name: faulttest.EmptyOK.Name, mangling: &faulttest.EmptyOK, want: "MalformedResponse"},
		{name: faulttest.HTMLOK.Name, mangling: &faulttest.HTMLOK, want: "MalformedResponse"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := contracttest.Start(t)
			f.Seed(t)
			tagBucket(t, f, "env", "prod")
			cfg := f.Config()
			if tc.fault != nil {
				f.Emu.AddFault(*tc.fault)
			}
			var m *faulttest.Mangler
			if tc.mangling != nil {
				up, err := url.Parse(f.URL)
				if err != nil {
					t.Fatal(err)
				}
				m = faulttest.NewMangler(up, "s3:GetBucketTagging", *tc.mangling)
				proxy := httptest.NewServer(m)
				t.Cleanup(proxy.Close)
				cfg = strings.Replace(cfg, f.URL, proxy.URL, 1)
			}
			c := openConfig(t, cfg)
			rows := query(t, c, "cloudtrailcc_trail_bucket", []string{"name", "tags", "tags_src", "read_errors"})
			if len(rows) != 1 {
				t.Fatalf("rows = %v", rows)
			}
			if rows[0]["tags"] != nil || rows[0]["tags_src"] != nil {
				t.Errorf("tags = %s, tags_src = %s, want NULL", jsonOf(t, rows[0]["tags"]), jsonOf(t, rows[0]["tags_src"]))
			}
			errs, _ := rows[0]["read_errors"].(map[string]any)
			if msg, _ := errs["s3:GetBucketTagging"].(string); !strings.Contains(msg, tc.want) {
				t.Errorf("read_errors = %v, want s3:GetBucketTagging with %s", rows[0]["read_errors"], tc.want)
			}
			if m != nil && m.Mangled() == 0 {
				t.Error("no GetBucketTagging reply went through the mangler")
			}
			findings := query(t, c, "cloudtrailcc_finding", []string{"resource", "tags"}, inprocEq("rule_id", "bucket_mfa_delete"))
			if len(findings) != 1 || findings[0]["tags"] != nil {
				t.Errorf("bucket finding tags = %v, want NULL", findings)
			}
		})
	}
}
