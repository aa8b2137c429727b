package faulttest

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"golang.org/x/sync/errgroup"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/testkit/tamper"
)

// integritySetup is an emulator holding three hours of a trail's log
// files and digests, one log file overwritten, the window verified and
// the connection's settings beyond its endpoint and keys.
type integritySetup struct {
	srv        *awsemu.Server
	url        string
	start, end time.Time
	extra      string
}

// The accounts of the organization setup: the log-archive member owns the
// organization trail's bucket.
const (
	matrixArchive = "222222222222"
	matrixMember  = "333333333333"
)

// startIntegrity seeds a logging trail with log file validation in one
// region, four hours of events delivered, overwrites one log file (with an
// ordinary PutObject) and deletes the two newest digests: the truth holds
// valid digests and log files, one modified log file and the hours after
// the newest surviving digest as deleted (GetTrailStatus says CloudTrail
// delivered digests after it).
func startIntegrity(t *testing.T) integritySetup {
	t.Helper()
	s, s3c, ct := newIntegrityEmulator(t)
	const bucket = "matrix-integrity"
	if _, err := s3c.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ct.CreateTrail(t.Context(), &cloudtrail.CreateTrailInput{Name: aws.String("main"), S3BucketName: aws.String(bucket), EnableLogFileValidation: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ct.StartLogging(t.Context(), &cloudtrail.StartLoggingInput{Name: aws.String("main")}); err != nil {
		t.Fatal(err)
	}
	s.end = s.start.Add(4 * time.Hour)
	s.deliver(t, awsemu.DefaultAccountID)
	s.overwriteLog(t, s3c, bucket, "AWSLogs/"+awsemu.DefaultAccountID+"/CloudTrail/")
	list, err := s3c.ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("AWSLogs/" + awsemu.DefaultAccountID + "/CloudTrail-Digest/")})
	if err != nil || len(list.Contents) != 4 {
		t.Fatalf("delivered digests: %v %v", list, err)
	}
	for _, o := range list.Contents[2:] {
		if _, err := s3c.DeleteObject(t.Context(), &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: o.Key}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// startOrganizationIntegrity seeds an organization of three accounts whose
// organization trail (of the management account) delivers to a bucket of
// the log-archive member, and verifies it through an organization
// connection: the bucket is read with the archive's audit role.
func startOrganizationIntegrity(t *testing.T) integritySetup {
	t.Helper()
	s, _, _ := newIntegrityEmulator(t)
	mgmt := awsemu.DefaultAccountID
	const bucket = "matrix-org-archive"
	for _, err := range []error{
		s.srv.SetOrganization(awsemu.Organization{ManagementAccountID: mgmt, Accounts: []awsemu.OrgAccount{{AccountID: mgmt}, {AccountID: matrixArchive}, {AccountID: matrixMember}}}),
		s.srv.AddRole(awsemu.Role{AccountID: matrixArchive, RoleName: "MatrixAudit", TrustedAccountIDs: []string{mgmt}}),
		s.srv.AddRole(awsemu.Role{AccountID: matrixMember, RoleName: "MatrixAudit", TrustedAccountIDs: []string{mgmt}}),
		s.srv.AddForeignBucket(bucket, matrixArchive, "us-east-1"),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.srv.AddOrganizationTrail(awsemu.OrganizationTrail{OwnerAccountID: mgmt, MemberAccountIDs: []string{matrixArchive, matrixMember}, Name: "org",
		HomeRegion: "us-east-1", S3BucketName: bucket, IsLogging: true, LogFileValidationEnabled: true, MemberCanReadStatus: true}); err != nil {
		t.Fatal(err)
	}
	s.deliver(t, mgmt, matrixArchive, matrixMember)
	s.srv.AddAccount("MATRIXARCHIVE", "matrix-archive", matrixArchive)
	archive := s3.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(s.url),
		Credentials: credentials.NewStaticCredentialsProvider("MATRIXARCHIVE", "matrix-archive", "")}, func(o *s3.Options) { o.UsePathStyle = true })
	s.overwriteLog(t, archive, bucket, "AWSLogs/")
	s.extra = "organization_role_name = \"MatrixAudit\"\n"
	return s
}

// newIntegrityEmulator starts an emulator of one region at the setup's
// clock, with clients of its default account.
func newIntegrityEmulator(t *testing.T) (integritySetup, *s3.Client, *cloudtrail.Client) {
	t.Helper()
	srv := awsemu.New(awsemu.Options{Regions: []string{"us-east-1"}})
	u, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	t0 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	if err := srv.SetClock(t0); err != nil {
		t.Fatal(err)
	}
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(u), Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
	return integritySetup{srv: srv, url: u, start: t0, end: t0.Add(3 * time.Hour)},
		s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }), cloudtrail.NewFromConfig(cfg)
}

// deliver records events of accounts over the window and lets the trails
// deliver them.
func (s integritySetup) deliver(t *testing.T, accounts ...string) {
	t.Helper()
	for _, acct := range accounts {
		for m := 7; m < int(s.end.Sub(s.start).Minutes()); m += 40 {
			s.srv.AddEvent(awsemu.EventInput{AccountID: acct, Region: "us-east-1", EventName: "RunInstances", EventSource: "ec2.amazonaws.com", EventTime: s.start.Add(time.Duration(m) * time.Minute)})
		}
	}
	if err := s.srv.AdvanceClock(s.end.Sub(s.start)); err != nil {
		t.Fatal(err)
	}
}

// overwriteLog replaces the second log file under prefix with one event
// changed, as an ordinary PutObject would.
func (s integritySetup) overwriteLog(t *testing.T, s3c *s3.Client, bucket, prefix string) {
	t.Helper()
	ctx := t.Context()
	list, err := s3c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	var logs []string
	for _, o := range list.Contents {
		if k := aws.ToString(o.Key); strings.Contains(k, "/CloudTrail/") {
			logs = append(logs, k)
		}
	}
	if err != nil || len(logs) < 3 {
		t.Fatalf("delivered logs: %v %v", logs, err)
	}
	key := logs[1]
	if err := tamper.OverwriteLog(ctx, s3c, bucket, key, "RunInstances", "StopInstances"); err != nil {
		t.Fatal(err)
	}
}

// connection is the setup's connection named name through url (a proxy in
// front of the emulator).
func (s integritySetup) connection(name, url string) inproc.Connection {
	// Every enabled region: DescribeRegions' answer then matters.
	return inproc.Connection{Name: name, Config: fmt.Sprintf("endpoint_url = %q\naccess_key = \"test\"\nsecret_key = \"test\"\nregions = [\"*\"]\n%s%s", url, connConfig, s.extra)}
}

// verdict is one row of cloudtrailcc_log_integrity.
type verdict struct {
	Kind, Status, Account, Region, Key, Detail string
	// Digest is, for a log file, the digest that lists it.
	Digest     string
	Start, End time.Time
}

func verdictOf(r inproc.Row) verdict {
	str := func(k string) string { s, _ := r[k].(string); return s }
	tm := func(k string) time.Time { t, _ := r[k].(time.Time); return t }
	return verdict{Kind: str("kind"), Status: str("status"), Account: str("account_id"), Region: str("region"),
		Key: str("object_key"), Detail: str("detail"), Digest: str("digest_key"), Start: tm("period_start"), End: tm("period_end")}
}

// place is what a verdict is about: the file, or the span of a gap.
func (v verdict) place() string {
	if v.Key != "" {
		return v.Kind + "|" + v.Key
	}
	return v.Kind + "|" + v.Account + "|" + v.Region + "|" + v.Start.Format(time.RFC3339) + "|" + v.End.Format(time.RFC3339)
}

// covers reports whether v, an error row, stands for w: the same file,
// the digest that lists w (it could not be read, so neither could its
// list of log files), or a span of w's account and region (or of every
// account or region) that meets w's period.
func (v verdict) covers(w verdict) bool {
	if v.Status != "error" {
		return false
	}
	if v.Key != "" {
		return v.Key == w.Key || (w.Digest != "" && v.Key == w.Digest)
	}
	return (v.Account == "" || v.Account == w.Account) && (v.Region == "" || v.Region == w.Region) &&
		!v.Start.After(w.End) && !w.Start.After(v.End)
}

// verify queries cloudtrailcc_log_integrity over the setup's window on
// each connection, at most collectAtOnce at a time.
func (s integritySetup) verify(ctx context.Context, c *inproc.Client, conns []string) (map[string][]verdict, map[string]error) {
	var mu sync.Mutex
	got, errs := map[string][]verdict{}, map[string]error{}
	var g errgroup.Group
	g.SetLimit(collectAtOnce)
	for _, conn := range conns {
		g.Go(func() error {
			rows, err := c.Query(ctx, conn, "cloudtrailcc_log_integrity", nil, []inproc.Qual{
				{Column: "period_start", Operator: ">=", Value: s.start}, {Column: "period_end", Operator: "<=", Value: s.end}})
			vs := make([]verdict, len(rows))
			for i, r := range rows {
				vs[i] = verdictOf(r)
			}
			mu.Lock()
			got[conn], errs[conn] = vs, err
			mu.Unlock()
			return nil
		})
	}
	_ = g.Wait()
	return got, errs
}

// integrityOutcome is what one mangled verification did to the truth.
type integrityOutcome struct {
	// errorRows counts the run's error rows; toError truth rows that
	// became errors; covered truth rows gone under an error row;
	// toAlarm intact truth rows that became a sign of tampering;
	// falsePasses rows valid or not_found where the truth has a sign of
	// tampering or an error (or valid where it has no such file); drops truth rows gone with no error in their place. same is
	// true when every row is the truth's: the mangled element is one no
	// verdict reads.
	errorRows, toError, covered, toAlarm, falsePasses, drops int
	same                                                     bool
	runErr                                                   string
	failures                                                 []string
}

func (o integrityOutcome) summary() string {
	if o.runErr != "" {
		return "query failed: " + o.runErr
	}
	if o.same {
		return "same rows as the truth: no verdict reads it"
	}
	s := fmt.Sprintf("%d error rows", o.errorRows)
	if o.covered > 0 {
		s += fmt.Sprintf(", %d gone under an error", o.covered)
	}
	if o.toAlarm > 0 {
		s += fmt.Sprintf(", %d valid to alarm", o.toAlarm)
	}
	return s
}

// judgeIntegrity compares one mangled verification with the truth. A
// cell fails open when a row is valid that the truth does not have valid,
// when a truth row is gone without an error row in its place, when the
// run has no error row at all and is not exactly the truth (the mangled
// reply changed verdicts unnoticed), or when it panicked.
func judgeIntegrity(truth, got []verdict, runErr error, c *matrixCase) integrityOutcome {
	var o integrityOutcome
	if runErr != nil {
		o.runErr = strings.ReplaceAll(runErr.Error(), "\n", " ")
		if strings.Contains(strings.ToLower(o.runErr), "panic") {
			o.failures = append(o.failures, "the query panicked: "+o.runErr)
		}
		return o
	}
	if c.mangler.Changed() == 0 {
		o.failures = append(o.failures, fmt.Sprintf("%s was called %d times but no reply changed: the case proves nothing", c.action, c.mangler.Mangled()))
	}
	gotAt := map[string]verdict{}
	for _, v := range got {
		gotAt[v.place()] = v
		if v.Status == "error" {
			o.errorRows++
		}
	}
	truthAt := map[string]verdict{}
	for _, w := range truth {
		truthAt[w.place()] = w
		v, ok := gotAt[w.place()]
		switch {
		case ok && v.Status == w.Status:
		case ok && v.Status == "error":
			o.toError++
		case ok && intact(v.Status) && !intact(w.Status):
			o.falsePasses++
			o.failures = append(o.failures, fmt.Sprintf("false pass: %s %s %s is %s, the truth is %s", w.Kind, w.Key, w.Start.Format(time.RFC3339), v.Status, w.Status))
		case ok && intact(w.Status):
			o.toAlarm++
		case ok:
			o.toError++ // one sign of tampering for another
		case slices.ContainsFunc(got, func(v verdict) bool { return v.covers(w) }):
			o.covered++
		default:
			o.drops++
			o.failures = append(o.failures, fmt.Sprintf("dropped: %s %s %s (%s %s) is gone and no error row stands in its place", w.Kind, w.Status, w.Key, w.Account, w.Region))
		}
	}
	for _, v := range got {
		if _, known := truthAt[v.place()]; !known && v.Status == "valid" {
			o.falsePasses++
			o.failures = append(o.failures, fmt.Sprintf("false pass: %s %s is valid and the truth has no such file", v.Kind, v.Key))
		}
	}
	o.same = len(got) == len(truth) && o.toError+o.covered+o.toAlarm+o.falsePasses+o.drops == 0
	if o.errorRows == 0 && !o.same {
		o.failures = append(o.failures, fmt.Sprintf("no error row: the mangled %s went unnoticed (%d rows)", c.action, len(got)))
	}
	return o
}

// intact reports whether a status is no sign of tampering: valid, or
// not_found (hours nothing names).
func intact(status string) bool { return status == "valid" || status == "not_found" }

// runIntegrityMatrix verifies the setup once through a proxy that keeps
// every reply, takes the operations from the emulator's request log of
// that run, and verifies again for every operation × mangling (the whole
// manglings and every element its replies always have dropped). Each
// cell must end in an error row or a failed query: no file valid that the
// truth does not have valid, no digest, log file or gap gone without an
// error row in its place, no panic.
func runIntegrityMatrix(t *testing.T, s integritySetup) {
	upstream, err := url.Parse(s.url)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()

	tap := NewTap(upstream)
	tapSrv := httptest.NewServer(tap)
	t.Cleanup(tapSrv.Close)
	s.srv.ResetCalls()
	truthClient, err := inproc.New(ctx, []inproc.Connection{s.connection("truth", tapSrv.URL)})
	if err != nil {
		t.Fatal(err)
	}
	got, errs := s.verify(ctx, truthClient, []string{"truth"})
	truthClient.Close()
	if errs["truth"] != nil {
		t.Fatalf("un-mangled run: %v", errs["truth"])
	}
	truth := got["truth"]
	statuses := map[string]int{}
	for _, v := range truth {
		statuses[v.Kind+"/"+v.Status]++
	}
	operations := slices.Sorted(func(yield func(string) bool) {
		for a := range awsemu.CountCalls(s.srv.Calls()) {
			if !yield(a) {
				return
			}
		}
	})
	if !slices.Equal(operations, tap.Actions()) {
		t.Fatalf("the emulator logged the operations %v, the proxy named them %v: a mangler could not address every one", operations, tap.Actions())
	}
	t.Logf("un-mangled run: %d rows %v; operations %v", len(truth), statuses, operations)
	if statuses["digest/valid"] < 2 || statuses["log/modified"] != 1 {
		t.Fatalf("the un-mangled run does not hold the valid digests and the modified log the matrix needs: %v", statuses)
	}

	cases, conns := matrixCases(t, operations, tap, upstream, s.connection)
	start := time.Now()
	client, names := matrixClient(ctx, t, conns)
	defer client.Close()
	got, errs = s.verify(ctx, client, names)
	if ctx.Err() != nil {
		t.Fatalf("the %d cases did not finish within the matrix's time: %v", len(cases), ctx.Err())
	}
	elapsed := time.Since(start).Round(time.Millisecond)
	t.Logf("%d cases run in %s", len(cases), elapsed)

	report := newMatrixReport(t)
	var toError, falsePasses, drops, failedRuns, errorRuns, sameRuns int
	for _, c := range cases {
		o := judgeIntegrity(truth, got[c.conn], errs[c.conn], c)
		toError, falsePasses, drops = toError+o.toError+o.covered, falsePasses+o.falsePasses, drops+o.drops
		switch {
		case o.runErr != "":
			failedRuns++
		case o.errorRows > 0:
			errorRuns++
		case o.same:
			sameRuns++
		}
		var why string
		if len(o.failures) > 0 {
			why = o.failures[0]
		}
		report.cell(c, o.toError+o.covered, o.falsePasses, o.drops, o.summary(), why, o.failures)
	}
	report.finish(len(cases), fmt.Sprintf("%d operations, %d cells in %s (%d with error rows, %d failed queries, %d the truth's rows): %d rows to error, %d false passes, %d drops, %d failing cells",
		len(operations), len(cases), elapsed, errorRuns, failedRuns, sameRuns, toError, falsePasses, drops, len(report.failing)))
}
