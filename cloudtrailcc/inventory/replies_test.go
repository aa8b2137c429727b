package inventory

import (
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/testkit/faulttest"
)

// rewrite is a mangling that rewrites the upstream body with re.
func rewrite(name, re, with string) faulttest.Mangling {
	r := regexp.MustCompile(re)
	return faulttest.Mangling{Name: name, Reply: func(u faulttest.Reply) faulttest.Reply {
		u.Body = r.ReplaceAll(u.Body, []byte(with))
		return u
	}}
}

// TestBucketAclNeedsItsAccessControlList checks GetBucketAcl's shape on a
// public trail bucket seen through a proxy that rewrites the reply: an
// ACL without its AccessControlList, or with a grant that does not say
// whom it grants to, is malformed and the critical bucket_not_public rule
// is an error naming it, never ok; an empty AccessControlList is a bucket
// without grants, read as such.
func TestBucketAclNeedsItsAccessControlList(t *testing.T) {
	t.Parallel()
	_, base := emulator(t, awsemu.Options{})
	s := seeder{t, base}
	s.bucket("public-trail-logs", "us-east-1")
	s.trail("main", "us-east-1", "public-trail-logs", true, true, nil)
	_, err := s.s3("us-east-1").PutBucketAcl(t.Context(), &s3.PutBucketAclInput{Bucket: aws.String("public-trail-logs"), ACL: s3types.BucketCannedACLPublicRead})
	s.must(err)
	upstream, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		mangling  faulttest.Mangling
		malformed bool
	}{
		{rewrite("unchanged", `^$`, ""), false},
		{rewrite("no AccessControlList", `(?s)<AccessControlList>.*</AccessControlList>`, ""), true},
		{rewrite("a group grantee without URI", `<URI>[^<]*</URI>`, ""), true},
		{rewrite("a grant without Grantee", `(?s)<Grantee [^>]*>.*?</Grantee>`, ""), true},
		{rewrite("a grant without Permission", `<Permission>[^<]*</Permission>`, ""), true},
		{rewrite("no Owner", `(?s)<Owner>.*?</Owner>`, ""), true},
		{rewrite("an empty AccessControlList", `(?s)<AccessControlList>.*</AccessControlList>`, "<AccessControlList/>"), false},
	} {
		mg := faulttest.NewMangler(upstream, "s3:GetBucketAcl", c.mangling)
		srv := httptest.NewServer(mg)
		t.Cleanup(srv.Close)
		acct, err := collector(t, srv.URL, nil).Snapshot(t.Context(), snapshot.NeedTrails|snapshot.NeedBucketPublic)
		if err != nil {
			t.Fatal(err)
		}
		if mg.Mangled() == 0 {
			t.Fatalf("%s: GetBucketAcl was never called", c.mangling.Name)
		}
		b := acct.Buckets["public-trail-logs"]
		findings := rules.Evaluate(acct, "bucket_not_public")
		if len(findings) != 1 {
			t.Fatalf("%s: %d bucket_not_public findings, want 1: %+v", c.mangling.Name, len(findings), findings)
		}
		f := findings[0]
		switch {
		case c.malformed:
			if b.ACLErr == nil || b.ACLErr.Code != codeMalformed || b.ACL != nil {
				t.Errorf("%s: ACL %+v, error %v; want MalformedResponse", c.mangling.Name, b.ACL, b.ACLErr)
			}
			if f.Status != rules.StatusError || !strings.Contains(f.Reason, "s3:GetBucketAcl") {
				t.Errorf("%s: bucket_not_public is %s %q, want an error naming s3:GetBucketAcl", c.mangling.Name, f.Status, f.Reason)
			}
		case c.mangling.Name == "unchanged":
			if b.ACLErr != nil || f.Status != rules.StatusAlarm {
				t.Errorf("unchanged: ACL error %v, bucket_not_public %s %q; want a public bucket's alarm", b.ACLErr, f.Status, f.Reason)
			}
		default:
			if b.ACLErr != nil || b.ACL == nil || len(b.ACL.Grants) != 0 {
				t.Errorf("%s: ACL %+v, error %v; want read, without grants", c.mangling.Name, b.ACL, b.ACLErr)
			}
		}
	}
}
