package harness

import (
	"context"
	"fmt"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/bench/bound"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/cli/inproc"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/emuclient"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/seed"
)

// W4 is an organization of 1,000 accounts of W1's shape (17 regions each)
// sharing one central log bucket, audited in one connection.
var W4 = Spec{Name: "W4", Accounts: 1000, Trails: 3, Buckets: 2, Topics: 1, Organization: true}

// W5 is W4's organization grown to 10,000 accounts: the memory of an audit
// must not grow with the organization. It takes one run.
var W5 = Spec{Name: "W5", Accounts: 10000, Trails: 3, Buckets: 2, Topics: 1, Organization: true, Runs: 1}

// Org is an emulator seeded with an organization: Env's accounts, the
// first the management account and the second the log-archive account.
type Org struct {
	*Env
	// CentralBucket is the log-archive account's bucket; CentralTrailARN
	// the management account's multi-region trail delivering to it.
	CentralBucket, CentralTrailARN string
}

// Management and LogArchive are the organization's management and
// log-archive accounts.
func (o *Org) Management() *Account { return o.Accounts[0] }

// LogArchive is the account owning the central bucket.
func (o *Org) LogArchive() *Account { return o.Accounts[1] }

// StartOrganization starts the emulator and seeds spec as an organization
// (at least two accounts): every account gets the spec's shape as in
// Start, the log-archive account a private, versioned central bucket, the
// management account a logging multi-region trail delivering to it, and
// every other account the audit role (RoleName) trusting the management
// account.
// The request log is empty on return.
func StartOrganization(ctx context.Context, spec Spec, opts Options) (_ *Org, err error) {
	if spec.Accounts < 2 {
		return nil, fmt.Errorf("harness: an organization needs a management and a log-archive account; %s has %d accounts", spec.Name, spec.Accounts)
	}
	env, err := Start(ctx, spec, opts)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			env.Close()
		}
	}()
	o := &Org{Env: env}
	ctl := emuclient.New(env.URL)
	target := env.target
	mgmt := seed.NewBuilder(ctx, target(o.Management()), "org")
	o.CentralTrailARN = mgmt.TrailARN(seed.DefaultRegion, "org")
	archive := seed.NewBuilder(ctx, target(o.LogArchive()), "org")
	o.CentralBucket = archive.Bucket(seed.BucketSpec{Role: "central", CloudTrailFor: []string{o.CentralTrailARN},
		BlockPublicAccess: true, Versioning: "Enabled"})
	if err := archive.Err(); err != nil {
		return nil, fmt.Errorf("harness: seeding the central bucket: %w", err)
	}
	tr := mgmt.Trail(seed.TrailSpec{Role: "org", Region: seed.DefaultRegion, Bucket: o.CentralBucket, MultiRegion: true,
		GlobalEvents: true, Validation: true, Logging: true, Status: seed.Healthy()})
	if err := mgmt.Err(); err != nil {
		return nil, fmt.Errorf("harness: seeding the central trail: %w", err)
	}
	if err := organize(ctx, ctl, o.Accounts); err != nil {
		return nil, err
	}
	// The bound is derived again: the trail, and the events creating it
	// added to the management account's history.
	m := o.Management()
	m.Seeded.Trails = append(m.Seeded.Trails, tr)
	if m.Bound, err = boundAccount(ctx, target(m), m.Seeded); err != nil {
		return nil, err
	}
	time.Sleep(time.Second) // let the LookupEvents quota refill, as Start does
	env.Server.ResetCalls()
	return o, nil
}

// Bound is the least calls, by IAM action, that reading need takes for the
// whole organization in one connection (bound.OrganizationCalls).
func (o *Org) Bound(need snapshot.Need) map[string]int {
	org := bound.Organization{BucketOwners: map[string]string{o.CentralBucket: o.LogArchive().Bound.AccountID}}
	for _, a := range o.Accounts {
		org.Accounts = append(org.Accounts, a.Bound)
	}
	return bound.OrganizationCalls(org, need)
}

// RoleName is the audit role of every member account.
const RoleName = seed.OrgRoleName

// organize makes the accounts one organization managed by the first, with
// the audit role in every other one (control endpoint).
func organize(ctx context.Context, ctl *emuclient.Client, accounts []*Account) error {
	management := accounts[0].Bound.AccountID
	org := emuclient.Organization{ManagementAccountID: management}
	for i, a := range accounts[1:] {
		org.Accounts = append(org.Accounts, emuclient.OrgAccount{AccountID: a.Bound.AccountID, Name: fmt.Sprintf("member-%04d", i+1)})
	}
	if err := ctl.SetOrganization(ctx, org); err != nil {
		return fmt.Errorf("harness: creating the organization: %w", err)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, a := range accounts[1:] {
		g.Go(func() error {
			if err := ctl.AddRole(gctx, emuclient.Role{AccountID: a.Bound.AccountID, RoleName: RoleName, TrustedAccountIDs: []string{management}}); err != nil {
				return fmt.Errorf("harness: the audit role of %s: %w", a.Bound.AccountID, err)
			}
			return nil
		})
	}
	return g.Wait()
}

// Connection is the one connection that audits the organization: the
// management account's keys and the members' audit role.
func (o *Org) Connection() inproc.Connection {
	c := o.Connections(fmt.Sprintf("organization_role_name = %q\n", RoleName))[0]
	c.Name = "org"
	return c
}

// CriticalPath is the least wall time of reading the organization in one
// connection that reads at most maxConcurrent accounts at once, every call
// taking latency: the caller's identity and the ListAccounts pages one
// after the other; then the accounts in waves of maxConcurrent, each
// taking its AssumeRole and the longest account's own critical path (its
// identity comes with the role's credentials, so the AssumeRole takes the
// place of the identity call on that path); then one round trip for the
// central bucket's facts, read once in its owner.
func (o *Org) CriticalPath(latency, interval time.Duration, maxConcurrent int) bound.Path {
	var longest bound.Path
	for _, a := range o.Accounts {
		if p := bound.NewGraph(bound.RulesNeed, a.Bound).CriticalPath(latency, interval); p.Duration > longest.Duration {
			longest = p
		}
	}
	pages := (len(o.Accounts) + 19) / 20
	waves := (len(o.Accounts) + maxConcurrent - 1) / maxConcurrent
	trips := 1 + pages + waves*longest.RoundTrips + 1
	return bound.Path{Duration: time.Duration(1+pages+1)*latency + time.Duration(waves)*longest.Duration, RoundTrips: trips,
		Calls: append([]string{"sts:GetCallerIdentity", fmt.Sprintf("organizations:ListAccounts x%d pages", pages),
			fmt.Sprintf("%d waves of %d accounts, each: sts:AssumeRole, then %s", waves, maxConcurrent, strings.Join(longest.Calls[1:], " → "))},
			"the central bucket's facts, once")}
}
