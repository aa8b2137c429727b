package awsemu

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const (
	mgmtAccount    = "111111111111"
	memberAccount  = "222222222222"
	suspendAccount = "333333333333"
)

// newOrgEnv starts an emulator with an organization whose management
// account signs with "mgmt"/"mgmt", a member with role "Audit" trusting the
// management account, and a suspended account that has the role too.
func newOrgEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t, Options{})
	e.srv.AddAccount("mgmt", "mgmt", mgmtAccount)
	e.srv.AddAccount("member", "member", memberAccount)
	if err := e.srv.SetOrganization(Organization{ManagementAccountID: mgmtAccount, Accounts: []OrgAccount{
		{AccountID: memberAccount}, {AccountID: suspendAccount, Status: "SUSPENDED"},
	}}); err != nil {
		t.Fatal(err)
	}
	for _, acct := range []string{memberAccount, suspendAccount} {
		if err := e.srv.AddRole(Role{AccountID: acct, RoleName: "Audit", TrustedAccountIDs: []string{mgmtAccount}}); err != nil {
			t.Fatal(err)
		}
	}
	return e.as("mgmt", "mgmt")
}

func (e *env) orgs() *organizations.Client { return organizations.NewFromConfig(e.cfg("us-east-1")) }

// withCredentials returns a config signed with temporary credentials.
func (e *env) withCredentials(c aws.Credentials) aws.Config {
	cfg := e.cfg("us-east-1")
	cfg.Credentials = credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
	return cfg
}

func TestListAccountsPagesActiveAndSuspendedForTheManagementAccountOnly(t *testing.T) {
	e := newOrgEnv(t)
	var ids, statuses []string
	pages := 0
	p := organizations.NewListAccountsPaginator(e.orgs(), &organizations.ListAccountsInput{MaxResults: aws.Int32(2)})
	for p.HasMorePages() {
		out := must(p.NextPage(ctx))
		pages++
		for _, a := range out.Accounts {
			ids = append(ids, aws.ToString(a.Id))
			statuses = append(statuses, string(a.Status))
		}
	}
	if pages != 2 || strings.Join(ids, ",") != mgmtAccount+","+memberAccount+","+suspendAccount ||
		strings.Join(statuses, ",") != "ACTIVE,ACTIVE,SUSPENDED" {
		t.Fatalf("pages=%d ids=%v statuses=%v", pages, ids, statuses)
	}
	_, err := e.orgs().ListAccounts(ctx, &organizations.ListAccountsInput{MaxResults: aws.Int32(21)})
	wantCode(t, err, "InvalidInputException")

	org := must(e.as("member", "member").orgs().DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{}))
	if aws.ToString(org.Organization.MasterAccountId) != mgmtAccount {
		t.Fatalf("member sees management account %q", aws.ToString(org.Organization.MasterAccountId))
	}
	_, err = e.as("member", "member").orgs().ListAccounts(ctx, &organizations.ListAccountsInput{})
	wantCode(t, err, "AccessDeniedException")
	_, err = e.as(DefaultAccessKeyID, DefaultSecretAccessKey).orgs().ListAccounts(ctx, &organizations.ListAccountsInput{})
	wantCode(t, err, "AWSOrganizationsNotInUseException")
}

func TestAssumeRoleCredentialsActAsTheTargetAccount(t *testing.T) {
	e := newOrgEnv(t)
	out := must(e.sts("us-east-1").AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String(roleARN(memberAccount, "Audit")), RoleSessionName: aws.String("cloudtrailcc"),
	}))
	c := out.Credentials
	if !strings.HasPrefix(aws.ToString(c.AccessKeyId), "ASIA") || aws.ToString(c.SessionToken) == "" || c.Expiration == nil {
		t.Fatalf("credentials %+v", c)
	}
	cfg := e.withCredentials(aws.Credentials{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: *c.SessionToken})
	id := must(sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	if aws.ToString(id.Account) != memberAccount || aws.ToString(id.Arn) != "arn:aws:sts::"+memberAccount+":assumed-role/Audit/cloudtrailcc" {
		t.Fatalf("identity %s %s", aws.ToString(id.Account), aws.ToString(id.Arn))
	}

	// Without the session token the access key is not accepted.
	cfg.Credentials = credentials.NewStaticCredentialsProvider(*c.AccessKeyId, *c.SecretAccessKey, "")
	_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantCode(t, err, "InvalidClientTokenId")

	calls := e.srv.Calls()
	if calls[0].Action != "sts:AssumeRole" || calls[0].AccountID != mgmtAccount || calls[1].AccountID != memberAccount {
		t.Fatalf("request log %+v", calls[:2])
	}
}

func TestAssumeRoleIsDeniedForMissingRolesUntrustedCallersAndSuspendedAccounts(t *testing.T) {
	e := newOrgEnv(t)
	if err := e.srv.AddRole(Role{AccountID: "444444444444", RoleName: "Audit", TrustedAccountIDs: []string{mgmtAccount}, ExternalID: "secret"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, as, role, externalID string
	}{
		{"missing role", "mgmt", roleARN(memberAccount, "Missing"), ""},
		{"unknown account", "mgmt", roleARN("555555555555", "Audit"), ""},
		{"untrusted caller", "member", roleARN(suspendAccount, "Audit"), ""},
		{"suspended account", "mgmt", roleARN(suspendAccount, "Audit"), ""},
		{"wrong external id", "mgmt", roleARN("444444444444", "Audit"), "guess"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := &sts.AssumeRoleInput{RoleArn: aws.String(c.role), RoleSessionName: aws.String("cloudtrailcc")}
			if c.externalID != "" {
				in.ExternalId = aws.String(c.externalID)
			}
			_, err := e.as(c.as, c.as).sts("us-east-1").AssumeRole(ctx, in)
			wantCode(t, err, "AccessDenied")
			if !strings.Contains(err.Error(), "is not authorized to perform: sts:AssumeRole on resource: "+c.role) {
				t.Fatalf("message %v", err)
			}
		})
	}
	must(e.sts("us-east-1").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(roleARN("444444444444", "Audit")),
		RoleSessionName: aws.String("cloudtrailcc"), ExternalId: aws.String("secret")}))
}

func TestOrganizationTrailFromCreateTrailReachesActiveMembers(t *testing.T) {
	e := newOrgEnv(t)
	e.mkBucket("org-logs", "us-east-1")
	_, err := e.as("member", "member").ct("us-east-1").CreateTrail(ctx, &cloudtrail.CreateTrailInput{
		Name: aws.String("org"), S3BucketName: aws.String("org-logs"), IsOrganizationTrail: aws.Bool(true)})
	wantCode(t, err, "NotOrganizationMasterAccountException")
	tr := must(e.ct("us-east-1").CreateTrail(ctx, &cloudtrail.CreateTrailInput{Name: aws.String("org"), S3BucketName: aws.String("org-logs"),
		IsOrganizationTrail: aws.Bool(true), IsMultiRegionTrail: aws.Bool(true)}))
	seen := must(e.as("member", "member").ct("eu-west-1").DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{}))
	if len(seen.TrailList) != 1 || !aws.ToBool(seen.TrailList[0].IsOrganizationTrail) || aws.ToString(seen.TrailList[0].TrailARN) != aws.ToString(tr.TrailARN) {
		t.Fatalf("member sees %+v", seen.TrailList)
	}
	must(e.as("member", "member").ct("us-east-1").GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: tr.TrailARN}))
}
