package seed

import (
	"context"
	"errors"
	"fmt"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/emuclient"
)

// The accounts of the organization layout. The management account is the
// Target's own.
const (
	LogArchiveAccountID  = "111122223333"
	SecurityAccountID    = "444455556666"
	RoleMissingAccountID = "210987654321"
	SuspendedAccountID   = "299999999999"
	// OrgRoleName is the audit role the layout creates in member accounts.
	OrgRoleName = "cloudtrailcc-audit"
)

// MemberAccountIDs are the layout's three plain member accounts.
var MemberAccountIDs = []string{"200000000001", "200000000002", "200000000003"}

// Organization is what an organization layout seeded.
type Organization struct {
	// Kind is "org-clean" or "org-bad".
	Kind string
	// Management, LogArchive and Security are the accounts that own
	// resources: the organization trail, the central bucket, the KMS key.
	Management, LogArchive, Security *Account
	// Members are the plain member accounts (with the audit role).
	Members []string
	// RoleMissing is a member without the audit role; Suspended a suspended account.
	RoleMissing, Suspended string
	// RoleName is the audit role in every member but RoleMissing.
	RoleName string
	// Trail is the organization trail; Bucket the central bucket; KeyARN the trail's key.
	Trail  *Trail
	Bucket string
	KeyARN string
}

// AuditedAccounts are the accounts an organization audit reads: management,
// log archive, security and the members (RoleMissing included: it fails).
func (o *Organization) AuditedAccounts() []string {
	ids := []string{o.Management.AccountID, o.LogArchive.AccountID, o.Security.AccountID}
	ids = append(ids, o.Members...)
	return append(ids, o.RoleMissing)
}

// OrganizationClean seeds the common enterprise layout with every rule
// passing: the Target's account is the management account of an
// organization with a log-archive account, a security account, three
// members, a member whose audit role is missing and a suspended account. The
// management account's organization trail (multi-region, global events,
// validation, CloudWatch Logs, S3 data events, an SNS topic) delivers to a
// private, versioned, MFA-Delete and access-logged central bucket in the
// log-archive account, encrypted with an enabled key of the security
// account. Accounts, the organization and the roles come from the control
// endpoint (the emulator only); everything else from AWS APIs.
func OrganizationClean(ctx context.Context, t Target) (*Organization, error) {
	return organization(ctx, t, "org-clean", false)
}

// OrganizationBad seeds the same layout where the central resources fail:
// the central bucket is public (public-read ACL), has no access logging and
// no versioning, and the security account's key is disabled.
func OrganizationBad(ctx context.Context, t Target) (*Organization, error) {
	return organization(ctx, t, "org-bad", true)
}

func organization(ctx context.Context, t Target, kind string, bad bool) (*Organization, error) {
	if t.Control == nil {
		return nil, fmt.Errorf("seed %s: %w", kind, ErrNoControl)
	}
	o := &Organization{Kind: kind, Members: MemberAccountIDs, RoleMissing: RoleMissingAccountID,
		Suspended: SuspendedAccountID, RoleName: OrgRoleName}
	mgmt := NewBuilder(ctx, t, kind)
	if err := mgmt.Err(); err != nil {
		return nil, err
	}
	if err := setUpOrganization(ctx, t.Control, mgmt.AccountID()); err != nil {
		return nil, fmt.Errorf("seed %s: %w", kind, err)
	}
	logArchive := NewBuilder(ctx, accountTarget(t, LogArchiveAccountID), kind+"-logs")
	security := NewBuilder(ctx, accountTarget(t, SecurityAccountID), kind+"-sec")
	r := t.region()
	trailARN := mgmt.TrailARN(r, "org")
	o.KeyARN = security.Key(r, "org-key", KeyEnabled)
	accessLogs := logArchive.Bucket(BucketSpec{Role: "access-logs", AccessLogTarget: true, BlockPublicAccess: true})
	central := BucketSpec{Role: "central", CloudTrailFor: []string{trailARN}}
	if bad {
		central.PublicReadACL = true
	} else {
		central.LogTarget, central.BlockPublicAccess, central.MFADelete = accessLogs, true, true
	}
	o.Bucket = logArchive.Bucket(central)
	for _, b := range []*Builder{logArchive, security} {
		if err := b.Err(); err != nil {
			return nil, err
		}
	}
	o.Trail = mgmt.Trail(TrailSpec{Role: "org", Organization: true, Bucket: o.Bucket, KeyARN: o.KeyARN,
		TopicARN: mgmt.Topic(r, "org-topic"), LogGroupARN: mgmt.LogGroup(r, "org-logs"),
		MultiRegion: true, GlobalEvents: true, Validation: true, Classic: AllS3DataEvents(), Logging: true, Status: Healthy()})
	if bad {
		security.SetKeyState(o.KeyARN, KeyDisabled)
	}
	mgmt.BackdateEvents(EventsBackdate)
	var err error
	for _, b := range []*Builder{mgmt, logArchive, security} {
		err = errors.Join(err, b.Err())
	}
	o.Management, o.LogArchive, o.Security = mgmt.acct, logArchive.acct, security.acct
	return o, err
}

// setUpOrganization creates the organization, the access keys of the two
// resource-owning accounts and the audit role in every member that has it
// (control endpoint).
func setUpOrganization(ctx context.Context, c *emuclient.Client, management string) error {
	accounts := []emuclient.OrgAccount{
		{AccountID: LogArchiveAccountID, Name: "log-archive"},
		{AccountID: SecurityAccountID, Name: "security"},
		{AccountID: RoleMissingAccountID, Name: "role-missing"},
		{AccountID: SuspendedAccountID, Name: "suspended", Status: "SUSPENDED"},
	}
	withRole := []string{LogArchiveAccountID, SecurityAccountID}
	for i, id := range MemberAccountIDs {
		accounts = append(accounts, emuclient.OrgAccount{AccountID: id, Name: fmt.Sprintf("member-%d", i+1)})
		withRole = append(withRole, id)
	}
	if err := c.SetOrganization(ctx, emuclient.Organization{ManagementAccountID: management, Accounts: accounts}); err != nil {
		return fmt.Errorf("control organization: %w", err)
	}
	for _, id := range []string{LogArchiveAccountID, SecurityAccountID} {
		if err := c.AddAccount(ctx, accountKey(id), accountKey(id), id); err != nil {
			return fmt.Errorf("control accounts %s: %w", id, err)
		}
	}
	for _, id := range withRole {
		if err := c.AddRole(ctx, emuclient.Role{AccountID: id, RoleName: OrgRoleName, TrustedAccountIDs: []string{management}}); err != nil {
			return fmt.Errorf("control roles %s: %w", id, err)
		}
	}
	return nil
}

// accountKey is the access key (and secret) the layout registers for a
// resource-owning account.
func accountKey(id string) string { return "org-" + id }

// AccountTarget is t signed as the account id of the organization layout
// (the management account's Target signs as the others through it).
func AccountTarget(t Target, id string) Target { return accountTarget(t, id) }

// accountTarget is t signed as another account of the layout.
func accountTarget(t Target, id string) Target {
	t.AccessKey, t.SecretKey = accountKey(id), accountKey(id)
	return t
}
