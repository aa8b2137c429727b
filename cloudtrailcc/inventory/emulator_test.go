package inventory

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	ctypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	s3ctypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/awsendpoint"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/awstransport"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
)

const testAccount = awsemu.DefaultAccountID

// emulator starts an emulator for the test and returns it with its URL.
func emulator(t *testing.T, opts awsemu.Options) (*awsemu.Server, string) {
	t.Helper()
	srv := awsemu.New(opts)
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, url
}

// collector returns a Collector on the emulator with the default test
// credentials; edit adjusts the configuration.
func collector(t *testing.T, url string, edit func(*Config)) *Collector {
	t.Helper()
	cfg := Config{EndpointURL: url, AccessKey: awsemu.DefaultAccessKeyID, SecretKey: awsemu.DefaultSecretAccessKey,
		Regions: []string{"us-east-1", "eu-west-1"}, MinErrorRetryDelay: time.Millisecond}
	if edit != nil {
		edit(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// seeder writes state into the emulator through the real SDK clients, as a
// test against AWS would.
type seeder struct {
	t   *testing.T
	url string
}

func (s seeder) cfg(region string) aws.Config {
	return aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(awsemu.DefaultAccessKeyID, awsemu.DefaultSecretAccessKey, ""),
		BaseEndpoint: aws.String(s.url),
		HTTPClient:   awstransport.NewClient(),
	}
}

func (s seeder) ct(region string) *cloudtrail.Client { return cloudtrail.NewFromConfig(s.cfg(region)) }

func (s seeder) s3(region string) *s3.Client {
	return s3.NewFromConfig(s.cfg(region), func(o *s3.Options) { o.UsePathStyle = true })
}

func (s seeder) must(err error) {
	s.t.Helper()
	if err != nil {
		s.t.Fatal(err)
	}
}

func (s seeder) bucket(name, region string) {
	in := &s3.CreateBucketInput{Bucket: aws.String(name)}
	if region != "us-east-1" {
		in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(region)}
	}
	_, err := s.s3(region).CreateBucket(s.t.Context(), in)
	s.must(err)
}

func (s seeder) trail(name, region, bucket string, multiRegion, start bool, edit func(*cloudtrail.CreateTrailInput)) string {
	in := &cloudtrail.CreateTrailInput{Name: aws.String(name), S3BucketName: aws.String(bucket),
		IsMultiRegionTrail: aws.Bool(multiRegion), IncludeGlobalServiceEvents: aws.Bool(multiRegion)}
	if edit != nil {
		edit(in)
	}
	out, err := s.ct(region).CreateTrail(s.t.Context(), in)
	s.must(err)
	if start {
		_, err = s.ct(region).StartLogging(s.t.Context(), &cloudtrail.StartLoggingInput{Name: out.TrailARN})
		s.must(err)
	}
	return aws.ToString(out.TrailARN)
}

// smallAccount seeds one multi-region trail homed in us-east-1 and one
// regional trail in eu-west-1, each with its own bucket.
func smallAccount(t *testing.T, url string) (mainARN, euARN string) {
	s := seeder{t, url}
	s.bucket("main-trail-logs", "us-east-1")
	s.bucket("eu-trail-logs", "eu-west-1")
	mainARN = s.trail("main", "us-east-1", "main-trail-logs", true, true, func(in *cloudtrail.CreateTrailInput) {
		in.EnableLogFileValidation = aws.Bool(true)
		in.TagsList = []ctypes.Tag{{Key: aws.String("team"), Value: aws.String("security")}}
	})
	euARN = s.trail("eu-trail", "eu-west-1", "eu-trail-logs", false, false, nil)
	_, err := s.s3("us-east-1").PutBucketTagging(t.Context(), &s3.PutBucketTaggingInput{Bucket: aws.String("main-trail-logs"),
		Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("cost-center"), Value: aws.String("audit")}}}})
	s.must(err)
	return mainARN, euARN
}

// settle waits until the emulator's request log stops growing: it logs a
// call just after answering it, so the last calls of a snapshot may land a
// moment after Snapshot returns.
func settle(srv *awsemu.Server) []awsemu.Call {
	n := len(srv.Calls())
	for {
		time.Sleep(15 * time.Millisecond)
		calls := srv.Calls()
		if len(calls) == n {
			return calls
		}
		n = len(calls)
	}
}

// emulatorCounts is the emulator's request log by action, for this account.
func emulatorCounts(srv *awsemu.Server) map[string]int {
	out := map[string]int{}
	for _, c := range settle(srv) {
		if c.AccountID == testAccount || c.AccountID == "" {
			out[c.Action]++
		}
	}
	return out
}

func TestSnapshotOfSeededAccount(t *testing.T) {
	t.Parallel()
	_, url := emulator(t, awsemu.Options{})
	mainARN, euARN := smallAccount(t, url)
	c := collector(t, url, nil)

	acct, err := c.Snapshot(t.Context(), snapshot.NeedAll)
	if err != nil {
		t.Fatal(err)
	}
	if acct.AccountID != testAccount || acct.Partition != "aws" || acct.CallerARN == "" {
		t.Errorf("identity = %q %q %q", acct.AccountID, acct.Partition, acct.CallerARN)
	}
	if want := []string{"eu-west-1", "us-east-1"}; !slices.Equal(acct.Regions, want) {
		t.Errorf("regions = %v, want %v", acct.Regions, want)
	}
	if len(acct.Trails) != 2 {
		t.Fatalf("trails = %d, want 2 (the multi-region trail once, though seen from both regions)", len(acct.Trails))
	}
	byARN := map[string]*snapshot.Trail{}
	for _, tr := range acct.Trails {
		byARN[tr.ARN] = tr
	}
	main, eu := byARN[mainARN], byARN[euARN]
	if main == nil || eu == nil {
		t.Fatalf("trails %v, want %s and %s", slices.Collect(maps.Keys(byARN)), mainARN, euARN)
	}
	if main.HomeRegion != "us-east-1" || !main.IsMultiRegionTrail || !main.LogFileValidationEnabled || main.OwnerAccountID != testAccount {
		t.Errorf("main trail = %+v", main)
	}
	if eu.HomeRegion != "eu-west-1" || eu.IsMultiRegionTrail {
		t.Errorf("eu trail = %+v", eu)
	}
	if main.Status == nil || !main.Status.IsLogging || main.StatusErr != nil {
		t.Errorf("main status = %+v, %v; want logging", main.Status, main.StatusErr)
	}
	if eu.Status == nil || eu.Status.IsLogging {
		t.Errorf("eu status = %+v, %v; want read, not logging", eu.Status, eu.StatusErr)
	}
	if main.Selectors == nil || len(main.Selectors.Classic) != 1 || !main.Selectors.Classic[0].IncludeManagementEvents ||
		main.Selectors.Classic[0].ReadWriteType != "All" {
		t.Errorf("main selectors = %+v, %v; want the default classic selector", main.Selectors, main.SelectorsErr)
	}
	if main.Tags["team"] != "security" || main.TagsErr != nil || eu.Tags == nil {
		t.Errorf("tags = %v / %v (%v)", main.Tags, eu.Tags, main.TagsErr)
	}
	if len(acct.Buckets) != 2 {
		t.Fatalf("buckets = %v, want 2", slices.Collect(maps.Keys(acct.Buckets)))
	}
	for name, region := range map[string]string{"main-trail-logs": "us-east-1", "eu-trail-logs": "eu-west-1"} {
		b := acct.Buckets[name]
		if b == nil || !b.Owned || !b.OwnedKnown || b.Region != region || b.RegionErr != nil {
			t.Errorf("bucket %s = %+v, want own, in %s", name, b, region)
			continue
		}
		if b.Logging == nil || b.Logging.TargetBucket != "" || b.Versioning == nil || b.Versioning.MFADelete != "" {
			t.Errorf("bucket %s logging %+v versioning %+v", name, b.Logging, b.Versioning)
		}
		if b.ACL == nil || b.OwnerID == "" || b.Policy == nil || b.Policy.Exists || !b.PublicAccessBlockRead ||
			b.PublicAccessBlock != nil || !b.OwnershipRead || b.ObjectOwnership != "" {
			t.Errorf("bucket %s public facts: acl %+v policy %+v pab %+v/%v ownership %q/%v; errors %v %v %v %v",
				name, b.ACL, b.Policy, b.PublicAccessBlock, b.PublicAccessBlockRead, b.ObjectOwnership, b.OwnershipRead,
				b.ACLErr, b.PolicyErr, b.PublicAccessBlockErr, b.OwnershipErr)
		}
	}
	// A tagged bucket gives its tags; S3's NoSuchTagSet for the other is
	// "no tags", an empty map (nil would be "not read").
	if tags := acct.Buckets["main-trail-logs"].Tags; len(tags) != 1 || tags["cost-center"] != "audit" {
		t.Errorf("main-trail-logs tags = %v (%v), want cost-center=audit", tags, acct.Buckets["main-trail-logs"].TagsErr)
	}
	if eu := acct.Buckets["eu-trail-logs"]; eu.Tags == nil || len(eu.Tags) != 0 || eu.TagsErr != nil {
		t.Errorf("eu-trail-logs tags = %#v (%v), want an empty map for NoSuchTagSet", eu.Tags, eu.TagsErr)
	}
	if acct.AccountPublicAccessBlock != nil || acct.AccountPublicAccessBlockErr != nil {
		t.Errorf("account PAB = %+v, %v; want none configured", acct.AccountPublicAccessBlock, acct.AccountPublicAccessBlockErr)
	}
	var names []string
	for _, e := range acct.ConfigChanges {
		names = append(names, e.Region+":"+e.EventName)
		if e.UserIdentityARN == "" || e.Trail == "" {
			t.Errorf("change event without who or trail: %+v", e)
		}
	}
	for _, want := range []string{"us-east-1:CreateTrail", "us-east-1:StartLogging", "eu-west-1:CreateTrail"} {
		if !slices.Contains(names, want) {
			t.Errorf("config changes %v lack %s", names, want)
		}
	}
	if len(acct.ConfigChangeErrors) != 0 || len(acct.TrailListErrors) != 0 || acct.RegionsErr != nil || acct.OwnBucketsErr != nil {
		t.Errorf("unexpected errors: %v %v %v %v", acct.ConfigChangeErrors, acct.TrailListErrors, acct.RegionsErr, acct.OwnBucketsErr)
	}
	if acct.Loaded != snapshot.NeedAll {
		t.Errorf("Loaded = %b, want NeedAll", acct.Loaded)
	}
}

// smallAccountCalls is what NeedAll costs on smallAccount over two regions:
// each fact once.
var smallAccountCalls = map[string]int{
	"sts:GetCallerIdentity":          1,
	"ec2:DescribeRegions":            1,
	"cloudtrail:DescribeTrails":      2, // one per evaluated region
	"cloudtrail:GetTrailStatus":      2, // one per distinct trail
	"cloudtrail:GetEventSelectors":   2,
	"cloudtrail:ListTags":            2, // one batch per home region
	"cloudtrail:LookupEvents":        2, // one page per region
	"s3:ListAllMyBuckets":            1,
	"s3:GetBucketLocation":           2, // one per own bucket
	"s3:GetBucketLogging":            2,
	"s3:GetBucketVersioning":         2,
	"s3:GetBucketAcl":                2,
	"s3:GetBucketPolicyStatus":       2,
	"s3:GetBucketPublicAccessBlock":  2,
	"s3:GetBucketOwnershipControls":  2,
	"s3:GetBucketTagging":            2,
	"s3:GetAccountPublicAccessBlock": 1,
}

func TestEachFactIsReadOnceAndReusedWithinTTL(t *testing.T) {
	t.Parallel()
	srv, url := emulator(t, awsemu.Options{})
	smallAccount(t, url)
	settle(srv)
	srv.ResetCalls()
	c := collector(t, url, nil)

	if _, err := c.Snapshot(t.Context(), snapshot.NeedAll); err != nil {
		t.Fatal(err)
	}
	if got := c.APICalls(); !maps.Equal(got, smallAccountCalls) {
		t.Errorf("calls = %v\nwant    %v", got, smallAccountCalls)
	}
	if got := emulatorCounts(srv); !maps.Equal(got, smallAccountCalls) {
		t.Errorf("emulator saw %v\nwant         %v", got, smallAccountCalls)
	}
	for action := range c.APICalls() {
		_, op, _ := strings.Cut(action, ":")
		if !slices.Contains(IAMActions(), action) || !(strings.HasPrefix(op, "Describe") || strings.HasPrefix(op, "Get") ||
			strings.HasPrefix(op, "List") || strings.HasPrefix(op, "Lookup")) {
			t.Errorf("%s is not a documented read action", action)
		}
	}
	if got := c.APIAttempts(); !maps.Equal(got, smallAccountCalls) {
		t.Errorf("attempts = %v, want one per call (no retries needed)", got)
	}

	settle(srv)
	srv.ResetCalls()
	for _, need := range []snapshot.Need{snapshot.NeedAll, snapshot.NeedTrailStatus, snapshot.NeedBucketPublic} {
		acct, err := c.Snapshot(t.Context(), need)
		if err != nil {
			t.Fatal(err)
		}
		if len(acct.Trails) != 2 {
			t.Errorf("cached snapshot has %d trails", len(acct.Trails))
		}
	}
	if got := settle(srv); len(got) != 0 {
		t.Errorf("snapshots within the TTL made %d calls: %v", len(got), emulatorCounts(srv))
	}
}

func TestConcurrentSnapshotsShareEachRead(t *testing.T) {
	t.Parallel()
	srv, url := emulator(t, awsemu.Options{Latency: 5 * time.Millisecond})
	smallAccount(t, url)
	settle(srv)
	srv.ResetCalls()
	c := collector(t, url, nil)

	var wg sync.WaitGroup
	accts := make([]*snapshot.Account, 12)
	for i := range accts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			need := snapshot.NeedAll
			if i%3 == 1 {
				need = snapshot.NeedTrailStatus | snapshot.NeedBucketLogging
			}
			var err error
			if accts[i], err = c.Snapshot(t.Context(), need); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := c.APICalls(); !maps.Equal(got, smallAccountCalls) {
		t.Errorf("12 concurrent snapshots made %v\nwant one of each %v", got, smallAccountCalls)
	}
	// Each caller owns its snapshot.
	accts[0].Trails[0].Name = "changed"
	if accts[3].Trails[0].Name == "changed" {
		t.Error("snapshots share trail structs")
	}
}

func TestSupersetNeedReadsOnlyMissingFacts(t *testing.T) {
	t.Parallel()
	_, url := emulator(t, awsemu.Options{})
	smallAccount(t, url)
	c := collector(t, url, nil)

	if _, err := c.Snapshot(t.Context(), snapshot.NeedTrails); err != nil {
		t.Fatal(err)
	}
	before := c.APICalls()
	acct, err := c.Snapshot(t.Context(), snapshot.NeedTrails|snapshot.NeedTrailStatus)
	if err != nil {
		t.Fatal(err)
	}
	after := c.APICalls()
	added := map[string]int{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			added[k] = d
		}
	}
	if want := map[string]int{"cloudtrail:GetTrailStatus": 2}; !maps.Equal(added, want) {
		t.Errorf("superset snapshot added calls %v, want %v", added, want)
	}
	if acct.Trails[0].Status == nil || acct.Buckets != nil {
		t.Errorf("snapshot holds status %v, buckets %v; want status only", acct.Trails[0].Status, acct.Buckets)
	}
}

func TestCacheTTLExpiryRereads(t *testing.T) {
	t.Parallel()
	_, url := emulator(t, awsemu.Options{})
	smallAccount(t, url)
	c := collector(t, url, func(cfg *Config) { cfg.CacheTTL = 50 * time.Millisecond })
	for range 2 {
		if _, err := c.Snapshot(t.Context(), snapshot.NeedTrails); err != nil {
			t.Fatal(err)
		}
		time.Sleep(60 * time.Millisecond)
	}
	if n := c.APICalls()["cloudtrail:DescribeTrails"]; n != 4 {
		t.Errorf("DescribeTrails calls = %d, want 4 (2 regions, read again after the TTL)", n)
	}
}

func TestForeignBucketIsProbedOnceAndNotRead(t *testing.T) {
	t.Parallel()
	srv, url := emulator(t, awsemu.Options{})
	s := seeder{t, url}
	s.must(srv.AddForeignBucket("central-logs", "999988887777", "us-east-1"))
	s.bucket("own-logs", "us-east-1")
	s.trail("to-central", "us-east-1", "central-logs", true, true, nil)
	s.trail("to-own", "us-east-1", "own-logs", false, true, nil)
	settle(srv)
	srv.ResetCalls()
	c := collector(t, url, func(cfg *Config) { cfg.Regions = []string{"us-east-1"} })

	acct, err := c.Snapshot(t.Context(), snapshot.NeedBucketLogging|snapshot.NeedBucketVersioning|snapshot.NeedBucketPublic)
	if err != nil {
		t.Fatal(err)
	}
	foreign, own := acct.Buckets["central-logs"], acct.Buckets["own-logs"]
	if foreign == nil || foreign.Owned || !foreign.OwnedKnown || foreign.NotFound || foreign.Logging != nil || foreign.LoggingErr != nil || foreign.ACLErr != nil {
		t.Errorf("foreign bucket = %+v, want known not owned, existing and unread", foreign)
	}
	if own == nil || !own.Owned || own.Logging == nil {
		t.Errorf("own bucket = %+v", own)
	}
	calls := c.APICalls()
	// GetBucketLocation: the own bucket, and one probe of the unlisted one
	// (AccessDenied = another account's; NoSuchBucket = deleted).
	if calls["s3:GetBucketLocation"] != 2 {
		t.Errorf("s3:GetBucketLocation called %d times, want 2 (own bucket + one probe of the foreign one)", calls["s3:GetBucketLocation"])
	}
	for _, a := range []string{"s3:GetBucketLogging", "s3:GetBucketVersioning", "s3:GetBucketAcl",
		"s3:GetBucketPolicyStatus", "s3:GetBucketPublicAccessBlock", "s3:GetBucketOwnershipControls"} {
		if calls[a] != 1 {
			t.Errorf("%s called %d times, want 1 (own bucket only)", a, calls[a])
		}
	}
	for _, call := range settle(srv) {
		if strings.Contains(call.ErrorCode, "AccessDenied") && call.Action != "s3:GetBucketLocation" {
			t.Errorf("call %s answered %s", call.Action, call.ErrorCode)
		}
	}
}

func TestDeniedActionsAreRecordedPerFact(t *testing.T) {
	t.Parallel()
	srv, url := emulator(t, awsemu.Options{})
	smallAccount(t, url)
	srv.AddFault(awsemu.Fault{Action: "cloudtrail:GetTrailStatus", ErrorCode: "AccessDeniedException"})
	srv.AddFault(awsemu.Fault{Action: "s3:GetBucketAcl", ErrorCode: "AccessDenied"})
	srv.AddFault(awsemu.Fault{Action: "cloudtrail:LookupEvents", Region: "eu-west-1", ErrorCode: "AccessDeniedException"})
	srv.AddFault(awsemu.Fault{Action: "s3:GetBucketTagging", Resource: "main-trail-logs", ErrorCode: "AccessDenied"})
	c := collector(t, url, nil)

	acct, err := c.Snapshot(t.Context(), snapshot.NeedAll)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range acct.Trails {
		if tr.Status != nil || tr.StatusErr == nil || tr.StatusErr.Action != "cloudtrail:GetTrailStatus" ||
			tr.StatusErr.Class != snapshot.ClassAccessDenied || tr.StatusErr.Code != "AccessDeniedException" {
			t.Errorf("trail %s status = %+v, err %+v", tr.ARN, tr.Status, tr.StatusErr)
		}
		if tr.Selectors == nil {
			t.Errorf("trail %s: other facts must still be read", tr.ARN)
		}
	}
	b := acct.Buckets["main-trail-logs"]
	if b.ACL != nil || b.ACLErr == nil || b.ACLErr.Action != "s3:GetBucketAcl" || b.ACLErr.Class != snapshot.ClassAccessDenied || b.Policy == nil {
		t.Errorf("bucket acl = %+v err %+v", b.ACL, b.ACLErr)
	}
	// Denied tags are an error, never "no tags".
	if b.Tags != nil || b.TagsErr == nil || b.TagsErr.Action != "s3:GetBucketTagging" || b.TagsErr.Class != snapshot.ClassAccessDenied {
		t.Errorf("bucket tags = %#v err %+v, want nil and an AccessDenied s3:GetBucketTagging error", b.Tags, b.TagsErr)
	}
	if e := acct.ConfigChangeErrors["eu-west-1"]; e == nil || e.Action != "cloudtrail:LookupEvents" || e.Class != snapshot.ClassAccessDenied {
		t.Errorf("config change errors = %v", acct.ConfigChangeErrors)
	}
	if _, ok := acct.ConfigChangeErrors["us-east-1"]; ok || len(acct.ConfigChanges) == 0 {
		t.Errorf("us-east-1 changes must still be read: %v", acct.ConfigChangeErrors)
	}
	// A failed read is cached for the TTL like a successful one.
	before := c.APICalls()["cloudtrail:GetTrailStatus"]
	if _, err := c.Snapshot(t.Context(), snapshot.NeedTrailStatus); err != nil {
		t.Fatal(err)
	}
	if after := c.APICalls()["cloudtrail:GetTrailStatus"]; after != before {
		t.Errorf("denied GetTrailStatus re-read within the TTL (%d -> %d)", before, after)
	}
}

func TestOrganizationTrailOfAnotherAccount(t *testing.T) {
	t.Parallel()
	srv, url := emulator(t, awsemu.Options{})
	_, err := srv.AddOrganizationTrail(awsemu.OrganizationTrail{
		OwnerAccountID: "111122223333", MemberAccountIDs: []string{testAccount}, Name: "org",
		HomeRegion: "us-east-1", S3BucketName: "org-logs", IsMultiRegionTrail: true,
		IncludeGlobalServiceEvents: true, IsLogging: true, MemberCanReadStatus: false,
	})
	if err != nil {
		t.Fatal(err)
	}
	s3 := seeder{t, url}
	s3.must(srv.AddForeignBucket("org-logs", "111122223333", "us-east-1"))
	c := collector(t, url, nil)
	acct, err := c.Snapshot(t.Context(), snapshot.NeedTrailStatus|snapshot.NeedEventSelectors|snapshot.NeedBucketLogging)
	if err != nil {
		t.Fatal(err)
	}
	if len(acct.Trails) != 1 {
		t.Fatalf("trails = %d, want the organization trail", len(acct.Trails))
	}
	tr := acct.Trails[0]
	if !tr.IsOrganizationTrail || tr.OwnerAccountID != "111122223333" || tr.IsOwnedBy(testAccount) {
		t.Errorf("org trail = %+v", tr)
	}
	if tr.StatusErr == nil || tr.Status != nil {
		t.Fatalf("org trail status = %+v; want a read error", tr.Status)
	}
	switch tr.StatusErr.Class {
	case snapshot.ClassAccessDenied, snapshot.ClassNotFound, snapshot.ClassInvalid:
	default:
		t.Errorf("org trail status error class %s (%+v)", tr.StatusErr.Class, tr.StatusErr)
	}
	if b := acct.Buckets["org-logs"]; b == nil || b.Owned || !b.OwnedKnown {
		t.Errorf("org bucket = %+v, want another account's", b)
	}
}

func TestWrongCredentialsAreSetupErrors(t *testing.T) {
	t.Parallel()
	srv, url := emulator(t, awsemu.Options{})
	for name, tc := range map[string]struct {
		key, secret string
		want        []string
	}{
		"wrong secret": {awsemu.DefaultAccessKeyID, "wrong", []string{"SignatureDoesNotMatch", "secret"}},
		"unknown key":  {"AKIAUNKNOWN", "x", []string{"InvalidClientTokenId", "access key"}},
	} {
		t.Run(name, func(t *testing.T) {
			settle(srv)
			srv.ResetCalls()
			c := collector(t, url, func(cfg *Config) { cfg.AccessKey, cfg.SecretKey = tc.key, tc.secret })
			_, err := c.Snapshot(t.Context(), snapshot.NeedAll)
			wantSetupError(t, err, tc.want...)
			if got := c.APICalls(); len(got) != 1 {
				t.Errorf("calls after a credential failure = %v, want the identity call only", got)
			}
			// Setup errors are not cached: the next call tries again.
			_, _ = c.Snapshot(t.Context(), snapshot.NeedAll)
			if n := c.APICalls()["sts:GetCallerIdentity"]; n != 2 {
				t.Errorf("GetCallerIdentity calls = %d, want 2", n)
			}
		})
	}
}

func TestThrottlingAndServerErrorsAreRetried(t *testing.T) {
	t.Parallel()
	srv, url := emulator(t, awsemu.Options{})
	smallAccount(t, url)
	srv.AddFault(awsemu.Fault{Action: "cloudtrail:DescribeTrails", ErrorCode: "ThrottlingException", Remaining: 2})
	srv.AddFault(awsemu.Fault{Action: "s3:GetBucketLogging", ErrorCode: "InternalError", Remaining: 1})
	srv.AddFault(awsemu.Fault{Action: "cloudtrail:GetEventSelectors", ErrorCode: "AccessDeniedException", Remaining: 1})
	c := collector(t, url, nil)

	acct, err := c.Snapshot(t.Context(), snapshot.NeedAll)
	if err != nil {
		t.Fatal(err)
	}
	if len(acct.Trails) != 2 || len(acct.TrailListErrors) != 0 {
		t.Errorf("trails %d, errors %v; throttling must be retried away", len(acct.Trails), acct.TrailListErrors)
	}
	calls, attempts := c.APICalls(), c.APIAttempts()
	if calls["cloudtrail:DescribeTrails"] != 2 || attempts["cloudtrail:DescribeTrails"] != 4 {
		t.Errorf("DescribeTrails calls %d attempts %d, want 2 and 4", calls["cloudtrail:DescribeTrails"], attempts["cloudtrail:DescribeTrails"])
	}
	if attempts["s3:GetBucketLogging"] != 3 {
		t.Errorf("GetBucketLogging attempts %d, want 3 (one 5xx retried)", attempts["s3:GetBucketLogging"])
	}
	if attempts["cloudtrail:GetEventSelectors"] != 2 {
		t.Errorf("GetEventSelectors attempts %d, want 2 (AccessDenied is not retried)", attempts["cloudtrail:GetEventSelectors"])
	}
}

func TestRetriesAreBounded(t *testing.T) {
	t.Parallel()
	srv, url := emulator(t, awsemu.Options{})
	smallAccount(t, url)
	srv.AddFault(awsemu.Fault{Action: "cloudtrail:GetTrailStatus", ErrorCode: "ThrottlingException"})
	c := collector(t, url, func(cfg *Config) { cfg.MaxErrorRetryAttempts = 3 })
	acct, err := c.Snapshot(t.Context(), snapshot.NeedTrailStatus)
	if err != nil {
		t.Fatal(err)
	}
	if e := acct.Trails[0].StatusErr; e == nil || e.Class != snapshot.ClassThrottled {
		t.Errorf("status error = %+v, want throttled", e)
	}
	if n := c.APIAttempts()["cloudtrail:GetTrailStatus"]; n != 6 {
		t.Errorf("attempts = %d, want 3 per trail: max_error_retry_attempts counts the first", n)
	}
}

func TestLookupEventsPagesWithinRateLimit(t *testing.T) {
	t.Parallel()
	srv, url := emulator(t, awsemu.Options{})
	s := seeder{t, url}
	s.bucket("logs", "us-east-1")
	arn := s.trail("busy", "us-east-1", "logs", false, false, nil)
	for i := range 30 {
		tags := []ctypes.Tag{{Key: aws.String(fmt.Sprintf("k%d", i)), Value: aws.String("v")}}
		_, err := s.ct("us-east-1").AddTags(t.Context(), &cloudtrail.AddTagsInput{ResourceId: aws.String(arn), TagsList: tags})
		s.must(err)
		_, err = s.ct("us-east-1").RemoveTags(t.Context(), &cloudtrail.RemoveTagsInput{ResourceId: aws.String(arn), TagsList: tags})
		s.must(err)
	}
	settle(srv)
	srv.ResetCalls()
	c := collector(t, url, func(cfg *Config) { cfg.Regions = []string{"us-east-1"} })
	start := time.Now()
	acct, err := c.Snapshot(t.Context(), snapshot.NeedConfigChanges)
	if err != nil {
		t.Fatal(err)
	}
	if len(acct.ConfigChangeErrors) != 0 {
		t.Fatalf("config change errors: %v", acct.ConfigChangeErrors)
	}
	if n := len(acct.ConfigChanges); n != 61 {
		t.Errorf("config changes = %d, want 61 (CreateTrail, 30 AddTags, 30 RemoveTags over two pages)", n)
	}
	for i := 1; i < len(acct.ConfigChanges); i++ {
		if acct.ConfigChanges[i].EventTime.After(acct.ConfigChanges[i-1].EventTime) {
			t.Fatalf("changes not newest first at %d", i)
		}
	}
	if e := acct.ConfigChanges[0]; (e.EventName != "RemoveTags" && e.EventName != "AddTags") || e.Trail != arn {
		t.Errorf("newest change = %+v", e)
	}
	var times []time.Time
	for _, call := range settle(srv) {
		if call.Action == "cloudtrail:LookupEvents" {
			if call.ErrorCode != "" {
				t.Errorf("LookupEvents answered %s", call.ErrorCode)
			}
			times = append(times, call.Time)
		}
	}
	// Two pages; a retried attempt (a connection dropped mid-answer) may add one.
	if len(times) < 2 {
		t.Fatalf("LookupEvents calls = %d, want 2 pages", len(times))
	}
	// The limiter is a token bucket of burst 1 taken by every attempt: the
	// k-th request goes no earlier than k intervals after the first, which
	// went after start. Delays on a busy machine only make requests later,
	// so unlike the gap between two requests this bound cannot flake.
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	for k, at := range times {
		if earliest := start.Add(time.Duration(k) * lookupEventsInterval); at.Before(earliest) {
			t.Errorf("LookupEvents request %d arrived %s after the start, before the %s that 2 requests/second allow",
				k+1, at.Sub(start), earliest.Sub(start))
		}
	}
}

func TestAccountPublicAccessBlockIsReadThroughPinnedEndpoint(t *testing.T) {
	t.Parallel()
	_, url := emulator(t, awsemu.Options{})
	smallAccount(t, url)
	s := seeder{t, url}
	ctl := s3control.NewFromConfig(s.cfg("us-east-1"), awsendpoint.PinS3Control)
	_, err := ctl.PutPublicAccessBlock(t.Context(), &s3control.PutPublicAccessBlockInput{AccountId: aws.String(testAccount),
		PublicAccessBlockConfiguration: &s3ctypes.PublicAccessBlockConfiguration{IgnorePublicAcls: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)}})
	s.must(err)
	c := collector(t, url, nil)
	acct, err := c.Snapshot(t.Context(), snapshot.NeedBucketPublic)
	if err != nil {
		t.Fatal(err)
	}
	want := &snapshot.PublicAccessBlock{IgnorePublicAcls: true, RestrictPublicBuckets: true}
	if acct.AccountPublicAccessBlockErr != nil || acct.AccountPublicAccessBlock == nil || *acct.AccountPublicAccessBlock != *want {
		t.Errorf("account PAB = %+v, %v; want %+v", acct.AccountPublicAccessBlock, acct.AccountPublicAccessBlockErr, want)
	}
}

func TestTopicsAndKeysAreReadInTheirRegion(t *testing.T) {
	t.Parallel()
	srv, url := emulator(t, awsemu.Options{})
	s := seeder{t, url}
	s.bucket("logs", "us-east-1")
	topic, err := sns.NewFromConfig(s.cfg("eu-west-1")).CreateTopic(t.Context(), &sns.CreateTopicInput{Name: aws.String("ct")})
	s.must(err)
	key, err := kms.NewFromConfig(s.cfg("us-east-1")).CreateKey(t.Context(), &kms.CreateKeyInput{})
	s.must(err)
	keyARN := aws.ToString(key.KeyMetadata.Arn)
	s.trail("topic-trail", "us-east-1", "logs", true, true, func(in *cloudtrail.CreateTrailInput) {
		in.SnsTopicName = topic.TopicArn
		in.KmsKeyId = key.KeyMetadata.KeyId
	})
	_, err = kms.NewFromConfig(s.cfg("us-east-1")).DisableKey(t.Context(), &kms.DisableKeyInput{KeyId: key.KeyMetadata.KeyId})
	s.must(err)
	_, err = sns.NewFromConfig(s.cfg("eu-west-1")).DeleteTopic(t.Context(), &sns.DeleteTopicInput{TopicArn: topic.TopicArn})
	s.must(err)
	settle(srv)
	srv.ResetCalls()
	c := collector(t, url, nil)
	acct, err := c.Snapshot(t.Context(), snapshot.NeedTopics|snapshot.NeedKeys)
	if err != nil {
		t.Fatal(err)
	}
	tp := acct.Topics[aws.ToString(topic.TopicArn)]
	if tp == nil || tp.Exists || tp.Err == nil || tp.Err.Class != snapshot.ClassNotFound || tp.Region != "eu-west-1" {
		t.Errorf("deleted topic = %+v (%+v)", tp, tp.Err)
	}
	k := acct.Keys[keyARN]
	if k == nil || k.Err != nil || k.State != "Disabled" || k.Enabled || k.Region != "us-east-1" || k.AccountID != testAccount {
		t.Errorf("disabled key = %+v; keys %v", k, slices.Collect(maps.Keys(acct.Keys)))
	}
	for _, call := range settle(srv) {
		if call.Action == "sns:GetTopicAttributes" && call.Region != "eu-west-1" {
			t.Errorf("topic read in %s, want the topic's region", call.Region)
		}
	}
}

func TestSetupErrorOnExpiredCredentialsLater(t *testing.T) {
	t.Parallel()
	srv, url := emulator(t, awsemu.Options{})
	smallAccount(t, url)
	c := collector(t, url, nil)
	if _, err := c.Snapshot(t.Context(), snapshot.NeedRegions); err != nil {
		t.Fatal(err)
	}
	srv.AddFault(awsemu.Fault{Action: "*", ErrorCode: "ExpiredTokenException", HTTPStatus: 400})
	_, err := c.Snapshot(context.WithoutCancel(t.Context()), snapshot.NeedTrails)
	wantSetupError(t, err, "expired")
	if !strings.Contains(err.Error(), "ExpiredToken") {
		t.Errorf("error %q does not name the code", err)
	}
}

func TestRegionsAreEnabledOnesNarrowedByPatterns(t *testing.T) {
	t.Parallel()
	_, url := emulator(t, awsemu.Options{})
	c := collector(t, url, func(cfg *Config) { cfg.Regions = []string{"eu-*", "af-south-1", "sa-east-1"} })
	acct, err := c.Snapshot(t.Context(), snapshot.NeedRegions)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3", "sa-east-1"}
	if !slices.Equal(acct.Regions, want) {
		t.Errorf("regions = %v, want %v (af-south-1 is not opted in)", acct.Regions, want)
	}
	all := collector(t, url, func(cfg *Config) { cfg.Regions = nil })
	acct, err = all.Snapshot(t.Context(), snapshot.NeedRegions)
	if err != nil {
		t.Fatal(err)
	}
	if len(acct.Regions) != len(awsemu.DefaultRegions) || slices.Contains(acct.Regions, "me-south-1") {
		t.Errorf("all regions = %v, want the %d enabled ones", acct.Regions, len(awsemu.DefaultRegions))
	}
}

func TestShadowOfTrailHomedOutsideEvaluatedRegions(t *testing.T) {
	t.Parallel()
	srv, url := emulator(t, awsemu.Options{})
	s := seeder{t, url}
	s.bucket("west-logs", "us-west-2")
	arn := s.trail("west-multi", "us-west-2", "west-logs", true, true, nil)
	settle(srv)
	srv.ResetCalls()
	c := collector(t, url, func(cfg *Config) { cfg.Regions = []string{"eu-west-1"} })
	acct, err := c.Snapshot(t.Context(), snapshot.NeedTrailStatus|snapshot.NeedEventSelectors|snapshot.NeedBucketLogging)
	if err != nil {
		t.Fatal(err)
	}
	if len(acct.Trails) != 1 || acct.Trails[0].ARN != arn || acct.Trails[0].HomeRegion != "us-west-2" {
		t.Fatalf("trails = %+v, want the us-west-2 multi-region trail seen from eu-west-1", acct.Trails)
	}
	if acct.Trails[0].Status == nil || !acct.Trails[0].Status.IsLogging {
		t.Errorf("status = %+v, %v", acct.Trails[0].Status, acct.Trails[0].StatusErr)
	}
	for _, call := range settle(srv) {
		switch call.Action {
		case "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors":
			if call.Region != "us-west-2" {
				t.Errorf("%s sent to %s, want the home region us-west-2", call.Action, call.Region)
			}
		case "s3:GetBucketLogging":
			if call.Region != "us-west-2" {
				t.Errorf("%s sent to %s, want the bucket's region us-west-2", call.Action, call.Region)
			}
		}
	}
	if b := acct.Buckets["west-logs"]; b == nil || b.Region != "us-west-2" || b.Logging == nil {
		t.Errorf("bucket = %+v", b)
	}
}

func TestBucketsAreReadWhenOwnershipIsUnknown(t *testing.T) {
	t.Parallel()
	srv, url := emulator(t, awsemu.Options{})
	smallAccount(t, url)
	_, err := srv.AddOrganizationTrail(awsemu.OrganizationTrail{OwnerAccountID: "111122223333",
		MemberAccountIDs: []string{testAccount}, Name: "org", HomeRegion: "us-east-1", S3BucketName: "gone-logs",
		IsMultiRegionTrail: true, IsLogging: true, MemberCanReadStatus: true})
	if err != nil {
		t.Fatal(err)
	}
	srv.AddFault(awsemu.Fault{Action: "s3:ListAllMyBuckets", ErrorCode: "AccessDenied"})
	c := collector(t, url, nil)
	acct, err := c.Snapshot(t.Context(), snapshot.NeedBucketLogging)
	if err != nil {
		t.Fatal(err)
	}
	if e := acct.OwnBucketsErr; e == nil || e.Action != "s3:ListAllMyBuckets" || e.Class != snapshot.ClassAccessDenied {
		t.Errorf("OwnBucketsErr = %+v", e)
	}
	own, gone := acct.Buckets["main-trail-logs"], acct.Buckets["gone-logs"]
	if own == nil || own.OwnedKnown || own.Logging == nil {
		t.Errorf("own bucket with unknown ownership = %+v, want read anyway", own)
	}
	if gone == nil || !gone.NotFound || gone.RegionErr == nil || gone.RegionErr.Code != "NoSuchBucket" ||
		gone.LoggingErr == nil || gone.LoggingErr.Class != snapshot.ClassNotFound {
		t.Errorf("missing bucket = %+v", gone)
	}
}

func TestConfigChangesKeepWindowAndConfiguredNames(t *testing.T) {
	t.Parallel()
	srv, url := emulator(t, awsemu.Options{})
	now := time.Now().UTC()
	for _, e := range []awsemu.EventInput{
		{EventName: "StopLogging", EventTime: now.Add(-time.Hour), ErrorCode: "AccessDenied", ResourceName: "main",
			Request: map[string]string{"name": "main"}, SourceIP: "203.0.113.9", UserName: "mallory"},
		{EventName: "DeleteTrail", EventTime: now.Add(-48 * time.Hour), Request: map[string]string{"name": "old"}},
		{EventName: "DescribeTrails", EventTime: now.Add(-time.Minute), ReadOnly: true},
		{EventName: "UpdateTrail", EventTime: now.Add(-2 * time.Hour), Request: map[string]string{"name": "main"}},
	} {
		e.AccountID, e.Region = testAccount, "us-east-1"
		srv.AddEvent(e)
	}
	c := collector(t, url, func(cfg *Config) {
		cfg.Regions = []string{"us-east-1"}
		cfg.ConfigChangeEvents = []string{"StopLogging", "DeleteTrail", "DescribeTrails"}
	})
	acct, err := c.Snapshot(t.Context(), snapshot.NeedConfigChanges)
	if err != nil {
		t.Fatal(err)
	}
	if len(acct.ConfigChanges) != 1 {
		t.Fatalf("changes = %d, want only the StopLogging within 24h (UpdateTrail not configured, DescribeTrails read-only)", len(acct.ConfigChanges))
	}
	e := acct.ConfigChanges[0]
	if e.EventName != "StopLogging" || e.ErrorCode != "AccessDenied" || e.SourceIPAddress != "203.0.113.9" ||
		e.Trail != "main" || e.UserName != "mallory" || e.Region != "us-east-1" {
		t.Errorf("change = %+v", e)
	}
	if got := acct.ConfigChangeWindowEnd.Sub(acct.ConfigChangeWindowStart); got != 24*time.Hour {
		t.Errorf("window = %s, want 24h", got)
	}
	if !slices.Equal(acct.ConfigChangeEventNames, []string{"StopLogging", "DeleteTrail"}) {
		t.Errorf("event names = %v", acct.ConfigChangeEventNames)
	}
}

func TestInsightSelectorsOnlyForTrailsThatHaveThem(t *testing.T) {
	t.Parallel()
	_, url := emulator(t, awsemu.Options{})
	mainARN, _ := smallAccount(t, url)
	s := seeder{t, url}
	_, err := s.ct("us-east-1").PutInsightSelectors(t.Context(), &cloudtrail.PutInsightSelectorsInput{TrailName: aws.String(mainARN),
		InsightSelectors: []ctypes.InsightSelector{{InsightType: ctypes.InsightTypeApiCallRateInsight}}})
	s.must(err)
	c := collector(t, url, nil)
	acct, err := c.Snapshot(t.Context(), snapshot.NeedInsightSelectors)
	if err != nil {
		t.Fatal(err)
	}
	if n := c.APICalls()["cloudtrail:GetInsightSelectors"]; n != 1 {
		t.Errorf("GetInsightSelectors calls = %d, want 1 (only the trail with HasInsightSelectors)", n)
	}
	for _, tr := range acct.Trails {
		if tr.ARN == mainARN && !slices.Equal(tr.InsightTypes, []string{"ApiCallRateInsight"}) {
			t.Errorf("insight types = %v (%v)", tr.InsightTypes, tr.InsightErr)
		}
	}
}

func TestProgressReportsEveryPhaseToCompletion(t *testing.T) {
	t.Parallel()
	_, url := emulator(t, awsemu.Options{})
	smallAccount(t, url)
	c := collector(t, url, nil)
	var mu sync.Mutex
	last := map[string]Progress{}
	c.SetProgress(func(p Progress) {
		mu.Lock()
		defer mu.Unlock()
		if p.Done > p.Total {
			t.Errorf("progress %+v beyond total", p)
		}
		last[p.Phase] = p
	})
	if _, err := c.Snapshot(t.Context(), snapshot.NeedAll); err != nil {
		t.Fatal(err)
	}
	for _, phase := range []string{"identity", "regions", "trails", "trail details", "buckets", "config changes"} {
		if p, ok := last[phase]; !ok || p.Done != p.Total || p.Total == 0 {
			t.Errorf("phase %s ended at %+v", phase, p)
		}
	}
}

func TestConcurrencyIsBoundedPerServiceAndRegion(t *testing.T) {
	t.Parallel()
	const latency = 20 * time.Millisecond
	srv, url := emulator(t, awsemu.Options{})
	smallAccount(t, url)
	settle(srv)
	srv.ResetCalls()
	srv.SetLatency(latency)
	c := collector(t, url, func(cfg *Config) { cfg.MaxConcurrency, cfg.MaxS3Concurrency = 1, 1 })
	if _, err := c.Snapshot(t.Context(), snapshot.NeedAll); err != nil {
		t.Fatal(err)
	}
	starts := map[string][]time.Time{}
	for _, call := range settle(srv) {
		client := strings.SplitN(call.Action, ":", 2)[0]
		if call.Action == "s3:GetAccountPublicAccessBlock" {
			client = "s3control"
		}
		starts[client+"/"+call.Region] = append(starts[client+"/"+call.Region], call.Time)
	}
	overlapped := false
	for key, ts := range starts {
		slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
		for i := 1; i < len(ts); i++ {
			if gap := ts[i].Sub(ts[i-1]); gap < latency-2*time.Millisecond {
				t.Errorf("%s: two calls started %s apart with MaxConcurrency and MaxS3Concurrency 1 and %s latency", key, gap, latency)
			}
		}
		overlapped = overlapped || len(ts) > 1
	}
	if !overlapped {
		t.Fatal("no service and region had two calls; the test proves nothing")
	}
}

func TestEndpointAndCredentialsFromTheEnvironment(t *testing.T) {
	_, url := emulator(t, awsemu.Options{})
	smallAccount(t, url)
	t.Setenv("AWS_ENDPOINT_URL", url)
	t.Setenv("AWS_ACCESS_KEY_ID", awsemu.DefaultAccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", awsemu.DefaultSecretAccessKey)
	t.Setenv("AWS_REGION", "eu-west-1")
	c, err := New(Config{Regions: []string{"us-east-1", "eu-west-1"}})
	if err != nil {
		t.Fatal(err)
	}
	acct, err := c.Snapshot(t.Context(), snapshot.NeedBucketPublic)
	if err != nil {
		t.Fatal(err)
	}
	if acct.AccountID != testAccount || len(acct.Trails) != 2 || acct.AccountPublicAccessBlockErr != nil {
		t.Errorf("snapshot through AWS_ENDPOINT_URL: account %q, %d trails, account PAB error %v",
			acct.AccountID, len(acct.Trails), acct.AccountPublicAccessBlockErr)
	}
	for name, b := range acct.Buckets {
		if b.ACL == nil || b.ACLErr != nil {
			t.Errorf("bucket %s not read path-style: %v", name, b.ACLErr)
		}
	}
}

// TestUnreadableRegionsWithWildcardsAreRecorded: when DescribeRegions is
// denied, a wildcard in the configured regions cannot be expanded, so the
// snapshot searches the named regions only and records the error (the
// regional trail in eu-west-1 is not listed); with every region named, they
// are searched as configured and nothing is missing.
func TestUnreadableRegionsWithWildcardsAreRecorded(t *testing.T) {
	t.Parallel()
	srv, url := emulator(t, awsemu.Options{})
	mainARN, euARN := smallAccount(t, url)
	srv.AddFault(awsemu.Fault{Action: "ec2:DescribeRegions", ErrorCode: "UnauthorizedOperation"})
	arns := func(a *snapshot.Account) []string {
		var out []string
		for _, tr := range a.Trails {
			out = append(out, tr.ARN)
		}
		slices.Sort(out)
		return out
	}
	wild := collector(t, url, func(cfg *Config) { cfg.Regions = []string{"us-east-1", "eu-*"} })
	acct, err := wild.Snapshot(t.Context(), snapshot.NeedTrails)
	if err != nil {
		t.Fatal(err)
	}
	if acct.RegionsErr == nil || acct.RegionsErr.Code != "UnauthorizedOperation" || !slices.Equal(acct.Regions, []string{"us-east-1"}) {
		t.Errorf("wildcards: regions %v, error %+v; want [us-east-1] and the UnauthorizedOperation", acct.Regions, acct.RegionsErr)
	}
	if got := arns(acct); !slices.Equal(got, []string{mainARN}) {
		t.Errorf("wildcards: trails %v, want only the multi-region one seen from us-east-1", got)
	}
	named := collector(t, url, func(cfg *Config) { cfg.Regions = []string{"eu-west-1", "us-east-1"} })
	acct, err = named.Snapshot(t.Context(), snapshot.NeedTrails)
	if err != nil {
		t.Fatal(err)
	}
	if acct.RegionsErr != nil || !slices.Equal(acct.Regions, []string{"eu-west-1", "us-east-1"}) {
		t.Errorf("named regions: regions %v, error %+v; want both as named and no error", acct.Regions, acct.RegionsErr)
	}
	if got, want := arns(acct), []string{euARN, mainARN}; !slices.Equal(got, want) {
		t.Errorf("named regions: trails %v, want %v", got, want)
	}
}

// TestCallTimeout: a call with no answer within CallTimeout is given up
// after one attempt; without the caller identity nothing can be read, so it
// is a setup error naming the call and the setting, and it is not cached.
func TestCallTimeout(t *testing.T) {
	t.Parallel()
	srv, url := emulator(t, awsemu.Options{})
	srv.AddFault(awsemu.Fault{Action: "sts:GetCallerIdentity", Latency: time.Minute})
	c := collector(t, url, func(cfg *Config) { cfg.CallTimeout = 200 * time.Millisecond })
	start := time.Now()
	_, err := c.Snapshot(t.Context(), snapshot.NeedTrails)
	wantSetupError(t, err, "sts:GetCallerIdentity", "no answer within 200ms (call_timeout)")
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("gave up after %s", d)
	}
	if got := c.APIAttempts()["sts:GetCallerIdentity"]; got != 1 {
		t.Errorf("GetCallerIdentity attempted %d times; a timed-out attempt is not retried", got)
	}
	srv.ClearFaults()
	if _, err := c.Snapshot(t.Context(), snapshot.NeedTrails); err != nil {
		t.Errorf("once the endpoint answers, the next snapshot still fails: %v", err)
	}
}

// TestExtendReadsOnlyTheMissingTrailDetails: a snapshot collected by one
// collector (another process, through a disk cache) is extended by a fresh
// one: trail tags cost only ListTags calls, bucket tags only
// GetBucketTagging calls once the buckets were read, and the copy keeps the
// other facts and ReadAt; any other missing fact collects again.
func TestExtendReadsOnlyTheMissingTrailDetails(t *testing.T) {
	t.Parallel()
	srv, url := emulator(t, awsemu.Options{})
	mainARN, _ := smallAccount(t, url)
	first, err := collector(t, url, nil).Snapshot(t.Context(), snapshot.NeedTrailStatus)
	if err != nil {
		t.Fatal(err)
	}
	settle(srv)
	srv.ResetCalls()
	later := collector(t, url, nil)
	got, err := later.Extend(t.Context(), first, snapshot.NeedTrailTags)
	if err != nil {
		t.Fatal(err)
	}
	if calls := emulatorCounts(srv); !maps.Equal(calls, map[string]int{"cloudtrail:ListTags": 2}) {
		t.Errorf("extending with tags called %v; want ListTags once per home region (2)", calls)
	}
	if !got.ReadAt.Equal(first.ReadAt) || !got.Loaded.Has(snapshot.NeedTrailStatus|snapshot.NeedTrailTags) {
		t.Errorf("extended snapshot read at %s holding %b; want %s and status plus tags", got.ReadAt, got.Loaded, first.ReadAt)
	}
	for _, tr := range got.Trails {
		if tr.Status == nil || tr.Tags == nil {
			t.Errorf("trail %s: status %v, tags %v; want both", tr.ARN, tr.Status, tr.Tags)
		}
		if tr.ARN == mainARN && tr.Tags["team"] != "security" {
			t.Errorf("main trail tags = %v", tr.Tags)
		}
	}
	for _, tr := range first.Trails {
		if tr.Tags != nil {
			t.Error("Extend changed the snapshot it was given")
		}
	}
	// The buckets' tags are added to a snapshot that read its buckets.
	withBuckets, err := collector(t, url, nil).Snapshot(t.Context(), snapshot.NeedBucketLogging)
	if err != nil {
		t.Fatal(err)
	}
	settle(srv)
	srv.ResetCalls()
	tagged, err := collector(t, url, nil).Extend(t.Context(), withBuckets, snapshot.NeedBucketTags)
	if err != nil {
		t.Fatal(err)
	}
	if calls := emulatorCounts(srv); !maps.Equal(calls, map[string]int{"s3:GetBucketTagging": 2}) {
		t.Errorf("extending with bucket tags called %v; want GetBucketTagging once per bucket (2)", calls)
	}
	if b := tagged.Buckets["main-trail-logs"]; b.Tags["cost-center"] != "audit" || b.Logging == nil || !tagged.ReadAt.Equal(withBuckets.ReadAt) {
		t.Errorf("extended bucket: tags %v, logging %v, read at %s; want the tags beside the facts read before", b.Tags, b.Logging, tagged.ReadAt)
	}
	if eu := tagged.Buckets["eu-trail-logs"]; eu.Tags == nil || len(eu.Tags) != 0 {
		t.Errorf("extended untagged bucket: tags %#v, want {}", eu.Tags)
	}
	settle(srv)
	srv.ResetCalls()
	// Without its buckets, a snapshot is collected again for their tags.
	if _, err := collector(t, url, nil).Extend(t.Context(), first, snapshot.NeedBucketTags); err != nil {
		t.Fatal(err)
	}
	if calls := emulatorCounts(srv); calls["s3:ListAllMyBuckets"] != 1 || calls["s3:GetBucketTagging"] != 2 || calls["cloudtrail:DescribeTrails"] == 0 {
		t.Errorf("extending a snapshot without buckets with their tags called %v; want a new collection", calls)
	}
	settle(srv)
	srv.ResetCalls()
	again, err := collector(t, url, nil).Extend(t.Context(), first, snapshot.NeedConfigChanges)
	if err != nil {
		t.Fatal(err)
	}
	if calls := emulatorCounts(srv); calls["sts:GetCallerIdentity"] != 1 || calls["cloudtrail:GetTrailStatus"] != 2 || calls["cloudtrail:LookupEvents"] == 0 {
		t.Errorf("extending with config changes called %v; want a whole new collection", calls)
	}
	if !again.Loaded.Has(snapshot.NeedTrailStatus|snapshot.NeedConfigChanges) || !again.ReadAt.After(first.ReadAt) {
		t.Errorf("re-collected snapshot holds %b read at %s", again.Loaded, again.ReadAt)
	}
}
