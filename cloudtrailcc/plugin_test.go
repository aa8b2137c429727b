package cloudtrailcc_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/testkit/contracttest"
)

// open starts an in-process plugin with one connection "aws" to the fixture.
func open(t *testing.T, f *contracttest.Fixture, extra ...string) *inproc.Client {
	t.Helper()
	c, err := inproc.New(context.Background(), []inproc.Connection{{Name: "aws", Config: f.Config(extra...)}})
	if err != nil {
		t.Fatalf("inproc.New: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

func query(t *testing.T, c *inproc.Client, table string, columns []string, quals ...inproc.Qual) []inproc.Row {
	t.Helper()
	rows, err := c.Query(context.Background(), "aws", table, columns, quals)
	if err != nil {
		t.Fatalf("select %v from %s: %v", columns, table, err)
	}
	return rows
}

func called(f *contracttest.Fixture, action string) int {
	n := 0
	for _, a := range f.Actions() {
		if a == action {
			n++
		}
	}
	return n
}

func TestTrailNameQueryDoesNotReadStatusOrSelectors(t *testing.T) {
	f := contracttest.Start(t)
	f.Seed(t)
	c := open(t, f)
	rows := query(t, c, "cloudtrailcc_trail", []string{"name"})
	if len(rows) != 1 || rows[0]["name"] != f.TrailName {
		t.Fatalf("rows = %v", rows)
	}
	for _, a := range []string{"cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors", "cloudtrail:ListTags", "cloudtrail:LookupEvents", "s3:ListBuckets"} {
		if n := called(f, a); n != 0 {
			t.Errorf("select name called %s %d times", a, n)
		}
	}
	if called(f, "cloudtrail:DescribeTrails") == 0 {
		t.Error("select name did not call DescribeTrails")
	}

	rows = query(t, c, "cloudtrailcc_trail", []string{"name", "is_logging"})
	if len(rows) != 1 || rows[0]["is_logging"] != true {
		t.Fatalf("rows = %v", rows)
	}
	if n := called(f, "cloudtrail:GetTrailStatus"); n != 1 {
		t.Errorf("select is_logging called GetTrailStatus %d times; want 1", n)
	}
}

func TestRuleQualReadsOnlyThatRulesFacts(t *testing.T) {
	f := contracttest.Start(t)
	f.Seed(t)
	c := open(t, f)
	rows := query(t, c, "cloudtrailcc_finding", []string{"rule_id", "status", "resource"},
		inproc.Qual{Column: "rule_id", Operator: "=", Value: "log_file_validation"})
	if len(rows) != 1 || rows[0]["rule_id"] != "log_file_validation" || rows[0]["resource"] != f.TrailARN || rows[0]["status"] != "alarm" {
		t.Fatalf("rows = %v; want one alarm for %s", rows, f.TrailARN)
	}
	for _, a := range f.Actions() {
		if strings.HasPrefix(a, "s3:") || strings.HasPrefix(a, "s3control:") || a == "cloudtrail:LookupEvents" || a == "cloudtrail:GetTrailStatus" {
			t.Errorf("rule_id = 'log_file_validation' called %s", a)
		}
	}
}

func TestEachFactIsReadOnceHoweverManyTablesAsk(t *testing.T) {
	f := contracttest.Start(t)
	f.Seed(t)
	c := open(t, f)
	for _, table := range []string{"cloudtrailcc_trail", "cloudtrailcc_region", "cloudtrailcc_finding", "cloudtrailcc_trail_bucket", "cloudtrailcc_finding"} {
		query(t, c, table, nil)
	}
	counts := f.Emu.CallCounts()
	if n := counts["cloudtrail:GetTrailStatus"]; n != 1 {
		t.Errorf("GetTrailStatus called %d times; want 1", n)
	}
	if n := counts["cloudtrail:DescribeTrails"]; n != len(contracttest.Regions) {
		t.Errorf("DescribeTrails called %d times; want once per region (%d)", n, len(contracttest.Regions))
	}
	if n := counts["s3:GetBucketAcl"]; n != 1 {
		t.Errorf("GetBucketAcl called %d times; want 1", n)
	}
}

func TestRuleTableNeedsNoAWS(t *testing.T) {
	f := contracttest.Start(t)
	c := open(t, f)
	rows := query(t, c, "cloudtrailcc_rule", []string{"rule_id", "title", "severity", "iam_actions"})
	if len(rows) != 14 {
		t.Fatalf("%d rules; want 14", len(rows))
	}
	if len(f.Actions()) != 0 {
		t.Errorf("the rule table called AWS: %v", f.Actions())
	}
	one := query(t, c, "cloudtrailcc_rule", []string{"rule_id", "iam_actions"}, inproc.Qual{Column: "rule_id", Operator: "=", Value: "bucket_mfa_delete"})
	if len(one) != 1 {
		t.Fatalf("rule_id qual: %v", one)
	}
	actions, ok := one[0]["iam_actions"].([]any)
	if !ok || !slices.Contains(actions, any("s3:GetBucketVersioning")) {
		t.Errorf("iam_actions = %#v", one[0]["iam_actions"])
	}
}

func TestUnknownRuleIDIsAnErrorListingTheValidOnes(t *testing.T) {
	f := contracttest.Start(t)
	c := open(t, f)
	_, err := c.Query(context.Background(), "aws", "cloudtrailcc_finding", []string{"rule_id"},
		[]inproc.Qual{{Column: "rule_id", Operator: "=", Value: "log_validation"}})
	if err == nil || !strings.Contains(err.Error(), "log_validation") || !strings.Contains(err.Error(), "log_file_validation") {
		t.Errorf("error = %v; want one naming the bad id and the valid ones", err)
	}
	if len(f.Actions()) != 0 {
		t.Errorf("a bad rule_id still called AWS: %v", f.Actions())
	}
}

func TestWrongSecretIsAOneLineQueryError(t *testing.T) {
	f := contracttest.Start(t)
	c, err := inproc.New(context.Background(), []inproc.Connection{{Name: "aws", Config: strings.Replace(f.Config(), `secret_key = "test"`, `secret_key = "wrong"`, 1)}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Query(context.Background(), "aws", "cloudtrailcc_trail", []string{"name"}, nil)
	if err == nil {
		t.Fatal("query with a wrong secret key succeeded")
	}
	if strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "secret") {
		t.Errorf("error = %q; want one line about the secret key", err)
	}
}

func TestCacheDirSharesFactsBetweenClients(t *testing.T) {
	f := contracttest.Start(t)
	f.Seed(t)
	dir := t.TempDir()
	first := open(t, f, fmt.Sprintf("cache_dir = %q", dir))
	want := query(t, first, "cloudtrailcc_finding", []string{"rule_id", "status", "resource"})
	if len(f.Actions()) == 0 {
		t.Fatal("the first client read nothing from AWS")
	}
	f.Emu.ResetCalls()
	second := open(t, f, fmt.Sprintf("cache_dir = %q", dir))
	got := query(t, second, "cloudtrailcc_finding", []string{"rule_id", "status", "resource"})
	if len(got) != len(want) {
		t.Errorf("second client: %d findings; first: %d", len(got), len(want))
	}
	// Only the caller identity is read: the cached snapshot is served to
	// the account it describes.
	if calls := f.Actions(); len(calls) != 1 || calls[0] != "sts:GetCallerIdentity" {
		t.Errorf("second client with the same cache_dir called AWS: %v; want only sts:GetCallerIdentity", calls)
	}
}

func TestRegionRowsSayWhichTrailsLogWhatThere(t *testing.T) {
	f := contracttest.Start(t)
	f.Seed(t)
	ctx := context.Background()
	us := cloudtrail.NewFromConfig(f.AWS("us-east-1"))
	if _, err := us.StopLogging(ctx, &cloudtrail.StopLoggingInput{Name: aws.String(f.TrailARN)}); err != nil {
		t.Fatal(err)
	}
	eu := cloudtrail.NewFromConfig(f.AWS("eu-west-1"))
	out, err := eu.CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("eu-data"), S3BucketName: aws.String(f.Bucket)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = eu.PutEventSelectors(ctx, &cloudtrail.PutEventSelectorsInput{
		TrailName: out.TrailARN,
		AdvancedEventSelectors: []cttypes.AdvancedEventSelector{{
			Name: aws.String("S3 objects"),
			FieldSelectors: []cttypes.AdvancedFieldSelector{
				{Field: aws.String("eventCategory"), Equals: []string{"Data"}},
				{Field: aws.String("resources.type"), Equals: []string{"AWS::S3::Object"}},
			},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eu.StartLogging(ctx, &cloudtrail.StartLoggingInput{Name: out.TrailARN}); err != nil {
		t.Fatal(err)
	}

	c := open(t, f)
	rows := query(t, c, "cloudtrailcc_region", []string{"region", "trail_count", "is_logging", "management_events", "data_events", "read_write_type"})
	byRegion := map[string]inproc.Row{}
	for _, r := range rows {
		byRegion[r["region"].(string)] = r
	}
	want := map[string]inproc.Row{
		"eu-west-1": {"trail_count": int64(2), "is_logging": true, "management_events": false, "data_events": true, "read_write_type": nil},
		"us-east-1": {"trail_count": int64(1), "is_logging": false, "management_events": false, "data_events": false, "read_write_type": nil},
	}
	for region, w := range want {
		for col, v := range w {
			if got := byRegion[region][col]; got != v {
				t.Errorf("%s.%s = %#v; want %#v", region, col, got, v)
			}
		}
	}
}

func TestRuleIDInListReadsOnlyThoseRules(t *testing.T) {
	f := contracttest.Start(t)
	f.Seed(t)
	c := open(t, f)
	rows := query(t, c, "cloudtrailcc_finding", []string{"rule_id", "status"},
		inproc.Qual{Column: "rule_id", Operator: "=", Value: []string{"log_file_validation", "kms_encryption"}})
	got := map[string]string{}
	for _, r := range rows {
		got[r["rule_id"].(string)] = r["status"].(string)
	}
	if len(rows) != 2 || got["log_file_validation"] != "alarm" || got["kms_encryption"] != "alarm" {
		t.Errorf("rows = %v; want an alarm for each of the two rules", rows)
	}
	for _, a := range f.Actions() {
		if strings.HasPrefix(a, "s3") || a == "cloudtrail:LookupEvents" {
			t.Errorf("rule_id in (log_file_validation, kms_encryption) called %s", a)
		}
	}
}

func TestPublicBucketRowSaysWhy(t *testing.T) {
	f := contracttest.Start(t)
	f.Seed(t)
	s3c := s3.NewFromConfig(f.AWS("us-east-1"), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.PutBucketAcl(context.Background(), &s3.PutBucketAclInput{Bucket: aws.String(f.Bucket), ACL: s3types.BucketCannedACLPublicRead}); err != nil {
		t.Fatal(err)
	}
	c := open(t, f)
	rows := query(t, c, "cloudtrailcc_trail_bucket", []string{"name", "is_public", "public_reason", "acl", "block_public_acls", "read_errors"})
	if len(rows) != 1 {
		t.Fatalf("rows = %v", rows)
	}
	r := rows[0]
	if r["is_public"] != true || !strings.Contains(fmt.Sprint(r["public_reason"]), "AllUsers") {
		t.Errorf("is_public = %v, public_reason = %v; want true naming AllUsers", r["is_public"], r["public_reason"])
	}
	if !slices.Contains(aclGrants(t, r["acl"]), "Group http://acs.amazonaws.com/groups/global/AllUsers READ") || r["block_public_acls"] != false {
		t.Errorf("acl = %v, block_public_acls = %v; want GetBucketAcl's Grants with AllUsers READ, and false (the bucket has no Public Access Block)", r["acl"], r["block_public_acls"])
	}
	if errs, ok := r["read_errors"].(map[string]any); !ok || len(errs) != 0 {
		t.Errorf("read_errors = %#v; want {}", r["read_errors"])
	}
}

// aclGrants lists the grants of an acl column value (GetBucketAcl's shape:
// {"Owner": ..., "Grants": [{"Grantee": {"Type", "ID", "URI"}, "Permission"}]})
// as "Type ID-or-URI Permission".
func aclGrants(t *testing.T, acl any) []string {
	t.Helper()
	m, _ := acl.(map[string]any)
	grants, ok := m["Grants"].([]any)
	if !ok {
		t.Fatalf("acl = %#v; want an object with a Grants list", acl)
	}
	var out []string
	for _, g := range grants {
		g, _ := g.(map[string]any)
		who, _ := g["Grantee"].(map[string]any)
		id := who["ID"]
		if id == nil {
			id = who["URI"]
		}
		out = append(out, fmt.Sprintf("%v %v %v", who["Type"], id, g["Permission"]))
	}
	return out
}

// TestBucketColumnsCarryPluginAWSValues checks the columns named as in
// steampipe-plugin-aws's aws_s3_bucket hold the values it gives: booleans
// for versioning and MFA Delete (false when never configured), logging as
// GetBucketLogging's LoggingEnabled, and the bucket policy's public status.
func TestBucketColumnsCarryPluginAWSValues(t *testing.T) {
	f := contracttest.Start(t)
	f.Seed(t)
	cols := []string{"versioning_enabled", "versioning_status", "versioning_mfa_delete", "logging", "bucket_policy_is_public", "acl"}
	before := query(t, open(t, f), "cloudtrailcc_trail_bucket", cols)
	if len(before) != 1 {
		t.Fatalf("rows = %v", before)
	}
	r := before[0]
	if r["versioning_enabled"] != false || r["versioning_status"] != nil || r["versioning_mfa_delete"] != false || r["logging"] != nil || r["bucket_policy_is_public"] != false {
		t.Errorf("never-configured bucket: %v; want versioning_enabled false, versioning_status null, versioning_mfa_delete false, logging null, bucket_policy_is_public false", r)
	}
	if got := aclGrants(t, r["acl"]); len(got) != 1 || !strings.HasPrefix(got[0], "CanonicalUser ") || !strings.HasSuffix(got[0], " FULL_CONTROL") {
		t.Errorf("acl grants = %v; want the owner's FULL_CONTROL", got)
	}

	ctx := context.Background()
	s3c := s3.NewFromConfig(f.AWS("us-east-1"), func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(f.Bucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s3c.PutBucketLogging(ctx, &s3.PutBucketLoggingInput{Bucket: aws.String(f.Bucket),
		BucketLoggingStatus: &s3types.BucketLoggingStatus{LoggingEnabled: &s3types.LoggingEnabled{TargetBucket: aws.String(f.Bucket), TargetPrefix: aws.String("access/")}}}); err != nil {
		t.Fatal(err)
	}
	after := query(t, open(t, f), "cloudtrailcc_trail_bucket", cols)
	r = after[0]
	logging, _ := r["logging"].(map[string]any)
	if r["versioning_enabled"] != true || r["versioning_status"] != "Enabled" || r["versioning_mfa_delete"] != false ||
		logging["TargetBucket"] != f.Bucket || logging["TargetPrefix"] != "access/" {
		t.Errorf("versioned, logged bucket: %v; want versioning_enabled true, versioning_mfa_delete false, logging {TargetBucket %s, TargetPrefix access/}", r, f.Bucket)
	}
}

func TestConfigChangeRowsCarryWhoAndFromWhere(t *testing.T) {
	f := contracttest.Start(t)
	f.Seed(t)
	c := open(t, f)
	rows := query(t, c, "cloudtrailcc_config_change", []string{"event_name", "trail", "user_identity_arn", "source_ip_address", "source_ip", "request_parameters"},
		inproc.Qual{Column: "event_name", Operator: "=", Value: "CreateTrail"})
	if len(rows) != 1 {
		t.Fatalf("CreateTrail events = %v; want 1", rows)
	}
	r := rows[0]
	if r["trail"] != f.TrailName || r["source_ip_address"] != "127.0.0.1" || r["source_ip"] != "127.0.0.1" {
		t.Errorf("row = %v", r)
	}
	if params, ok := r["request_parameters"].(map[string]any); !ok || params["s3BucketName"] != f.Bucket {
		t.Errorf("request_parameters = %#v; want the CreateTrail request", r["request_parameters"])
	}
}
