package seed

import (
	"time"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/emulator/emuclient"
)

// TrailStatus is a trail's delivery status as only AWS sets it, given as ages
// relative to the moment it is applied (0 = never happened) and error strings.
type TrailStatus struct {
	// DeliveredAgo, CloudWatchAgo, NotifiedAgo and DigestAgo are how long ago
	// the last S3 delivery, CloudWatch Logs delivery, SNS notification and
	// digest delivery succeeded.
	DeliveredAgo, CloudWatchAgo, NotifiedAgo, DigestAgo time.Duration
	// DeliveryError, CloudWatchError, NotificationError and DigestError are
	// the Latest*Error fields ("" = none).
	DeliveryError, CloudWatchError, NotificationError, DigestError string
}

// Healthy is the status of a trail that delivers normally: every delivery a
// few minutes ago (the digest within the hour), no error.
func Healthy() *TrailStatus {
	return &TrailStatus{DeliveredAgo: 5 * time.Minute, CloudWatchAgo: 4 * time.Minute,
		NotifiedAgo: 5 * time.Minute, DigestAgo: 40 * time.Minute}
}

// control returns the control client, recording what is left unset when
// there is none.
func (b *Builder) control(what string) *emuclient.Client {
	if b.err != nil {
		return nil
	}
	if b.target.Control == nil {
		for _, u := range b.acct.Uncontrolled {
			if u == what {
				return nil
			}
		}
		b.acct.Uncontrolled = append(b.acct.Uncontrolled, what)
	}
	return b.target.Control
}

// mustControl returns the control client or fails the scenario with ErrNoControl.
func (b *Builder) mustControl(what string) *emuclient.Client {
	if b.err == nil && b.target.Control == nil {
		b.fail(what, ErrNoControl)
	}
	if b.err != nil {
		return nil
	}
	return b.target.Control
}

// SetStatus sets a trail's delivery status (control endpoint; left as the
// endpoint reports it when there is none).
func (b *Builder) SetStatus(t *Trail, s TrailStatus) {
	c := b.control("trail_status")
	if c == nil || t == nil {
		return
	}
	now := time.Now().UTC()
	at := func(ago time.Duration) string {
		if ago == 0 {
			return ""
		}
		return now.Add(-ago).Format(time.RFC3339)
	}
	if err := c.SetTrailStatus(b.ctx, emuclient.TrailStatus{
		AccountID:                         t.OwnerAccountID,
		TrailARN:                          t.ARN,
		LatestDeliveryTime:                at(s.DeliveredAgo),
		LatestDeliveryError:               s.DeliveryError,
		LatestNotificationTime:            at(s.NotifiedAgo),
		LatestNotificationError:           s.NotificationError,
		LatestCloudWatchLogsDeliveryTime:  at(s.CloudWatchAgo),
		LatestCloudWatchLogsDeliveryError: s.CloudWatchError,
		LatestDigestDeliveryTime:          at(s.DigestAgo),
		LatestDigestDeliveryError:         s.DigestError,
	}); err != nil {
		b.fail("control trail-status "+t.Role, err)
	}
}

// SetMFADelete sets MFA Delete ("Enabled" or "Disabled") on an own bucket
// (control endpoint: on AWS only the root user with an MFA device can) and
// reports whether it did.
func (b *Builder) SetMFADelete(bucket, status string) bool {
	c := b.control("mfa_delete")
	if c == nil {
		return false
	}
	if err := c.SetBucketMFADelete(b.ctx, b.acct.AccountID, bucket, status); err != nil {
		b.fail("control bucket-mfa-delete "+bucket, err)
		return false
	}
	for _, r := range b.acct.Buckets {
		if r.Name == bucket {
			r.MFADelete = status == "Enabled"
		}
	}
	return status == "Enabled"
}

// BackdateEvents moves the CloudTrail events recorded so far for the account
// back by age, out of a config_changes lookback window shorter than age
// (control endpoint; on another endpoint the events stay where they are).
func (b *Builder) BackdateEvents(age time.Duration) {
	c := b.control("events_backdated")
	if c == nil {
		return
	}
	if err := c.BackdateEvents(b.ctx, b.acct.AccountID, age); err != nil {
		b.fail("control events backdate", err)
	}
}

// ForeignBucket registers a bucket owned by account owner in region (control
// endpoint) and returns its name: it is absent from our ListBuckets and our
// reads of it are denied.
func (b *Builder) ForeignBucket(role, owner, region string) string {
	c := b.mustControl("foreign bucket " + role)
	if c == nil {
		return ""
	}
	name := b.Name(role)
	if err := c.AddForeignBucket(b.ctx, name, owner, region); err != nil {
		b.fail("control foreign-bucket "+role, err)
		return ""
	}
	b.acct.Buckets = append(b.acct.Buckets, &Bucket{Role: role, Name: name, Region: region, OwnerAccountID: owner})
	return name
}

// ForeignTopic registers an SNS topic of account owner in region (control
// endpoint) and returns its ARN; GetTopicAttributes on it answers AuthorizationError.
func (b *Builder) ForeignTopic(role, owner, region string) string {
	c := b.mustControl("foreign topic " + role)
	if c == nil {
		return ""
	}
	arn := "arn:" + b.acct.Partition + ":sns:" + region + ":" + owner + ":" + b.Name(role)
	if err := c.AddForeignTopic(b.ctx, arn); err != nil {
		b.fail("control foreign-topic "+role, err)
		return ""
	}
	b.acct.Topics = append(b.acct.Topics, arn)
	return arn
}

// ForeignKey registers a KMS key of account owner in region (control
// endpoint) and returns its ARN; DescribeKey on it answers AccessDeniedException.
func (b *Builder) ForeignKey(owner, region string) string {
	c := b.mustControl("foreign key")
	if c == nil {
		return ""
	}
	arn := "arn:" + b.acct.Partition + ":kms:" + region + ":" + owner + ":key/" + b.suffix[:8] + "-0000-4000-8000-000000000000"
	if err := c.AddForeignKey(b.ctx, arn); err != nil {
		b.fail("control foreign-key", err)
		return ""
	}
	b.acct.Keys = append(b.acct.Keys, arn)
	return arn
}

// OrganizationTrailSpec describes an organization trail of a management account.
type OrganizationTrailSpec struct {
	// Role is the trail's part in the scenario; Owner the management account; Region its home region.
	Role, Owner, Region string
	// Bucket is the owner's bucket (register it with ForeignBucket first).
	Bucket string
	// MultiRegion, GlobalEvents and Logging are its settings.
	MultiRegion, GlobalEvents, Logging bool
	// MemberCanReadStatus says whether GetTrailStatus from the member account succeeds.
	MemberCanReadStatus bool
}

// OrganizationTrail registers an organization trail of another account that
// applies to ours (control endpoint) and returns it.
func (b *Builder) OrganizationTrail(spec OrganizationTrailSpec) *Trail {
	c := b.mustControl("organization trail " + spec.Role)
	if c == nil {
		return nil
	}
	if spec.Region == "" {
		spec.Region = b.target.region()
	}
	name := b.Name(spec.Role)
	if err := c.AddOrganizationTrail(b.ctx, emuclient.OrganizationTrail{
		OwnerAccountID: spec.Owner, MemberAccountIDs: []string{b.acct.AccountID}, Name: name, HomeRegion: spec.Region,
		S3BucketName: spec.Bucket, IsMultiRegionTrail: spec.MultiRegion, IncludeGlobalServiceEvents: spec.GlobalEvents,
		IsLogging: spec.Logging, MemberCanReadStatus: spec.MemberCanReadStatus,
	}); err != nil {
		b.fail("control organization-trail "+spec.Role, err)
		return nil
	}
	t := &Trail{Role: spec.Role, Name: name, HomeRegion: spec.Region, OwnerAccountID: spec.Owner, Bucket: spec.Bucket,
		ARN:         "arn:" + b.acct.Partition + ":cloudtrail:" + spec.Region + ":" + spec.Owner + ":trail/" + name,
		MultiRegion: spec.MultiRegion, GlobalEvents: spec.GlobalEvents, Logging: spec.Logging, Organization: true}
	b.acct.Trails = append(b.acct.Trails, t)
	return t
}
