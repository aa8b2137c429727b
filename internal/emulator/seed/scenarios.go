// Package seed creates scenario accounts for tests, the demo and benchmarks
// through real AWS API calls (aws-sdk-go-v2) against any AWS-compatible
// endpoint: the project's emulator, LocalStack, moto or a sandbox account.
// State that only AWS itself sets (delivery times and errors, MFA Delete,
// another account's bucket, topic, key or organization trail) goes through
// the emulator's test-only control endpoint when Target.Control is set.
//
// Every resource name starts with NamePrefix so a run against a real account
// is recognisable.
package seed

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// EventsBackdate is how far Clean moves the events its own setup recorded
// back in time: beyond config_changes' default 24-hour lookback.
const EventsBackdate = 48 * time.Hour

// Clean seeds an account every rule passes: one multi-region, logging,
// KMS-encrypted (enabled key), log-file-validated, CloudWatch-integrated trail
// with management events, global service events and all S3 object data
// events; its bucket private (owner-only ACL, a CloudTrail policy limited by
// aws:SourceArn, Public Access Block all on), versioned with MFA Delete and
// access-logged to a log bucket; an existing SNS topic; recent successful
// deliveries; the trail and its bucket tagged (GoodTrailTags), the
// access-log bucket without tags. The configuration changes made to set it
// up are moved out of the default 24-hour lookback window (control
// endpoint).
func Clean(ctx context.Context, t Target) (*Account, error) {
	b := NewBuilder(ctx, t, "clean")
	b.goodTrail("main", true)
	b.BackdateEvents(EventsBackdate)
	return b.Account()
}

// GoodTrailTags are the tags of goodTrail's trail and its log bucket: the
// same owner on both, and what each one is. (Its access-log bucket has none.)
func GoodTrailTags(purpose string) map[string]string {
	return map[string]string{"owner": "security-team", "purpose": purpose}
}

// goodTrail seeds the multi-region trail of Clean (and of Demo, where
// mfaDelete is false: only the root user can enable it, so it is often missing).
func (b *Builder) goodTrail(role string, mfaDelete bool) *Trail {
	r := b.target.region()
	key := b.Key(r, role+"-key", KeyEnabled)
	topic := b.Topic(r, role+"-topic")
	group := b.LogGroup(r, role+"-logs")
	logs := b.Bucket(BucketSpec{Role: role + "-access-logs", AccessLogTarget: true, BlockPublicAccess: true})
	bucket := b.Bucket(BucketSpec{Role: role + "-trail", CloudTrailFor: []string{b.TrailARN(r, role)}, LogTarget: logs,
		BlockPublicAccess: true, Versioning: "Enabled", MFADelete: mfaDelete, Tags: GoodTrailTags("log-archive")})
	return b.Trail(TrailSpec{Role: role, Bucket: bucket, TopicARN: topic, KeyARN: key, LogGroupARN: group,
		MultiRegion: true, GlobalEvents: true, Validation: true, Classic: AllS3DataEvents(), Logging: true, Status: Healthy(),
		Tags: GoodTrailTags("audit-trail")})
}

// Bad seeds an account where each of the fourteen rules alarms:
//   - trail "regional" (eu-west-1, logging): not multi-region, no global
//     service events, no log file validation, no KMS key, no CloudWatch Logs,
//     advanced selectors with only the Data category (no management events),
//     an S3 delivery error (control endpoint), and an SNS topic deleted after
//     the trail was created;
//   - trail "global-stopped" (home region, multi-region, global events, default
//     selectors: no data events): logging started then stopped, so no
//     multi-region trail is logging;
//   - trail "global-east" (us-east-1, regional, global events, never
//     started): a second trail receiving global events (duplicates), and no
//     logging trail receives them;
//   - their shared bucket: public-read ACL without Public Access Block, no
//     access logging, versioning never configured (no MFA Delete);
//   - the CreateTrail/StopLogging/... calls themselves are configuration changes.
func Bad(ctx context.Context, t Target) (*Account, error) {
	b := NewBuilder(ctx, t, "bad")
	r := t.region()
	const eu = "eu-west-1"
	trails := []string{b.TrailARN(eu, "regional"), b.TrailARN(r, "global-stopped"), b.TrailARN("us-east-1", "global-east")}
	bucket := b.Bucket(BucketSpec{Role: "trail", CloudTrailFor: trails, PublicReadACL: true})
	topic := b.Topic(eu, "topic")
	b.Trail(TrailSpec{Role: "regional", Region: eu, Bucket: bucket, TopicARN: topic, Advanced: AdvancedDataOnly(), Logging: true,
		Status: &TrailStatus{DeliveredAgo: 3 * time.Hour, DeliveryError: "AccessDenied", NotifiedAgo: 3 * time.Hour}})
	b.DeleteTopic(topic)
	stopped := b.Trail(TrailSpec{Role: "global-stopped", Bucket: bucket, MultiRegion: true, GlobalEvents: true, Logging: true})
	if stopped != nil {
		b.StopLogging(stopped)
	}
	b.Trail(TrailSpec{Role: "global-east", Region: "us-east-1", Bucket: bucket, GlobalEvents: true, Validation: true})
	return b.Account()
}

// Demo seeds a realistic account with several deliberate mistakes:
//   - "org-audit": a good multi-region trail (KMS, validation, CloudWatch,
//     S3 data events, private versioned and access-logged bucket) whose bucket
//     lacks MFA Delete;
//   - "eu-app": a regional eu-west-1 trail with no validation and no KMS key,
//     switched to advanced selectors for S3 data events that dropped
//     management events, delivering to a public (public-read ACL) bucket
//     without access logging, naming an SNS topic that was deleted
//     (notification error);
//   - "us-legacy": an old regional us-east-1 trail with global service events
//     (duplicates org-audit's), management events only, and a CloudWatch Logs
//     integration whose last delivery is three days old;
//   - the recent setup calls are configuration changes.
//
// Every rule but multi_region and global_services (which org-audit passes)
// alarms on something.
func Demo(ctx context.Context, t Target) (*Account, error) {
	b := NewBuilder(ctx, t, "demo")
	b.goodTrail("org-audit", false)
	const eu = "eu-west-1"
	euBucket := b.Bucket(BucketSpec{Role: "eu-app-trail", Region: eu, CloudTrailFor: []string{b.TrailARN(eu, "eu-app")}, PublicReadACL: true})
	euTopic := b.Topic(eu, "eu-app-alerts")
	b.Trail(TrailSpec{Role: "eu-app", Region: eu, Bucket: euBucket, TopicARN: euTopic, GlobalEvents: true, Logging: true,
		Advanced: AdvancedDataOnly(),
		Status:   &TrailStatus{DeliveredAgo: 10 * time.Minute, NotifiedAgo: 26 * time.Hour, NotificationError: "NotFound"}})
	b.DeleteTopic(euTopic)
	legacyLogs := b.LogGroup("us-east-1", "us-legacy-logs")
	legacyBucket := b.Bucket(BucketSpec{Role: "us-legacy-trail", Region: "us-east-1",
		CloudTrailFor: []string{b.TrailARN("us-east-1", "us-legacy")}, BlockPublicAccess: true})
	b.Trail(TrailSpec{Role: "us-legacy", Region: "us-east-1", Bucket: legacyBucket, LogGroupARN: legacyLogs,
		GlobalEvents: true, Validation: true, Logging: true,
		Status: &TrailStatus{DeliveredAgo: 15 * time.Minute, CloudWatchAgo: 72 * time.Hour, DigestAgo: 50 * time.Minute}})
	return b.Account()
}

// Workload seeds an account of a given size for benchmarks: trails trails
// (the first multi-region in the home region, the others regional, spread
// round-robin over the enabled regions), buckets private trail buckets and
// topics SNS topics, shared round-robin; every trail logging with a healthy
// status, every other one with S3 data events. W1 is Workload(ctx, t, 3, 2, 1),
// W2 Workload(ctx, t, 40, 30, 0).
func Workload(ctx context.Context, t Target, trails, buckets, topics int) (*Account, error) {
	if trails < 0 || buckets < 0 || topics < 0 || (trails > 0 && buckets == 0) {
		return nil, fmt.Errorf("seed workload: trails=%d buckets=%d topics=%d: counts must be >= 0 and trails need at least one bucket",
			trails, buckets, topics)
	}
	b := NewBuilder(ctx, t, "work")
	homes := b.spreadTrails(trails, t.region())
	arns := make([][]string, buckets)
	for i, home := range homes {
		arns[i%buckets] = append(arns[i%buckets], b.TrailARN(home, fmt.Sprintf("t%02d", i)))
	}
	names := make([]string, buckets)
	for i := range names {
		names[i] = b.Bucket(BucketSpec{Role: fmt.Sprintf("b%02d", i), CloudTrailFor: arns[i], BlockPublicAccess: true, Versioning: "Enabled"})
	}
	topicARNs := make([]string, topics)
	for i := range topicARNs {
		topicARNs[i] = b.Topic(t.region(), fmt.Sprintf("s%02d", i))
	}
	for i := range homes {
		spec := TrailSpec{Role: fmt.Sprintf("t%02d", i), Region: homes[i], Bucket: names[i%buckets], MultiRegion: i == 0,
			GlobalEvents: i == 0, Validation: true, Logging: true, Status: Healthy()}
		if topics > 0 {
			spec.TopicARN = topicARNs[i%topics]
		}
		if i%2 == 0 {
			spec.Classic = AllS3DataEvents()
		}
		b.Trail(spec)
	}
	return b.Account()
}

// TrailsPerRegion is AWS's limit of trails per region (a multi-region trail
// counts in every region).
const TrailsPerRegion = 5

// spreadTrails picks the home regions of n trails: the first (multi-region,
// counted in every region) in home, the others round-robin over the enabled
// regions, at most TrailsPerRegion in any region.
func (b *Builder) spreadTrails(n int, home string) []string {
	if n == 0 {
		return nil
	}
	regions := b.enabledRegions()
	if b.err != nil {
		return nil
	}
	if capacity := 1 + (TrailsPerRegion-1)*len(regions); n > capacity {
		b.fail("spread trails", fmt.Errorf("%d trails exceed the limit of %d trails per region over %d enabled regions (at most %d)",
			n, TrailsPerRegion, len(regions), capacity))
		return nil
	}
	count := map[string]int{}
	for _, r := range regions {
		count[r] = 1 // the multi-region trail
	}
	homes := []string{home}
	for next := 0; len(homes) < n; next++ {
		r := regions[next%len(regions)]
		if count[r] < TrailsPerRegion {
			count[r]++
			homes = append(homes, r)
		}
	}
	return homes
}

// enabledRegions returns the account's enabled regions (ec2:DescribeRegions), sorted.
func (b *Builder) enabledRegions() []string {
	c := b.client(b.target.region())
	if c == nil {
		return nil
	}
	out, err := c.EC2.DescribeRegions(b.ctx, &ec2.DescribeRegionsInput{})
	if err != nil {
		b.fail("ec2:DescribeRegions", err)
		return nil
	}
	var regions []string
	for _, r := range out.Regions {
		regions = append(regions, aws.ToString(r.RegionName))
	}
	sort.Strings(regions)
	return regions
}
