package cloudtrailcc

import (
	"cmp"
	"fmt"
	"iter"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/turbot/steampipe-plugin-sdk/v5/grpc/proto"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// bucketRow is one S3 bucket that trails deliver to.
type bucketRow struct {
	acct   *snapshot.Account
	name   string
	arn    string
	trails []string
	b      *snapshot.Bucket // nil when no bucket fact was read
	public *rules.Finding   // the bucket_not_public finding, when evaluated
}

// bucketLocation is the fact kind that brings a bucket's region and
// ownership (s3:ListBuckets and s3:GetBucketLocation come with every
// per-bucket fact).
const bucketLocation = snapshot.NeedBucketLogging

// bucketField returns a getter of a bucket fact (NULL when not read).
func bucketField(f func(*snapshot.Bucket) any) func(bucketRow) any {
	return func(x bucketRow) any {
		if x.b == nil {
			return nil
		}
		return f(x.b)
	}
}

// bucketPart returns a getter of one part of a bucket fact: NULL when the
// bucket was not read or part gives nil (the read failed, or S3 has none).
func bucketPart[P any](part func(*snapshot.Bucket) *P, f func(*P) any) func(bucketRow) any {
	return bucketField(func(bk *snapshot.Bucket) any {
		if p := part(bk); p != nil {
			return f(p)
		}
		return nil
	})
}

// bucketLogging, bucketVersioning and bucketPolicy return getters of the
// GetBucketLogging, GetBucketVersioning and GetBucketPolicyStatus facts
// (see bucketPart).
func bucketLogging(f func(*snapshot.BucketLogging) any) func(bucketRow) any {
	return bucketPart(func(bk *snapshot.Bucket) *snapshot.BucketLogging { return bk.Logging }, f)
}

func bucketVersioning(f func(*snapshot.BucketVersioning) any) func(bucketRow) any {
	return bucketPart(func(bk *snapshot.Bucket) *snapshot.BucketVersioning { return bk.Versioning }, f)
}

func bucketPolicy(f func(*snapshot.BucketPolicyStatus) any) func(bucketRow) any {
	return bucketPart(func(bk *snapshot.Bucket) *snapshot.BucketPolicyStatus { return bk.Policy }, f)
}

// pabField returns a getter of one Public Access Block setting: false when
// S3 answered that none is configured (NoSuchPublicAccessBlockConfiguration
// is a fact: nothing is blocked), NULL only when it could not be read.
func pabField(account bool, f func(*snapshot.PublicAccessBlock) bool) func(bucketRow) any {
	return func(x bucketRow) any {
		p, read := x.acct.AccountPublicAccessBlock, x.acct.Loaded.Has(snapshot.NeedBucketPublic) && x.acct.AccountPublicAccessBlockErr == nil
		if !account {
			if x.b == nil {
				return nil
			}
			p, read = x.b.PublicAccessBlock, x.b.PublicAccessBlockRead
		}
		switch {
		case p != nil:
			return f(p)
		case read:
			return false
		}
		return nil
	}
}

// bucketTags returns a getter of the bucket's tags as f gives them: NULL
// when they were not read or the read failed (see read_errors).
func bucketTags(f func(map[string]string) any) func(bucketRow) any {
	return bucketField(func(bk *snapshot.Bucket) any {
		if bk.Tags == nil {
			return nil
		}
		return f(bk.Tags)
	})
}

// ownershipControls is GetBucketOwnershipControls' OwnershipControls.
type ownershipControls struct {
	Rules []ownershipRule `json:"Rules"`
}

// ownershipRule is one rule of ownershipControls.
type ownershipRule struct {
	ObjectOwnership string `json:"ObjectOwnership"`
}

// trailBucketTable is cloudtrailcc_trail_bucket: one row per distinct S3
// bucket named by a trail.
func trailBucketTable() tableSpec[bucketRow] {
	type r = bucketRow
	const lg, ver, pub = snapshot.NeedBucketLogging, snapshot.NeedBucketVersioning, snapshot.NeedBucketPublic
	str, b, js := proto.ColumnType_STRING, proto.ColumnType_BOOL, proto.ColumnType_JSON
	return tableSpec[r]{
		name: "cloudtrailcc_trail_bucket",
		desc: "The S3 buckets CloudTrail trails deliver log files to, one row per bucket however many trails share it: access logging, versioning and MFA Delete, ACL grants, policy status, bucket and account Public Access Block, and whether the bucket is public.",
		base: snapshot.NeedTrails,
		keys: []string{"name"},
		cols: []column[r]{
			{name: "name", typ: str, desc: "The name of the bucket.", get: func(x r) any { return x.name }},
			{name: "arn", typ: str, desc: "The ARN of the bucket.", get: func(x r) any { return x.arn }},
			{name: "trails", typ: js, desc: "ARNs of the trails that deliver log files to the bucket.", get: func(x r) any { return x.trails }},
			{name: "region", typ: str, need: bucketLocation, desc: "The AWS region of the bucket (GetBucketLocation: an empty LocationConstraint is us-east-1, EU is eu-west-1).", get: bucketField(func(bk *snapshot.Bucket) any { return optString(bk.Region) })},
			{name: "owned", typ: b, need: bucketLocation, desc: "Whether the bucket belongs to this account (it is in ListBuckets); null when ListBuckets could not be read.", get: bucketField(func(bk *snapshot.Bucket) any {
				if !bk.OwnedKnown {
					return nil
				}
				return bk.Owned
			})},
			{name: "not_found", typ: b, need: bucketLocation, desc: "Whether S3 answered NoSuchBucket: the trail names a bucket that does not exist.", get: bucketField(func(bk *snapshot.Bucket) any { return bk.NotFound })},
			{name: "owner_id", typ: str, need: pub, desc: "Canonical user ID of the bucket owner (from the bucket ACL).", get: bucketField(func(bk *snapshot.Bucket) any {
				if bk.OwnerID != "" {
					return bk.OwnerID
				}
				if bk.ACL != nil {
					return optString(bk.ACL.OwnerID)
				}
				return nil
			})},
			{name: "logging", typ: js, need: lg, desc: "The server access logging configuration of the bucket (GetBucketLogging's LoggingEnabled: TargetBucket, TargetPrefix); null when logging is off or could not be read.", get: bucketField(func(bk *snapshot.Bucket) any {
				if bk.Logging == nil || bk.Logging.TargetBucket == "" {
					return nil
				}
				return s3types.LoggingEnabled{TargetBucket: aws.String(bk.Logging.TargetBucket), TargetPrefix: aws.String(bk.Logging.TargetPrefix)}
			})},
			{name: "logging_target_bucket", typ: str, need: lg, desc: "Specifies the bucket where you want Amazon S3 to store server access logs; null when server access logging is off or could not be read.", get: bucketLogging(func(l *snapshot.BucketLogging) any { return optString(l.TargetBucket) })},
			{name: "logging_target_prefix", typ: str, need: lg, desc: "A prefix for all log object keys of the server access logs.", get: bucketLogging(func(l *snapshot.BucketLogging) any { return optString(l.TargetPrefix) })},
			{name: "versioning_status", typ: str, need: ver, desc: "The versioning state of the bucket: Enabled or Suspended; null when versioning was never configured or could not be read.", get: bucketVersioning(func(v *snapshot.BucketVersioning) any { return optString(v.Status) })},
			{name: "versioning_enabled", typ: b, need: ver, desc: "Whether versioning is enabled on the bucket (false when it is suspended or was never configured); null when it could not be read.", get: bucketVersioning(func(v *snapshot.BucketVersioning) any { return v.Status == "Enabled" })},
			{name: "versioning_mfa_delete", typ: b, need: ver, desc: "Whether MFA Delete is enabled in the bucket versioning configuration (false when it is disabled or was never configured); null when it could not be read.", get: bucketVersioning(func(v *snapshot.BucketVersioning) any { return v.MFADelete == "Enabled" })},
			{name: "acl", typ: js, need: pub, desc: "The access control list of the bucket (GetBucketAcl): its Owner and its Grants, each a Grantee (Type, ID or URI) and a Permission; null when it could not be read.", get: bucketPart(func(bk *snapshot.Bucket) *snapshot.BucketACL { return bk.ACL }, func(a *snapshot.BucketACL) any { return bucketACL(a) })},
			{name: "policy_exists", typ: b, need: pub, desc: "Whether the bucket has a bucket policy (GetBucketPolicyStatus answers NoSuchBucketPolicy when it has none).", get: bucketPolicy(func(p *snapshot.BucketPolicyStatus) any { return p.Exists })},
			{name: "bucket_policy_is_public", typ: b, need: pub, desc: "The policy status for this bucket. TRUE indicates that this bucket is public. FALSE indicates that the bucket is not public (false as well when there is no policy).", get: bucketPolicy(func(p *snapshot.BucketPolicyStatus) any { return p.IsPublic })},
			{name: "block_public_acls", typ: b, need: pub, desc: "Specifies whether Amazon S3 should block public access control lists (ACLs) for this bucket; false when the bucket has no Public Access Block configuration, null when it could not be read.", get: pabField(false, func(p *snapshot.PublicAccessBlock) bool { return p.BlockPublicAcls })},
			{name: "ignore_public_acls", typ: b, need: pub, desc: "Specifies whether Amazon S3 should ignore public ACLs for this bucket; false when the bucket has no Public Access Block configuration, null when it could not be read.", get: pabField(false, func(p *snapshot.PublicAccessBlock) bool { return p.IgnorePublicAcls })},
			{name: "block_public_policy", typ: b, need: pub, desc: "Specifies whether Amazon S3 should block public bucket policies for this bucket; false when the bucket has no Public Access Block configuration, null when it could not be read.", get: pabField(false, func(p *snapshot.PublicAccessBlock) bool { return p.BlockPublicPolicy })},
			{name: "restrict_public_buckets", typ: b, need: pub, desc: "Specifies whether Amazon S3 should restrict public bucket policies for this bucket; false when the bucket has no Public Access Block configuration, null when it could not be read.", get: pabField(false, func(p *snapshot.PublicAccessBlock) bool { return p.RestrictPublicBuckets })},
			{name: "account_block_public_acls", typ: b, need: pub, desc: "Account-level Public Access Block: whether Amazon S3 blocks public ACLs; false when the account has none configured, null when it could not be read.", get: pabField(true, func(p *snapshot.PublicAccessBlock) bool { return p.BlockPublicAcls })},
			{name: "account_ignore_public_acls", typ: b, need: pub, desc: "Account-level Public Access Block: whether Amazon S3 ignores public ACLs; false when the account has none configured, null when it could not be read.", get: pabField(true, func(p *snapshot.PublicAccessBlock) bool { return p.IgnorePublicAcls })},
			{name: "account_block_public_policy", typ: b, need: pub, desc: "Account-level Public Access Block: whether Amazon S3 blocks public bucket policies; false when the account has none configured, null when it could not be read.", get: pabField(true, func(p *snapshot.PublicAccessBlock) bool { return p.BlockPublicPolicy })},
			{name: "account_restrict_public_buckets", typ: b, need: pub, desc: "Account-level Public Access Block: whether Amazon S3 restricts public bucket policies; false when the account has none configured, null when it could not be read.", get: pabField(true, func(p *snapshot.PublicAccessBlock) bool { return p.RestrictPublicBuckets })},
			{name: "object_ownership_controls", typ: js, need: pub, desc: "The bucket's Object Ownership controls as GetBucketOwnershipControls returns them, e.g. {\"Rules\": [{\"ObjectOwnership\": \"BucketOwnerEnforced\"}]} (BucketOwnerEnforced disables ACLs); null when none is configured or they could not be read (see read_errors).", get: bucketField(func(bk *snapshot.Bucket) any {
				if bk.ObjectOwnership == "" {
					return nil
				}
				return ownershipControls{Rules: []ownershipRule{{ObjectOwnership: bk.ObjectOwnership}}}
			})},
			{name: "is_public", typ: b, need: pub, desc: "Whether the bucket is public through an ACL grant or its policy after Public Access Block and Object Ownership are applied (the bucket_not_public rule); null when that could not be decided.", get: func(x r) any {
				if x.public == nil {
					return nil
				}
				switch x.public.Status {
				case rules.StatusAlarm:
					return true
				case rules.StatusOK:
					return false
				}
				return nil
			}},
			{name: "public_reason", typ: str, need: pub, desc: "Why the bucket is or is not public, or why that could not be decided.", get: func(x r) any {
				if x.public == nil {
					return nil
				}
				return optString(x.public.Reason)
			}},
			{name: "tags", typ: js, need: snapshot.NeedBucketTags, desc: "A map of tags for the bucket (GetBucketTagging), {} when it has none (S3 answers NoSuchTagSet); null when they could not be read (see read_errors) or the bucket belongs to another account. Read only when this column or tags_src is asked for (s3:GetBucketTagging).", get: bucketTags(func(tags map[string]string) any { return tags })},
			{name: "tags_src", typ: js, need: snapshot.NeedBucketTags, desc: "A list of tags assigned to the bucket as GetBucketTagging returns them ([{\"Key\": ..., \"Value\": ...}], sorted by key), [] when it has none; null when they could not be read.", get: bucketTags(func(tags map[string]string) any { return tagsSrc(tags) })},
			{name: "read_errors", typ: js, need: lg | ver | pub, desc: "The S3 reads that failed for this bucket, and the account-level ones its verdicts depend on (ListBuckets, account Public Access Block), by IAM action, e.g. {\"s3:GetBucketLogging\": \"s3:GetBucketLogging failed: AccessDenied: ...\"}, and s3:GetBucketTagging when the tags were asked for and could not be read; empty when every read succeeded.", get: func(x r) any { return bucketReadErrors(x) }},
			{name: "account_id", typ: str, desc: "The AWS account ID the row belongs to: the bucket's owner when it is an audited account, else the account whose trails deliver to it.", get: func(x r) any { return x.acct.AccountID }},
			{name: "partition", typ: str, desc: "The AWS partition (aws, aws-cn or aws-us-gov).", get: func(x r) any { return partitionOf(x.acct) }},
			{name: "title", typ: str, desc: "Title of the resource: the bucket name.", get: func(x r) any { return x.name }},
			{name: "akas", typ: js, desc: "Array of globally unique identifier strings (also known as) for the resource: the bucket ARN.", get: func(x r) any { return []string{x.arn} }},
		},
		orgStream: bucketRows,
	}
}

// bucketRows yields one row per trail bucket: under the read account that
// owns it (with its facts and every read trail that delivers to it), or,
// for a bucket no read account owns, under each account whose own trails
// name it. A trail of another read account (an organization trail seen
// from a member) is counted once, in its owner. A first pass keeps only
// each row's trail ARNs; the rows are then made in order, decoding one
// holding account at a time.
func bucketRows(q *query, org *snapshot.Organization) iter.Seq[bucketRow] {
	type key struct{ account, name string }
	trails := map[key][]string{}
	for acct := range org.Each() {
		for _, t := range acct.Trails {
			name := t.S3BucketName
			if name == "" || !q.match("name", name) || org.HeldElsewhere(acct.AccountID, t) {
				continue
			}
			holder := acct.AccountID
			if owner := org.BucketOwner(name); owner != "" {
				holder = owner
			}
			k := key{holder, name}
			if !slices.Contains(trails[k], t.ARN) {
				trails[k] = append(trails[k], t.ARN)
			}
		}
	}
	public := map[key]*rules.Finding{}
	if first := org.First(); first != nil && first.Loaded.Has(snapshot.NeedBucketPublic) {
		for _, f := range rules.EvaluateOrganization(org, "bucket_not_public") {
			k := key{f.AccountID, bucketNameOf(f.Resource)}
			if _, ok := trails[k]; ok {
				public[k] = &f
			}
		}
	}
	keys := slices.SortedFunc(maps.Keys(trails), func(a, b key) int {
		return cmp.Or(strings.Compare(a.account, b.account), strings.Compare(a.name, b.name))
	})
	return func(yield func(bucketRow) bool) {
		var holder *snapshot.Account
		for _, k := range keys {
			if holder == nil || holder.AccountID != k.account {
				holder = org.Account(k.account)
			}
			arns := trails[k]
			sort.Strings(arns)
			row := bucketRow{acct: holder, name: k.name, arn: fmt.Sprintf("arn:%s:s3:::%s", partitionOf(holder), k.name),
				trails: arns, b: holder.Buckets[k.name], public: public[k]}
			if !yield(row) {
				return
			}
		}
	}
}

// bucketNameOf returns the bucket name of an S3 bucket ARN ("" otherwise).
func bucketNameOf(arn string) string {
	if _, name, ok := strings.Cut(arn, ":s3:::"); ok {
		return name
	}
	return ""
}

// bucketReadErrors maps each failed read of the bucket to its error.
func bucketReadErrors(x bucketRow) map[string]string {
	out := map[string]string{}
	add := func(e *snapshot.ReadError) {
		if e != nil {
			out[e.Action] = e.Error()
		}
	}
	add(x.acct.OwnBucketsErr)
	add(x.acct.AccountPublicAccessBlockErr)
	if b := x.b; b != nil {
		for _, e := range []*snapshot.ReadError{b.RegionErr, b.LoggingErr, b.VersioningErr, b.ACLErr, b.PolicyErr, b.PublicAccessBlockErr, b.OwnershipErr, b.TagsErr} {
			add(e)
		}
	}
	return out
}

// bucketACL is the bucket's ACL in GetBucketAcl's shape (Owner, Grants).
func bucketACL(a *snapshot.BucketACL) map[string]any {
	grants := make([]s3types.Grant, 0, len(a.Grants))
	for _, g := range a.Grants {
		grants = append(grants, s3types.Grant{
			Grantee: &s3types.Grantee{
				Type:         s3types.Type(g.Type),
				ID:           optPtr(g.ID),
				URI:          optPtr(g.URI),
				DisplayName:  optPtr(g.DisplayName),
				EmailAddress: optPtr(g.Email),
			},
			Permission: s3types.Permission(g.Permission),
		})
	}
	out := map[string]any{"Grants": grants, "Owner": nil}
	if a.OwnerID != "" {
		out["Owner"] = s3types.Owner{ID: aws.String(a.OwnerID)}
	}
	return out
}

// optPtr is &s, or nil for "".
func optPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
