package rules

// Which buckets a rule evaluates, and the bucket facts it may use.

import (
	"sort"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// bucketFact names one per-bucket fact: its need and IAM action.
type bucketFact struct {
	need   snapshot.Need
	action string
}

// forEachBucket runs fn for each distinct S3 bucket named by the evaluated
// trails that this account owns and that exists. Buckets of other accounts,
// missing buckets and buckets whose facts were not read are reported here;
// "no trails" gives the account-level skip.
func (c *evalCtx) forEachBucket(fact bucketFact, fn func(b *snapshot.Bucket, resource string, ev map[string]any)) {
	var byBucket map[string][]string
	if c.org != nil {
		var ok bool
		if byBucket, ok = c.orgBuckets(); !ok {
			return
		}
	} else {
		ts, ok := c.listedTrails()
		if !ok {
			return
		}
		byBucket = map[string][]string{}
		for _, t := range ts {
			if t.S3BucketName != "" {
				byBucket[t.S3BucketName] = append(byBucket[t.S3BucketName], t.ARN)
			}
		}
		if len(byBucket) == 0 && len(ts) > 0 {
			c.skip(c.accountARN(), "", "no CloudTrail trail in this account names an S3 bucket", map[string]any{"trails": len(ts)})
			return
		}
	}
	names := make([]string, 0, len(byBucket))
	for n := range byBucket {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		res := c.bucketARN(name)
		ev := map[string]any{"bucket": name, "trails": byBucket[name]}
		b := c.acct.Buckets[name]
		if b == nil || !c.acct.Loaded.Has(fact.need) {
			c.readError(res, "", "bucket "+name, notRead(fact.action), ev)
			continue
		}
		if b.Region != "" {
			ev["bucket_region"] = b.Region
		}
		switch {
		case b.NotFound:
			ev["not_found"] = true
			c.skip(res, b.Region, "bucket "+name+" does not exist (NoSuchBucket); delivery_failing reports what this does to the trail", ev)
		case b.OwnedKnown && !b.Owned && c.ownerUnlisted(name, res, b.Region, ev):
		case b.OwnedKnown && !b.Owned:
			ev["owned"] = false
			c.skip(res, b.Region, "bucket "+name+" belongs to another account"+c.outsideAudit()+" (it is not in this account's ListBuckets)", ev)
		case !b.OwnedKnown:
			// Another account's bucket would be skipped: without ListBuckets
			// no verdict is safe.
			err := c.acct.OwnBucketsErr
			if err == nil {
				err = notRead("s3:ListAllMyBuckets")
			}
			c.readError(res, b.Region, "whether bucket "+name+" belongs to this account", err, ev)
		default:
			fn(b, res, ev)
		}
	}
}

// ownerUnlisted reports, with an error finding, a bucket that no listing of
// an organization audit names while an audited account's ListBuckets
// failed: the bucket may be that account's, and judging it "another
// account's" could hide its alarms. false (nothing emitted) otherwise.
func (c *evalCtx) ownerUnlisted(name, res, region string, ev map[string]any) bool {
	account, err := c.unlistedBuckets()
	if err == nil {
		return false
	}
	ev["unlisted_account_id"] = account
	c.readError(res, region, "which audited account owns bucket "+name+" (account "+account+"'s bucket list)", err, ev)
	return true
}

// usableBucketFact checks one fact of an own bucket: true when usable;
// otherwise it emits skip (NoSuchBucket) or error and returns false.
func (c *evalCtx) usableBucketFact(b *snapshot.Bucket, res string, ev map[string]any, action string, present bool, rerr *snapshot.ReadError) bool {
	err := c.factErr(0, action, present, rerr)
	if err == nil {
		return true
	}
	if err.Code == "NoSuchBucket" {
		ev["error"] = errEvidence(err)
		c.skip(res, b.Region, "bucket "+b.Name+" does not exist ("+action+": NoSuchBucket)", ev)
		return false
	}
	c.readError(res, b.Region, "bucket "+b.Name, err, ev)
	return false
}
