package harness

import (
	"context"
	"fmt"
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/bench/bound"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/awsemu/emuclient"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/seed"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// W4 is an organization of 1,000 accounts of W1's shape (17 regions each)
// sharing one central log bucket, audited in one connection.
var W4 = Spec{Name: "W4", Accounts: 1000, Trails: 3, Buckets: 2, Topics: 1}

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
// Start, the log-archive account a private, versioned central bucket, and
// the management account a logging multi-region trail delivering to it.
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
	target := func(a *Account) seed.Target {
		return seed.Target{EndpointURL: env.URL, AccessKey: a.AccessKey, SecretKey: a.SecretKey, Control: ctl}
	}
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
