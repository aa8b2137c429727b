package logintegrity

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Trail is what verification needs to know of a trail (GetTrail,
// GetTrailStatus).
type Trail struct {
	ARN                  string
	Bucket, Prefix       string
	Organization         bool
	MultiRegion          bool
	LatestDigestDelivery time.Time
	LoggingSince         time.Time // StartLoggingTime, when logging now
	// StatusUnread says why GetTrailStatus could not be read ("" when it
	// was): digests missing at the end of the window are then errors.
	StatusUnread string
}

// DescribeTrail reads a trail by ARN with GetTrail in its home region, and
// GetTrailStatus for the latest digest delivery (left zero when it cannot
// be read: an organization member may not).
func (a *AWS) DescribeTrail(ctx context.Context, arn string) (Trail, error) {
	if _, _, _, err := ParseTrailARN(arn); err != nil {
		return Trail{}, err
	}
	out, err := a.cloudtrail.GetTrail(ctx, &cloudtrail.GetTrailInput{Name: aws.String(arn)})
	if err != nil {
		return Trail{}, fmt.Errorf("cloudtrail GetTrail %s: %w", arn, err)
	}
	t := out.Trail
	if t == nil || t.S3BucketName == nil || *t.S3BucketName == "" {
		return Trail{}, fmt.Errorf("cloudtrail GetTrail %s: answer without the trail's bucket", arn)
	}
	tr := Trail{ARN: arn, Bucket: *t.S3BucketName, Prefix: aws.ToString(t.S3KeyPrefix),
		Organization: aws.ToBool(t.IsOrganizationTrail), MultiRegion: aws.ToBool(t.IsMultiRegionTrail)}
	if st, err := a.cloudtrail.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: aws.String(arn)}); err == nil {
		if st.LatestDigestDeliveryTime != nil {
			tr.LatestDigestDelivery = *st.LatestDigestDeliveryTime
		}
		if aws.ToBool(st.IsLogging) && st.StartLoggingTime != nil {
			tr.LoggingSince = *st.StartLoggingTime
		}
	}
	return tr, nil
}

// folders lists the "sub-folders" of prefix (keys rolled up at "/"),
// without the prefix and the slash.
func (a *AWS) folders(ctx context.Context, bucket, prefix string) ([]string, error) {
	c, err := a.bucketClient(ctx, bucket)
	if err != nil {
		return nil, err
	}
	var out []string
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix), Delimiter: aws.String("/")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err == nil {
			err = checkListing(page, bucket, prefix)
		}
		if err != nil {
			return nil, fmt.Errorf("list s3://%s/%s: %w", bucket, prefix, err)
		}
		for _, cp := range page.CommonPrefixes {
			if cp.Prefix == nil {
				return nil, fmt.Errorf("list s3://%s/%s: a common prefix without a value", bucket, prefix)
			}
			out = append(out, strings.TrimSuffix(strings.TrimPrefix(*cp.Prefix, prefix), "/"))
		}
	}
	return out, nil
}

// TargetOf works out what to verify of a trail over [start, end): its
// bucket and prefix; for an organization trail the organization's folder
// (AWSLogs/o-ID/) and, unless accounts are given, every account folder in
// it; otherwise the trail's own account; and the regions with a digest
// folder (the home region alone for a single-region trail), from listings
// of the bucket's folders, never of its objects.
func (a *AWS) TargetOf(ctx context.Context, tr Trail, accounts []string, start, end time.Time) (Target, error) {
	home, owner, name, err := ParseTrailARN(tr.ARN)
	if err != nil {
		return Target{}, err
	}
	t := Target{TrailName: name, HomeRegion: home, Bucket: tr.Bucket, Prefix: tr.Prefix, Start: start, End: end,
		LatestDigestDelivery: tr.LatestDigestDelivery, LoggingSince: tr.LoggingSince, StatusUnread: tr.StatusUnread}
	if tr.Organization {
		top, err := a.folders(ctx, tr.Bucket, t.root())
		if err != nil {
			return Target{}, err
		}
		var orgs []string
		for _, f := range top {
			if strings.HasPrefix(f, "o-") {
				orgs = append(orgs, f)
			}
		}
		switch len(orgs) {
		case 0:
			return Target{}, fmt.Errorf("organization trail %s: no AWSLogs/o-ID/ folder in s3://%s", tr.ARN, tr.Bucket)
		case 1:
			t.OrganizationID = orgs[0]
		default:
			return Target{}, fmt.Errorf("organization trail %s: several organization folders in s3://%s (%s)", tr.ARN, tr.Bucket, strings.Join(orgs, ", "))
		}
	}
	switch {
	case len(accounts) > 0:
		t.Accounts = slices.Clone(accounts)
	case tr.Organization:
		found, err := a.folders(ctx, tr.Bucket, t.root())
		if err != nil {
			return Target{}, err
		}
		for _, f := range found {
			if accountRE.MatchString(f) {
				t.Accounts = append(t.Accounts, f)
			}
		}
		if len(t.Accounts) == 0 {
			return Target{}, fmt.Errorf("organization trail %s: no account folder under s3://%s/%s", tr.ARN, tr.Bucket, t.root())
		}
	default:
		t.Accounts = []string{owner}
	}
	t.Regions = []string{home}
	if tr.MultiRegion {
		seen := map[string]bool{home: true}
		for _, acct := range t.Accounts {
			regions, err := a.folders(ctx, tr.Bucket, t.accountPrefix(acct)+"CloudTrail-Digest/")
			if err != nil {
				return Target{}, err
			}
			for _, r := range regions {
				if !seen[r] && r != "" {
					seen[r] = true
					t.Regions = append(t.Regions, r)
				}
			}
		}
		slices.Sort(t.Regions)
	}
	if err := t.check(); err != nil {
		return Target{}, errors.Join(fmt.Errorf("trail %s", tr.ARN), err)
	}
	return t, nil
}
