// Package bound computes, from what a workload seeded into an account, the
// least AWS API calls a full evaluation needs (per IAM action) and the
// critical path of those calls: the longest chain of calls that must wait
// for one another, at a given per-call latency.
//
// The bound is derived from the data each call needs, not from how the
// inventory happens to read: a call is in the bound only when some rule
// reads its answer, and it is made once per distinct resource.
package bound

import (
	"maps"
	"slices"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// The IAM actions the bound counts (the emulator's request log uses the
// same names).
const (
	GetCallerIdentity          = "sts:GetCallerIdentity"
	DescribeRegions            = "ec2:DescribeRegions"
	DescribeTrails             = "cloudtrail:DescribeTrails"
	GetTrailStatus             = "cloudtrail:GetTrailStatus"
	GetEventSelectors          = "cloudtrail:GetEventSelectors"
	GetInsightSelectors        = "cloudtrail:GetInsightSelectors"
	ListTags                   = "cloudtrail:ListTags"
	LookupEvents               = "cloudtrail:LookupEvents"
	ListBuckets                = "s3:ListAllMyBuckets"
	GetBucketLocation          = "s3:GetBucketLocation"
	GetBucketLogging           = "s3:GetBucketLogging"
	GetBucketVersioning        = "s3:GetBucketVersioning"
	GetBucketAcl               = "s3:GetBucketAcl"
	GetBucketPolicyStatus      = "s3:GetBucketPolicyStatus"
	GetBucketPublicAccessBlock = "s3:GetBucketPublicAccessBlock"
	GetBucketOwnershipControls = "s3:GetBucketOwnershipControls"
	GetBucketTagging           = "s3:GetBucketTagging"
	GetAccountPublicAccess     = "s3:GetAccountPublicAccessBlock"
	GetTopicAttributes         = "sns:GetTopicAttributes"
	DescribeKey                = "kms:DescribeKey"
)

// RulesNeed is what a full evaluation of the fourteen rules reads
// (every rule's facts): regions, trails with their status and event selectors, the
// trail buckets' logging, versioning and publicity, topics, keys and
// configuration-change events. No rule reads tags or insight selectors, so
// the finding table must not call ListTags, GetBucketTagging or
// GetInsightSelectors unless its tags column is asked for.
const RulesNeed = snapshot.NeedRegions | snapshot.NeedTrails | snapshot.NeedTrailStatus |
	snapshot.NeedEventSelectors | snapshot.NeedBucketLogging | snapshot.NeedBucketVersioning |
	snapshot.NeedBucketPublic | snapshot.NeedTopics | snapshot.NeedKeys | snapshot.NeedConfigChanges

// listTagsBatch is the most trail ARNs one cloudtrail:ListTags call accepts.
const listTagsBatch = 20

// Trail is what the bound needs to know of one trail.
type Trail struct {
	ARN, HomeRegion, OwnerAccountID string
	// Bucket, TopicARN and KeyARN are what the trail names ("" = none).
	Bucket, TopicARN, KeyARN string
	// HasInsightSelectors is DescribeTrails' HasInsightSelectors.
	HasInsightSelectors bool
}

// Account is what one workload seeded into one account, as far as the
// calls depend on it.
type Account struct {
	AccountID string
	// Regions are the enabled (evaluated) regions.
	Regions []string
	// Trails are the account's trails, each once.
	Trails []Trail
	// UnlistedBuckets are trail buckets that the account's ListBuckets does
	// not list (another account's, or deleted): one GetBucketLocation tells
	// which (AccessDenied or NoSuchBucket), and nothing else of them is read.
	UnlistedBuckets []string
	// LookupPages is the number of LookupEvents pages (EventSource
	// cloudtrail.amazonaws.com, the lookback window, 50 a page) per region;
	// a missing region counts one page (an empty answer is one call too).
	LookupPages map[string]int
	// ListBucketsPages is the number of ListBuckets pages (0 counts as 1).
	ListBucketsPages int
}

// OwnBuckets returns the distinct buckets named by the trails that the
// account owns, sorted.
func (a Account) OwnBuckets() []string {
	var out []string
	for _, t := range a.Trails {
		if t.Bucket != "" && !slices.Contains(a.UnlistedBuckets, t.Bucket) {
			out = append(out, t.Bucket)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Buckets returns the distinct buckets named by the trails, sorted.
func (a Account) Buckets() []string { return a.distinct(func(t Trail) string { return t.Bucket }) }

// Topics returns the distinct topic ARNs the trails name, sorted.
func (a Account) Topics() []string { return a.distinct(func(t Trail) string { return t.TopicARN }) }

// Keys returns the distinct KMS key ARNs the trails name, sorted.
func (a Account) Keys() []string { return a.distinct(func(t Trail) string { return t.KeyARN }) }

func (a Account) distinct(field func(Trail) string) []string {
	var out []string
	for _, t := range a.Trails {
		if v := field(t); v != "" {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// pages returns the LookupEvents pages of region (at least 1).
func (a Account) pages(region string) int { return max(a.LookupPages[region], 1) }

// Calls is the least number of calls, by IAM action, that reading the
// facts in need takes for the account:
//
//   - sts:GetCallerIdentity once (the account and partition);
//   - ec2:DescribeRegions once;
//   - cloudtrail:DescribeTrails once per enabled region;
//   - per distinct trail: GetTrailStatus, GetEventSelectors, and
//     GetInsightSelectors when it has insight selectors; ListTags once per
//     20 trails sharing a home region and owner;
//   - s3:ListAllMyBuckets once per page, then GetBucketLocation per distinct
//     trail bucket (for a bucket ListBuckets does not list, the one call
//     that tells another account's from a deleted one), and per own bucket
//     the bucket facts asked for (logging, versioning, and for publicity
//     ACL, policy status, Public Access Block, ownership controls), plus
//     the account Public Access Block once when there is an own bucket;
//   - sns:GetTopicAttributes per distinct topic, kms:DescribeKey per
//     distinct key;
//   - cloudtrail:LookupEvents once per page per region.
//
// Actions with no calls are left out.
func Calls(a Account, need snapshot.Need) map[string]int {
	need = need.WithDependencies()
	c := map[string]int{GetCallerIdentity: 1}
	add := func(action string, n int) {
		if n > 0 {
			c[action] += n
		}
	}
	if need.Has(snapshot.NeedRegions) {
		add(DescribeRegions, 1)
	}
	if need.Has(snapshot.NeedConfigChanges) {
		for _, r := range a.Regions {
			add(LookupEvents, a.pages(r))
		}
	}
	if !need.Has(snapshot.NeedTrails) {
		return c
	}
	add(DescribeTrails, len(a.Regions))
	for _, t := range a.Trails {
		if need.Has(snapshot.NeedTrailStatus) {
			add(GetTrailStatus, 1)
		}
		if need.Has(snapshot.NeedEventSelectors) {
			add(GetEventSelectors, 1)
		}
		if need.Has(snapshot.NeedInsightSelectors) && t.HasInsightSelectors {
			add(GetInsightSelectors, 1)
		}
	}
	if need.Has(snapshot.NeedTrailTags) {
		for _, n := range tagGroups(a.Trails) {
			add(ListTags, (n+listTagsBatch-1)/listTagsBatch)
		}
	}
	if need.Has(snapshot.NeedTopics) {
		add(GetTopicAttributes, len(a.Topics()))
	}
	if need.Has(snapshot.NeedKeys) {
		add(DescribeKey, len(a.Keys()))
	}
	if need.NeedsBucket() && hasBucket(a.Trails) {
		add(ListBuckets, max(a.ListBucketsPages, 1))
		own := len(a.OwnBuckets())
		add(GetBucketLocation, len(a.Buckets()))
		for _, action := range bucketActions(need) {
			add(action, own)
		}
		if need.Has(snapshot.NeedBucketPublic) && own > 0 {
			add(GetAccountPublicAccess, 1)
		}
	}
	return c
}

// Sum adds call counts.
func Sum(counts ...map[string]int) map[string]int {
	out := map[string]int{}
	for _, c := range counts {
		for k, v := range c {
			out[k] += v
		}
	}
	return out
}

// Total is the number of calls in counts.
func Total(counts map[string]int) int {
	n := 0
	for _, v := range counts {
		n += v
	}
	return n
}

// Diff lists the actions whose counts differ, as action -> [got, want].
func Diff(got, want map[string]int) map[string][2]int {
	out := map[string][2]int{}
	keys := slices.Collect(maps.Keys(got))
	keys = append(keys, slices.Collect(maps.Keys(want))...)
	for _, k := range keys {
		if got[k] != want[k] {
			out[k] = [2]int{got[k], want[k]}
		}
	}
	return out
}

// bucketActions are the per-bucket reads need asks for, after GetBucketLocation.
func bucketActions(need snapshot.Need) []string {
	var out []string
	if need.Has(snapshot.NeedBucketLogging) {
		out = append(out, GetBucketLogging)
	}
	if need.Has(snapshot.NeedBucketVersioning) {
		out = append(out, GetBucketVersioning)
	}
	if need.Has(snapshot.NeedBucketPublic) {
		out = append(out, GetBucketAcl, GetBucketPolicyStatus, GetBucketPublicAccessBlock, GetBucketOwnershipControls)
	}
	if need.Has(snapshot.NeedBucketTags) {
		out = append(out, GetBucketTagging)
	}
	return out
}

func hasBucket(trails []Trail) bool {
	return slices.ContainsFunc(trails, func(t Trail) bool { return t.Bucket != "" })
}

// tagGroups counts the trails per home region and owner (one ListTags
// batch cannot mix them).
func tagGroups(trails []Trail) map[string]int {
	out := map[string]int{}
	for _, t := range trails {
		out[t.HomeRegion+"|"+t.OwnerAccountID]++
	}
	return out
}
