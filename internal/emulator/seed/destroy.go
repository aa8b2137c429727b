package seed

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/smithy-go"
)

// Destroy deletes what a scenario created in t's account, for runs against a
// real account: its own trails first (so nothing more is delivered), then
// topics, log groups, buckets (every object version included) and KMS keys
// (scheduled for deletion in 7 days, the minimum). Resources of other
// accounts are left alone. It goes on after a failure and returns every
// error met, joined; resources already gone are not errors.
func Destroy(ctx context.Context, t Target, acct *Account) error {
	if acct == nil {
		return nil
	}
	cc := clientCache{target: t}
	var errs []error
	each := func(what, region string, fn func(*Clients) error) {
		c, err := cc.get(region)
		if err == nil {
			err = fn(c)
		}
		if err != nil && !gone(err) {
			errs = append(errs, fmt.Errorf("seed destroy %s: %w", what, err))
		}
	}
	own := func(arn string) bool { return strings.Contains(arn, ":"+acct.AccountID+":") }
	for _, tr := range acct.Trails {
		if tr.OwnerAccountID == acct.AccountID {
			each("trail "+tr.Name, tr.HomeRegion, func(c *Clients) error {
				return second(c.CloudTrail.DeleteTrail(ctx, &cloudtrail.DeleteTrailInput{Name: aws.String(tr.ARN)}))
			})
		}
	}
	for _, arn := range acct.Topics {
		if own(arn) {
			each("topic "+arn, regionOf(arn), func(c *Clients) error {
				return second(c.SNS.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: aws.String(arn)}))
			})
		}
	}
	for _, arn := range acct.LogGroups {
		name := strings.TrimSuffix(arn[strings.Index(arn, ":log-group:")+len(":log-group:"):], ":*")
		each("log group "+name, regionOf(arn), func(c *Clients) error {
			return second(c.Logs.DeleteLogGroup(ctx, &cloudwatchlogs.DeleteLogGroupInput{LogGroupName: aws.String(name)}))
		})
	}
	for _, b := range acct.Buckets {
		if b.OwnerAccountID == acct.AccountID {
			each("bucket "+b.Name, b.Region, func(c *Clients) error { return deleteBucket(ctx, c.S3, b.Name) })
		}
	}
	for _, arn := range acct.Keys {
		if own(arn) {
			each("key "+arn, regionOf(arn), func(c *Clients) error {
				return second(c.KMS.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: aws.String(arn), PendingWindowInDays: aws.Int32(7)}))
			})
		}
	}
	return errors.Join(errs...)
}

// deleteBucket deletes a bucket, emptying it first (every version and delete
// marker) when S3 says it is not empty.
func deleteBucket(ctx context.Context, c *s3.Client, name string) error {
	err := second(c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(name)}))
	if code(err) != "BucketNotEmpty" {
		return err
	}
	p := s3.NewListObjectVersionsPaginator(c, &s3.ListObjectVersionsInput{Bucket: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list object versions: %w", err)
		}
		var ids []s3types.ObjectIdentifier
		for _, v := range page.Versions {
			ids = append(ids, s3types.ObjectIdentifier{Key: v.Key, VersionId: v.VersionId})
		}
		for _, m := range page.DeleteMarkers {
			ids = append(ids, s3types.ObjectIdentifier{Key: m.Key, VersionId: m.VersionId})
		}
		if len(ids) > 0 {
			if _, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(name),
				Delete: &s3types.Delete{Objects: ids, Quiet: aws.Bool(true)}}); err != nil {
				return fmt.Errorf("delete objects: %w", err)
			}
		}
	}
	return second(c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(name)}))
}

// code returns err's AWS error code ("" for none).
func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// gone reports whether err says the resource no longer exists (or, for a
// key, is already pending deletion).
func gone(err error) bool {
	switch code(err) {
	case "TrailNotFoundException", "NotFound", "ResourceNotFoundException", "NoSuchBucket", "NotFoundException",
		"KMSInvalidStateException":
		return true
	}
	return false
}
