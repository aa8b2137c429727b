package cloudtrailcc_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/awsemu"
)

// The organization of the log-archive test: the management account owns
// the organization trail, the log-archive member owns its bucket.
const (
	archiveAccount = "222222222222"
	plainMember    = "333333333333"
	archiveBucket  = "org-log-archive"
)

// startArchiveOrganization delivers three hours of an organization trail
// of three accounts to a bucket that the log-archive member owns. The
// role "Audit" exists in both members, "AuditNoArchive" only in the plain
// member.
func startArchiveOrganization(t *testing.T) (*awsemu.Server, string, time.Time) {
	t.Helper()
	srv := awsemu.New(awsemu.Options{Regions: []string{"us-east-1"}})
	url, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	mgmt := awsemu.DefaultAccountID
	t0 := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	steps := []error{
		srv.SetClock(t0),
		srv.SetOrganization(awsemu.Organization{ManagementAccountID: mgmt, Accounts: []awsemu.OrgAccount{{AccountID: mgmt}, {AccountID: archiveAccount}, {AccountID: plainMember}}}),
		srv.AddRole(awsemu.Role{AccountID: archiveAccount, RoleName: "Audit", TrustedAccountIDs: []string{mgmt}}),
		srv.AddRole(awsemu.Role{AccountID: plainMember, RoleName: "Audit", TrustedAccountIDs: []string{mgmt}}),
		srv.AddRole(awsemu.Role{AccountID: plainMember, RoleName: "AuditNoArchive", TrustedAccountIDs: []string{mgmt}}),
		srv.AddForeignBucket(archiveBucket, archiveAccount, "us-east-1"),
	}
	for _, err := range steps {
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := srv.AddOrganizationTrail(awsemu.OrganizationTrail{OwnerAccountID: mgmt, MemberAccountIDs: []string{archiveAccount, plainMember}, Name: "org",
		HomeRegion: "us-east-1", S3BucketName: archiveBucket, IsLogging: true, LogFileValidationEnabled: true, MemberCanReadStatus: true}); err != nil {
		t.Fatal(err)
	}
	for _, acct := range []string{mgmt, archiveAccount, plainMember} {
		for m := 5; m < 180; m += 30 {
			srv.AddEvent(awsemu.EventInput{AccountID: acct, Region: "us-east-1", EventName: "CreateUser", EventSource: "iam.amazonaws.com", EventTime: t0.Add(time.Duration(m) * time.Minute)})
		}
	}
	if err := srv.AdvanceClock(3 * time.Hour); err != nil {
		t.Fatal(err)
	}
	return srv, url, t0
}

// orgClient opens an organization connection "org" with extra settings.
func orgClient(t *testing.T, url, extra string) *inproc.Client {
	t.Helper()
	c, err := inproc.New(context.Background(), []inproc.Connection{{Name: "org", Config: fmt.Sprintf("endpoint_url = %q\naccess_key = \"test\"\nsecret_key = \"test\"\nregions = [\"us-east-1\"]\n%s", url, extra)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// queryIntegrity queries cloudtrailcc_log_integrity over [t0, t0+3h)
// (and quals) through c's connection "org".
func queryIntegrity(t *testing.T, c *inproc.Client, t0 time.Time, quals ...inproc.Qual) []inproc.Row {
	t.Helper()
	rows, err := c.Query(context.Background(), "org", "cloudtrailcc_log_integrity", nil, append([]inproc.Qual{
		{Column: "period_start", Operator: ">=", Value: t0}, {Column: "period_end", Operator: "<=", Value: t0.Add(3 * time.Hour)}}, quals...))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// integrityRowsOf queries cloudtrailcc_log_integrity over [t0, t0+3h)
// (and quals) through a new organization connection with extra settings.
func integrityRowsOf(t *testing.T, url, extra string, t0 time.Time, quals ...inproc.Qual) []inproc.Row {
	t.Helper()
	return queryIntegrity(t, orgClient(t, url, extra), t0, quals...)
}

// TestOrganizationLogIntegrityReadsTheBucketThroughItsOwner verifies an
// organization trail whose bucket the log-archive member owns: every read
// of the bucket carries the log-archive account's identity (the emulator,
// like S3, refuses the management account's), ListPublicKeys the trail's
// home account's. When the owner's role cannot be assumed, or the owner is
// not audited, every row is an error that says why: never a valid file,
// never the caller's credentials.
func TestOrganizationLogIntegrityReadsTheBucketThroughItsOwner(t *testing.T) {
	srv, url, t0 := startArchiveOrganization(t)
	mgmt := awsemu.DefaultAccountID

	srv.ResetCalls()
	rows := integrityRowsOf(t, url, "organization_role_name = \"Audit\"\n", t0)
	counts := map[string]int{}
	for _, r := range rows {
		counts[fmt.Sprint(r["kind"], "/", r["status"])]++
		if r["status"] != "valid" {
			t.Errorf("row not valid: %v", r)
		}
	}
	if counts["digest/valid"] != 3*3 || counts["log/valid"] < 3*3 {
		t.Fatalf("rows %v, want 3 valid digests for each of 3 accounts and their logs", counts)
	}
	reads := map[string]int{}
	for _, c := range srv.Calls() {
		switch c.Action {
		case "s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketLogging":
			reads[c.Action]++
			if c.AccountID != archiveAccount {
				t.Errorf("%s as account %s, want the bucket owner %s", c.Action, c.AccountID, archiveAccount)
			}
		case "cloudtrail:ListPublicKeys":
			reads[c.Action]++
			if c.AccountID != mgmt {
				t.Errorf("%s as account %s, want the trail's home account %s", c.Action, c.AccountID, mgmt)
			}
		}
		if c.ErrorCode == "AccessDenied" {
			t.Errorf("%s as %s denied", c.Action, c.AccountID)
		}
	}
	// The owner is found with the ListBuckets the audit reads anyway, the
	// bucket located once, and no bucket fact read that no verdict needs.
	if reads["s3:GetObject"] < counts["digest/valid"]+counts["log/valid"] || reads["s3:ListBucket"] == 0 || reads["cloudtrail:ListPublicKeys"] == 0 ||
		reads["s3:GetBucketLocation"] != 1 || reads["s3:GetBucketLogging"] != 0 {
		t.Fatalf("reads %v", reads)
	}

	// The trail's error row stands for each account of the audit, so that
	// a query of one account sees it.
	for _, c := range []struct {
		name, extra, want, wantTrail string
		accounts                     []string
		quals                        []inproc.Qual
	}{
		{"the owner's role cannot be assumed", "organization_role_name = \"AuditNoArchive\"\n", "sts:AssumeRole failed",
			"no audited account's s3:ListAllMyBuckets lists " + archiveBucket + "; account " + archiveAccount + " was not read (sts:AssumeRole failed",
			[]string{mgmt, archiveAccount, plainMember}, nil},
		{"the owner's role cannot be assumed, one account asked for", "organization_role_name = \"AuditNoArchive\"\n", "sts:AssumeRole failed",
			"no audited account's s3:ListAllMyBuckets lists " + archiveBucket, []string{plainMember},
			[]inproc.Qual{{Column: "account_id", Operator: "=", Value: plainMember}}},
		{"the owner is not audited", "organization_role_name = \"Audit\"\naccounts = [\"" + mgmt + "\", \"" + plainMember + "\"]\n",
			"no audited account's s3:ListAllMyBuckets lists " + archiveBucket, "organization mode reads a bucket only through the audited account that owns it",
			[]string{mgmt, plainMember}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv.ResetCalls()
			rows := integrityRowsOf(t, url, c.extra, t0, c.quals...)
			if len(rows) == 0 {
				t.Fatal("no row: the trail was dropped")
			}
			var trailAccounts []string
			for _, r := range rows {
				detail, _ := r["detail"].(string)
				if r["status"] != "error" || r["control_status"] != "error" || !strings.Contains(detail, c.want) {
					t.Errorf("row %v, want an error saying %q", r, c.want)
				}
				if r["trail_arn"] != nil {
					trailAccounts = append(trailAccounts, fmt.Sprint(r["account_id"]))
					if !strings.Contains(detail, c.wantTrail) || r["bucket"] != archiveBucket {
						t.Errorf("trail row %v, want an error on %s saying %q", r, archiveBucket, c.wantTrail)
					}
				}
			}
			slices.Sort(trailAccounts)
			if !slices.Equal(trailAccounts, c.accounts) {
				t.Errorf("the trail's error rows are of accounts %v, want one for each of %v", trailAccounts, c.accounts)
			}
			for _, call := range srv.Calls() {
				if call.Action == "s3:GetObject" || call.Action == "s3:ListBucket" {
					t.Errorf("%s as %s: the bucket was read without its owner's credentials", call.Action, call.AccountID)
				}
			}
		})
	}
}

// TestOrganizationLogIntegrityIsAnErrorWhenTheOwnersRoleIsRefused reads
// the organization once, then the log-archive account stops trusting the
// caller: the next verification, within the cache period, cannot assume
// the owner's role and says so in an error row for each account, without
// reading the bucket as anyone else.
func TestOrganizationLogIntegrityIsAnErrorWhenTheOwnersRoleIsRefused(t *testing.T) {
	srv, url, t0 := startArchiveOrganization(t)
	c := orgClient(t, url, "organization_role_name = \"Audit\"\n")
	valid := 0
	for _, r := range queryIntegrity(t, c, t0) {
		if r["status"] == "valid" {
			valid++
		}
	}
	if valid == 0 {
		t.Fatal("no valid row before the role was refused")
	}
	if err := srv.AddRole(awsemu.Role{AccountID: archiveAccount, RoleName: "Audit", TrustedAccountIDs: []string{"999999999999"}}); err != nil {
		t.Fatal(err)
	}
	srv.ResetCalls()
	rows := queryIntegrity(t, c, t0)
	var accounts []string
	for _, r := range rows {
		detail, _ := r["detail"].(string)
		if r["status"] != "error" || !strings.Contains(detail, "cannot read bucket "+archiveBucket+" through its owner, account "+archiveAccount) || !strings.Contains(detail, "sts:AssumeRole failed") {
			t.Errorf("row %v, want an error naming the owner's refused role", r)
		}
		accounts = append(accounts, fmt.Sprint(r["account_id"]))
	}
	slices.Sort(accounts)
	if want := []string{awsemu.DefaultAccountID, archiveAccount, plainMember}; !slices.Equal(accounts, want) {
		t.Errorf("error rows of accounts %v, want %v", accounts, want)
	}
	for _, call := range srv.Calls() {
		if call.Action == "s3:GetObject" || call.Action == "s3:ListBucket" {
			t.Errorf("%s as %s after the owner's role was refused", call.Action, call.AccountID)
		}
	}
}
