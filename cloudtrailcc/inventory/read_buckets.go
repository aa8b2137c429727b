package inventory

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// S3 error codes that mean "not configured", a fact rather than a failure.
const (
	codeNoSuchBucket       = "NoSuchBucket"
	codeNoSuchPolicy       = "NoSuchBucketPolicy"
	codeNoSuchPAB          = "NoSuchPublicAccessBlockConfiguration"
	codeNoOwnershipControl = "OwnershipControlsNotFoundError"
	codeNoSuchTagSet       = "NoSuchTagSet"
)

// ownBuckets lists the account's buckets (s3:ListAllMyBuckets, paginated),
// to tell the trails' own buckets from another account's.
func (c *Collector) ownBuckets(ctx context.Context, acct *snapshot.Account) (result[map[string]bool], error) {
	region := globalRegion(acct.Partition, c.setup.cfg.Region)
	r, err := readFact(c, ctx, "s3:ListAllMyBuckets", "", func(ctx context.Context) (map[string]bool, error) {
		names := map[string]bool{}
		p := s3.NewListBucketsPaginator(c.s3(region), &s3.ListBucketsInput{})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			for _, b := range page.Buckets {
				names[aws.ToString(b.Name)] = true
			}
		}
		return names, nil
	})
	acct.OwnBucketsErr = r.Err
	if c.cfg.Audited != nil && r.Err == nil {
		acct.OwnedBucketNames = slices.Sorted(maps.Keys(r.V))
	}
	return r, err
}

// fillBuckets reads the distinct buckets the trails deliver to. Buckets
// that ListBuckets shows belong to another account are recorded as such
// and not read. The account Public Access Block is read once when an own
// bucket's publicity is asked for.
func (c *Collector) fillBuckets(ctx context.Context, acct *snapshot.Account, need snapshot.Need, own result[map[string]bool]) error {
	var names []string
	for _, t := range acct.Trails {
		if t.S3BucketName != "" {
			names = append(names, t.S3BucketName)
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)

	acct.Buckets = map[string]*snapshot.Bucket{}
	var tasks []func(context.Context) error
	anyOwn := false
	for _, name := range names {
		b := &snapshot.Bucket{Name: name}
		if own.Err == nil {
			b.OwnedKnown, b.Owned = true, own.V[name]
		}
		acct.Buckets[name] = b
		if b.OwnedKnown && !b.Owned {
			if c.cfg.Audited != nil {
				continue // the organization audit resolves it (owner or probe)
			}
			tasks = append(tasks, func(ctx context.Context) error { return c.probeUnlistedBucket(ctx, acct.Partition, b) })
			continue
		}
		anyOwn = true
		tasks = append(tasks, func(ctx context.Context) error { return c.readBucket(ctx, acct.Partition, b, need) })
	}
	if anyOwn && need.Has(snapshot.NeedBucketPublic) {
		tasks = append(tasks, func(ctx context.Context) error { return c.accountPublicAccessBlock(ctx, acct) })
	}
	return c.parallel(ctx, "buckets", tasks)
}

// accountPublicAccessBlock reads s3control:GetPublicAccessBlock (IAM
// s3:GetAccountPublicAccessBlock); none configured is nil without error.
func (c *Collector) accountPublicAccessBlock(ctx context.Context, acct *snapshot.Account) error {
	region := globalRegion(acct.Partition, c.setup.cfg.Region)
	r, err := readFact(c, ctx, "s3:GetAccountPublicAccessBlock", acct.AccountID, func(ctx context.Context) (*snapshot.PublicAccessBlock, error) {
		out, err := c.s3control(region).GetPublicAccessBlock(ctx, &s3control.GetPublicAccessBlockInput{AccountId: aws.String(acct.AccountID)})
		if err != nil {
			if code, _ := errorCode(err); code == codeNoSuchPAB {
				return nil, nil
			}
			return nil, err
		}
		if p := out.PublicAccessBlockConfiguration; p != nil {
			return &snapshot.PublicAccessBlock{
				BlockPublicAcls: aws.ToBool(p.BlockPublicAcls), IgnorePublicAcls: aws.ToBool(p.IgnorePublicAcls),
				BlockPublicPolicy: aws.ToBool(p.BlockPublicPolicy), RestrictPublicBuckets: aws.ToBool(p.RestrictPublicBuckets),
			}, nil
		}
		return nil, nil
	})
	acct.AccountPublicAccessBlock, acct.AccountPublicAccessBlockErr = r.V, r.Err
	return err
}

// bucketLocation reads s3:GetBucketLocation once per bucket: empty means
// us-east-1, "EU" means eu-west-1.
func (c *Collector) bucketLocation(ctx context.Context, partition, name string) (result[string], error) {
	return readFact(c, ctx, "s3:GetBucketLocation", name, func(ctx context.Context) (string, error) {
		out, err := c.s3(globalRegion(partition, c.setup.cfg.Region)).GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(name)})
		if err != nil {
			return "", err
		}
		switch out.LocationConstraint {
		case "":
			return "us-east-1", nil
		case "EU":
			return "eu-west-1", nil
		}
		if loc := string(out.LocationConstraint); validRegion(loc) {
			return loc, nil
		}
		return "", malformed(fmt.Sprintf("LocationConstraint %q is not a region name", out.LocationConstraint))
	})
}

// probeUnlistedBucket tells a bucket of another account from one that no
// longer exists: both are absent from ListBuckets, but S3 answers
// GetBucketLocation on a deleted bucket with NoSuchBucket and on another
// account's with AccessDenied. One call per unlisted bucket; nothing else of
// it is read.
func (c *Collector) probeUnlistedBucket(ctx context.Context, partition string, b *snapshot.Bucket) error {
	loc, err := c.bucketLocation(ctx, partition, b.Name)
	if err != nil {
		return err
	}
	switch {
	case loc.Err == nil:
		b.Region = loc.V
	case loc.Err.Code == codeNoSuchBucket:
		b.NotFound, b.RegionErr = true, loc.Err
	}
	return nil
}

// readBucket finds the bucket's region, then reads the facts need asks for
// there, in parallel.
func (c *Collector) readBucket(ctx context.Context, partition string, b *snapshot.Bucket, need snapshot.Need) error {
	loc, err := c.bucketLocation(ctx, partition, b.Name)
	if err != nil {
		return err
	}
	if loc.Err != nil {
		b.RegionErr = loc.Err
		b.NotFound = loc.Err.Code == codeNoSuchBucket
		// Without its region no other fact of the bucket can be read; each
		// asked-for fact carries the reason.
		for _, p := range bucketErrFields(b, need) {
			*p = loc.Err
		}
		return nil
	}
	b.Region = loc.V
	var tasks []func(context.Context) error
	for _, f := range bucketFacts {
		if need.Has(f.need) {
			tasks = append(tasks, func(ctx context.Context) error { return f.read(c, ctx, b) })
		}
	}
	return c.parallel(ctx, "", tasks)
}

// fillBucketTags reads the tags of the buckets acct holds as fillBuckets
// would have: every bucket but another account's, in its region; a bucket
// whose region could not be read carries that error instead.
func (c *Collector) fillBucketTags(ctx context.Context, acct *snapshot.Account) error {
	var tasks []func(context.Context) error
	for _, b := range acct.Buckets {
		switch {
		case b.OwnedKnown && !b.Owned:
			// another account's: not read (its owner's audit reads it)
		case b.RegionErr != nil:
			b.TagsErr = b.RegionErr
		default:
			for _, f := range bucketFacts {
				if f.need == snapshot.NeedBucketTags {
					tasks = append(tasks, func(ctx context.Context) error { return f.read(c, ctx, b) })
				}
			}
		}
	}
	return c.parallel(ctx, "buckets", tasks)
}

// bucketErrFields returns the error fields of the facts need asks for.
func bucketErrFields(b *snapshot.Bucket, need snapshot.Need) []**snapshot.ReadError {
	var out []**snapshot.ReadError
	if need.Has(snapshot.NeedBucketLogging) {
		out = append(out, &b.LoggingErr)
	}
	if need.Has(snapshot.NeedBucketVersioning) {
		out = append(out, &b.VersioningErr)
	}
	if need.Has(snapshot.NeedBucketPublic) {
		out = append(out, &b.ACLErr, &b.PolicyErr, &b.PublicAccessBlockErr, &b.OwnershipErr)
	}
	if need.Has(snapshot.NeedBucketTags) {
		out = append(out, &b.TagsErr)
	}
	return out
}

// bucketFact is one per-bucket read.
type bucketFact struct {
	need snapshot.Need
	read func(c *Collector, ctx context.Context, b *snapshot.Bucket) error
}

// bucketFacts are the per-bucket reads, each sent to the bucket's region.
var bucketFacts = []bucketFact{
	{snapshot.NeedBucketLogging, func(c *Collector, ctx context.Context, b *snapshot.Bucket) error {
		r, err := readBucketFact(c, ctx, b, "s3:GetBucketLogging", func(ctx context.Context, cl *s3.Client, in string) (*snapshot.BucketLogging, error) {
			out, err := cl.GetBucketLogging(ctx, &s3.GetBucketLoggingInput{Bucket: &in})
			if err != nil {
				return nil, err
			}
			l := &snapshot.BucketLogging{}
			if le := out.LoggingEnabled; le != nil {
				l.TargetBucket, l.TargetPrefix = aws.ToString(le.TargetBucket), aws.ToString(le.TargetPrefix)
			}
			return l, nil
		})
		b.Logging, b.LoggingErr = r.V, r.Err
		return err
	}},
	{snapshot.NeedBucketVersioning, func(c *Collector, ctx context.Context, b *snapshot.Bucket) error {
		r, err := readBucketFact(c, ctx, b, "s3:GetBucketVersioning", func(ctx context.Context, cl *s3.Client, in string) (*snapshot.BucketVersioning, error) {
			out, err := cl.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: &in})
			if err != nil {
				return nil, err
			}
			return &snapshot.BucketVersioning{Status: string(out.Status), MFADelete: string(out.MFADelete)}, nil
		})
		b.Versioning, b.VersioningErr = r.V, r.Err
		return err
	}},
	{snapshot.NeedBucketPublic, func(c *Collector, ctx context.Context, b *snapshot.Bucket) error {
		r, err := readBucketFact(c, ctx, b, "s3:GetBucketAcl", func(ctx context.Context, cl *s3.Client, in string) (*snapshot.BucketACL, error) {
			out, err := cl.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: &in})
			if err != nil {
				return nil, err
			}
			return aclFromAPI(out), nil
		})
		b.ACL, b.ACLErr = r.V, r.Err
		if r.V != nil {
			b.OwnerID = r.V.OwnerID
		}
		return err
	}},
	{snapshot.NeedBucketPublic, func(c *Collector, ctx context.Context, b *snapshot.Bucket) error {
		r, err := readBucketFact(c, ctx, b, "s3:GetBucketPolicyStatus", func(ctx context.Context, cl *s3.Client, in string) (*snapshot.BucketPolicyStatus, error) {
			out, err := cl.GetBucketPolicyStatus(ctx, &s3.GetBucketPolicyStatusInput{Bucket: &in})
			if err != nil {
				if code, _ := errorCode(err); code == codeNoSuchPolicy {
					return &snapshot.BucketPolicyStatus{Exists: false}, nil
				}
				return nil, err
			}
			ps := &snapshot.BucketPolicyStatus{Exists: true}
			if out.PolicyStatus != nil {
				ps.IsPublic = aws.ToBool(out.PolicyStatus.IsPublic)
			}
			return ps, nil
		})
		b.Policy, b.PolicyErr = r.V, r.Err
		return err
	}},
	{snapshot.NeedBucketPublic, func(c *Collector, ctx context.Context, b *snapshot.Bucket) error {
		r, err := readBucketFact(c, ctx, b, "s3:GetBucketPublicAccessBlock", func(ctx context.Context, cl *s3.Client, in string) (*snapshot.PublicAccessBlock, error) {
			out, err := cl.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: &in})
			if err != nil {
				if code, _ := errorCode(err); code == codeNoSuchPAB {
					return nil, nil
				}
				return nil, err
			}
			p := out.PublicAccessBlockConfiguration
			if p == nil {
				return nil, nil
			}
			return &snapshot.PublicAccessBlock{
				BlockPublicAcls: aws.ToBool(p.BlockPublicAcls), IgnorePublicAcls: aws.ToBool(p.IgnorePublicAcls),
				BlockPublicPolicy: aws.ToBool(p.BlockPublicPolicy), RestrictPublicBuckets: aws.ToBool(p.RestrictPublicBuckets),
			}, nil
		})
		b.PublicAccessBlock, b.PublicAccessBlockErr, b.PublicAccessBlockRead = r.V, r.Err, r.Err == nil
		return err
	}},
	{snapshot.NeedBucketPublic, func(c *Collector, ctx context.Context, b *snapshot.Bucket) error {
		r, err := readBucketFact(c, ctx, b, "s3:GetBucketOwnershipControls", func(ctx context.Context, cl *s3.Client, in string) (string, error) {
			out, err := cl.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: &in})
			if err != nil {
				if code, _ := errorCode(err); code == codeNoOwnershipControl {
					return "", nil
				}
				return "", err
			}
			if oc := out.OwnershipControls; oc != nil && len(oc.Rules) > 0 {
				return string(oc.Rules[0].ObjectOwnership), nil
			}
			return "", nil
		})
		b.ObjectOwnership, b.OwnershipErr, b.OwnershipRead = r.V, r.Err, r.Err == nil
		return err
	}},
	{snapshot.NeedBucketTags, func(c *Collector, ctx context.Context, b *snapshot.Bucket) error {
		r, err := readBucketFact(c, ctx, b, "s3:GetBucketTagging", func(ctx context.Context, cl *s3.Client, in string) (map[string]string, error) {
			out, err := cl.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: &in})
			if err != nil {
				if code, _ := errorCode(err); code == codeNoSuchTagSet {
					return map[string]string{}, nil // S3's answer for a bucket without tags
				}
				return nil, err
			}
			tags := make(map[string]string, len(out.TagSet))
			for _, t := range out.TagSet {
				tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
			return tags, nil
		})
		b.Tags, b.TagsErr = r.V, r.Err
		return err
	}},
}

// readBucketFact runs one per-bucket call in the bucket's region through
// the cache; NoSuchBucket marks the bucket missing.
func readBucketFact[T any](c *Collector, ctx context.Context, b *snapshot.Bucket, action string,
	call func(ctx context.Context, cl *s3.Client, bucket string) (T, error)) (result[T], error) {
	r, err := readFact(c, ctx, action, b.Name, func(ctx context.Context) (T, error) {
		return call(ctx, c.s3(b.Region), b.Name)
	})
	if r.Err != nil && r.Err.Code == codeNoSuchBucket {
		c.bucketMu.Lock()
		b.NotFound = true
		c.bucketMu.Unlock()
	}
	return r, err
}

// aclFromAPI converts GetBucketAcl's answer.
func aclFromAPI(out *s3.GetBucketAclOutput) *snapshot.BucketACL {
	acl := &snapshot.BucketACL{Grants: []snapshot.Grant{}}
	if out.Owner != nil {
		acl.OwnerID = aws.ToString(out.Owner.ID)
	}
	for _, g := range out.Grants {
		gr := snapshot.Grant{Permission: string(g.Permission)}
		if ge := g.Grantee; ge != nil {
			gr.Type = string(ge.Type)
			gr.ID, gr.URI = aws.ToString(ge.ID), aws.ToString(ge.URI)
			gr.DisplayName, gr.Email = aws.ToString(ge.DisplayName), aws.ToString(ge.EmailAddress)
		}
		if gr.Type == "" && gr.URI != "" {
			gr.Type = string(s3types.TypeGroup)
		}
		acl.Grants = append(acl.Grants, gr)
	}
	return acl
}
