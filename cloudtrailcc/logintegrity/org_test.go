package logintegrity_test

import (
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/logintegrity"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
)

func TestOrganizationTrailIsVerifiedPerMemberAccountAndRegion(t *testing.T) {
	srv := awsemu.New(awsemu.Options{Regions: []string{"us-east-1", "eu-west-1"}})
	u, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	s := &scenario{t: t, srv: srv, url: u}
	members := []string{"111111111111", "222222222222"}
	if err := srv.SetOrganization(awsemu.Organization{ManagementAccountID: account, Accounts: []awsemu.OrgAccount{
		{AccountID: account}, {AccountID: members[0]}, {AccountID: members[1]}}}); err != nil {
		t.Fatal(err)
	}
	if err := srv.SetClock(t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.s3().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	arn, err := srv.AddOrganizationTrail(awsemu.OrganizationTrail{OwnerAccountID: account, MemberAccountIDs: members, Name: "org",
		HomeRegion: home, S3BucketName: bucket, S3KeyPrefix: "org-logs", IsMultiRegionTrail: true, IncludeGlobalServiceEvents: true,
		IsLogging: true, LogFileValidationEnabled: true, MemberCanReadStatus: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, acct := range append([]string{account}, members...) {
		for _, region := range []string{"us-east-1", "eu-west-1"} {
			for m := 7; m < 180; m += 20 {
				srv.AddEvent(awsemu.EventInput{AccountID: acct, Region: region, EventName: "CreateUser", EventSource: "iam.amazonaws.com", EventTime: t0.Add(time.Duration(m) * time.Minute)})
			}
		}
	}
	if err := srv.AdvanceClock(3 * time.Hour); err != nil {
		t.Fatal(err)
	}
	a := logintegrity.NewAWS(s.cfg("test", "test", home), home)
	tr, err := a.DescribeTrail(ctx, arn)
	if err != nil {
		t.Fatal(err)
	}
	target, err := a.TargetOf(ctx, tr, nil, t0, t0.Add(3*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(target.Accounts, []string{members[0], account, members[1]}) && !slices.Equal(target.Accounts, []string{account, members[0], members[1]}) {
		t.Fatalf("accounts %v", target.Accounts)
	}
	slices.Sort(target.Accounts)
	if !slices.Equal(target.Regions, []string{"eu-west-1", "us-east-1"}) || target.OrganizationID == "" {
		t.Fatalf("target %+v", target)
	}
	s.target, s.trail = target, arn
	logPrefix := "org-logs/AWSLogs/" + target.OrganizationID + "/" + members[1] + "/CloudTrail/eu-west-1/"
	logs := s.keys(logPrefix)
	if len(logs) == 0 {
		t.Fatalf("no logs under %s", logPrefix)
	}
	s.overwriteLog(logs[0])
	got, sum := s.verify(nil)
	if sum.Digests[logintegrity.Valid] != 3*3*2 {
		t.Fatalf("valid digests = %d, want 3 hours x 3 accounts x 2 regions; %s", sum.Digests[logintegrity.Valid], statuses(got))
	}
	bad := got[logs[0]]
	if bad.Status != logintegrity.Modified || bad.Account != members[1] || bad.Region != "eu-west-1" {
		t.Fatalf("tampered member log = %+v", bad)
	}
	// aws-cli validates one member account and region per run: it must
	// agree with every verdict of that account and region.
	cli, code, _ := awsCLIVerdicts(t, s, "eu-west-1", members[1])
	if code != 1 || cli["s3://"+bucket+"/"+logs[0]] != "INVALID: hash value doesn't match" {
		t.Fatalf("aws-cli on the tampered member: exit %d, %q", code, cli["s3://"+bucket+"/"+logs[0]])
	}
	n := 0
	for key, r := range got {
		if r.Account != members[1] || r.Region != "eu-west-1" || r.Kind == logintegrity.KindGap {
			continue
		}
		n++
		if v, ok := cli["s3://"+bucket+"/"+key]; !ok || !sameVerdict(v, r.Status) {
			t.Errorf("%s: aws-cli %q, cloudtrailcc %s", key, v, r.Status)
		}
	}
	if n != len(cli) {
		t.Errorf("cloudtrailcc judged %d files of the member's region, aws-cli %d", n, len(cli))
	}
	if sum.Logs[logintegrity.Modified] != 1 || sum.Logs[logintegrity.Valid] != len(s.keys("org-logs/AWSLogs/"+target.OrganizationID+"/"))-18-1 {
		t.Fatalf("log results %v", sum.Logs)
	}
}
