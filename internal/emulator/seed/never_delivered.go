package seed

import "context"

// NeverDelivered seeds an account whose trails have never delivered
// anything, as right after they were created: GetTrailStatus gives no
// Latest*Time and no Latest*Error for them.
//   - "fresh": multi-region, global service events, logging, with an SNS
//     topic and a CloudWatch Logs log group, and all S3 object data events;
//   - "idle": regional, never started.
//
// Both deliver to one private bucket. No delivery status is set, so the
// scenario needs no control endpoint.
func NeverDelivered(ctx context.Context, t Target) (*Account, error) {
	b := NewBuilder(ctx, t, "never")
	r := t.region()
	bucket := b.Bucket(BucketSpec{Role: "trail", CloudTrailFor: []string{b.TrailARN(r, "fresh"), b.TrailARN(r, "idle")},
		BlockPublicAccess: true, Versioning: "Enabled"})
	b.Trail(TrailSpec{Role: "fresh", Bucket: bucket, TopicARN: b.Topic(r, "fresh-topic"), LogGroupARN: b.LogGroup(r, "fresh-logs"),
		MultiRegion: true, GlobalEvents: true, Validation: true, Classic: AllS3DataEvents(), Logging: true})
	b.Trail(TrailSpec{Role: "idle", Bucket: bucket})
	return b.Account()
}
