package inventory

import (
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	ctypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// replyShapes declares, by IAM action, the shape of the successful reply of
// every AWS operation the inventory and the organization audit call. An
// element AWS always returns and the verdicts need is required; an element
// AWS leaves out to say "none" is read as AWS means it. A form other
// servers send (another root name, an element left out that AWS sends) is
// accepted only when no reading of it can move a verdict toward ok: its
// absence reads as the less safe fact (logging off, nothing blocked, no MFA
// Delete) or no rule reads it. docs/replies.md lists the shapes and the
// forms accepted beyond AWS's own, and why.
var replyShapes = map[string]replyShape{
	"sts:GetCallerIdentity": {roots: []string{"GetCallerIdentityResponse"},
		check: shapeOf(func(o *sts.GetCallerIdentityOutput) string {
			return firstMissing(need(validAccountID(aws.ToString(o.Account)), "no 12-digit Account"),
				need(aws.ToString(o.Arn) != "", "no Arn"))
		})},
	"sts:AssumeRole": {roots: []string{"AssumeRoleResponse"},
		check: shapeOf(func(o *sts.AssumeRoleOutput) string {
			cr := o.Credentials
			if cr == nil {
				return "no Credentials"
			}
			return firstMissing(need(aws.ToString(cr.AccessKeyId) != "", "no Credentials.AccessKeyId"),
				need(aws.ToString(cr.SecretAccessKey) != "", "no Credentials.SecretAccessKey"),
				need(aws.ToString(cr.SessionToken) != "", "no Credentials.SessionToken"),
				need(o.AssumedRoleUser != nil && aws.ToString(o.AssumedRoleUser.Arn) != "", "no AssumedRoleUser.Arn"))
		})},
	"organizations:ListAccounts": {
		check: shapeOf(func(o *organizations.ListAccountsOutput) string {
			return listMissing(o.Accounts, "Accounts", false, func(a orgtypes.Account) string {
				return firstMissing(need(validAccountID(aws.ToString(a.Id)), "an account without a 12-digit Id"),
					oneOf("account State", AccountState(a),
						"ACTIVE", "SUSPENDED", "PENDING_CLOSURE", "PENDING_ACTIVATION", "CLOSED"))
			})
		})},
	"ec2:DescribeRegions": {roots: []string{"DescribeRegionsResponse"},
		check: shapeOf(func(o *ec2.DescribeRegionsOutput) string {
			return listMissing(o.Regions, "regions", true, func(r ec2types.Region) string {
				return need(validRegion(aws.ToString(r.RegionName)), "a region without a valid RegionName")
			})
		})},
	"cloudtrail:DescribeTrails": {
		check: shapeOf(func(o *cloudtrail.DescribeTrailsOutput) string {
			return listMissing(o.TrailList, "trailList", false, func(t ctypes.Trail) string {
				// Without its bucket a trail's bucket findings would vanish;
				// without IncludeGlobalServiceEvents it would read as false.
				return firstMissing(need(aws.ToString(t.TrailARN) != "", "a trail without TrailARN"),
					need(aws.ToString(t.Name) != "", "a trail without Name"),
					need(validRegion(aws.ToString(t.HomeRegion)), "a trail without a valid HomeRegion"),
					need(aws.ToString(t.S3BucketName) != "", "a trail without S3BucketName"),
					need(t.IncludeGlobalServiceEvents != nil, "a trail without IncludeGlobalServiceEvents"),
					// Read as false they would drop a trail's log integrity
					// verification or its member accounts and regions.
					need(t.LogFileValidationEnabled != nil, "a trail without LogFileValidationEnabled"),
					need(t.IsMultiRegionTrail != nil, "a trail without IsMultiRegionTrail"),
					need(t.IsOrganizationTrail != nil, "a trail without IsOrganizationTrail"))
			})
		})},
	// Log integrity reads the trail's bucket, prefix and home region.
	"cloudtrail:GetTrail": {
		check: shapeOf(func(o *cloudtrail.GetTrailOutput) string {
			t := o.Trail
			if t == nil {
				return "no Trail"
			}
			return firstMissing(need(aws.ToString(t.TrailARN) != "", "a trail without TrailARN"),
				need(validRegion(aws.ToString(t.HomeRegion)), "a trail without a valid HomeRegion"),
				need(aws.ToString(t.S3BucketName) != "", "a trail without S3BucketName"))
		})},
	// A key without its value or fingerprint could verify nothing; an
	// empty list leaves every digest's key unknown, never valid.
	"cloudtrail:ListPublicKeys": {
		check: shapeOf(func(o *cloudtrail.ListPublicKeysOutput) string {
			return listMissing(o.PublicKeyList, "PublicKeyList", false, func(k ctypes.PublicKey) string {
				return firstMissing(need(len(k.Value) > 0, "a public key without Value"),
					need(aws.ToString(k.Fingerprint) != "", "a public key without Fingerprint"))
			})
		})},
	"cloudtrail:GetTrailStatus": {
		check: shapeOf(func(o *cloudtrail.GetTrailStatusOutput) string {
			return need(o.IsLogging != nil, "no IsLogging")
		})},
	"cloudtrail:GetEventSelectors": {
		check: shapeOf(func(o *cloudtrail.GetEventSelectorsOutput) string {
			return need(o.EventSelectors != nil || o.AdvancedEventSelectors != nil, "neither EventSelectors nor AdvancedEventSelectors")
		})},
	// No rule reads insight selectors; without InsightSelectors a trail
	// has none (AWS answers InsightNotEnabledException instead).
	"cloudtrail:GetInsightSelectors": {
		check: shapeOf(func(o *cloudtrail.GetInsightSelectorsOutput) string { return "" })},
	"cloudtrail:ListTags": {
		check: shapeOf(func(o *cloudtrail.ListTagsOutput) string {
			return listMissing(o.ResourceTagList, "ResourceTagList", false, func(rt ctypes.ResourceTag) string {
				return need(aws.ToString(rt.ResourceId) != "", "a resource without ResourceId")
			})
		})},
	"cloudtrail:LookupEvents": {
		check: shapeOf(func(o *cloudtrail.LookupEventsOutput) string {
			// Without its CloudTrailEvent document a change names no trail:
			// it would vanish from the trail's findings.
			return listMissing(o.Events, "Events", false, func(e ctypes.Event) string {
				return firstMissing(need(aws.ToString(e.EventName) != "" && e.EventTime != nil, "an event without EventName or EventTime"),
					need(json.Valid([]byte(aws.ToString(e.CloudTrailEvent))), "an event without a CloudTrailEvent JSON document"))
			})
		})},
	"sns:GetTopicAttributes": {roots: []string{"GetTopicAttributesResponse"},
		check: shapeOf(func(o *sns.GetTopicAttributesOutput) string {
			return need(o.Attributes["TopicArn"] != "", "no TopicArn attribute")
		})},
	"kms:DescribeKey": {
		check: shapeOf(func(o *kms.DescribeKeyOutput) string {
			return need(o.KeyMetadata != nil && o.KeyMetadata.KeyState != "", "no KeyMetadata.KeyState")
		})},
	"s3:ListAllMyBuckets": {roots: []string{"ListAllMyBucketsResult"},
		check: shapeOf(func(o *s3.ListBucketsOutput) string {
			// A bucket left out would be taken for another account's.
			return firstMissing(need(o.Owner != nil, "no Owner"),
				listMissing(o.Buckets, "Buckets", false, func(b s3types.Bucket) string {
					return need(aws.ToString(b.Name) != "", "a bucket without Name")
				}))
		})},
	// Empty means us-east-1; the reader checks any other value is a region.
	"s3:GetBucketLocation": {roots: []string{"LocationConstraint"},
		check: shapeOf(func(o *s3.GetBucketLocationOutput) string { return "" })},
	// Without LoggingEnabled, logging is off (an alarm).
	// A listing must say whether it is complete: a digest or log file left
	// out of a truncated page would read as deleted or never written.
	"s3:ListObjectsV2": {roots: []string{"ListBucketResult"},
		check: shapeOf(func(o *s3.ListObjectsV2Output) string {
			return firstMissing(need(o.IsTruncated != nil, "no IsTruncated"),
				need(!aws.ToBool(o.IsTruncated) || aws.ToString(o.NextContinuationToken) != "", "IsTruncated without NextContinuationToken"),
				objectsMissing(o.Contents))
		})},
	// The object itself: log integrity gunzips, parses and hashes it as
	// it streams, and reports what does not read as an error for the file.
	"s3:GetObject": {stream: true},
	"s3:GetBucketLogging": {roots: []string{"BucketLoggingStatus"},
		check: shapeOf(func(o *s3.GetBucketLoggingOutput) string {
			le := o.LoggingEnabled
			return need(le == nil || aws.ToString(le.TargetBucket) != "", "LoggingEnabled without TargetBucket")
		})},
	// Without Status and MFADelete, versioning and MFA Delete were never
	// configured (an alarm); moto names the same answer
	// GetBucketVersioningResponse.
	"s3:GetBucketVersioning": {roots: []string{"VersioningConfiguration", "GetBucketVersioningResponse"},
		check: shapeOf(func(o *s3.GetBucketVersioningOutput) string {
			return firstMissing(
				optionalOneOf("Status", o.Status, s3types.BucketVersioningStatusEnabled, s3types.BucketVersioningStatusSuspended),
				optionalOneOf("MFADelete", o.MFADelete, s3types.MFADeleteStatusEnabled, s3types.MFADeleteStatusDisabled))
		})},
	// The access control list may be empty (no grants), never absent: a
	// grant left out could be the public one.
	"s3:GetBucketAcl": {roots: []string{"AccessControlPolicy"},
		check: shapeOf(func(o *s3.GetBucketAclOutput) string {
			return firstMissing(need(o.Owner != nil && aws.ToString(o.Owner.ID) != "", "no Owner"),
				listMissing(o.Grants, "AccessControlList", false, grantMissing))
		})},
	"s3:GetBucketPolicyStatus": {roots: []string{"PolicyStatus"},
		check: shapeOf(func(o *s3.GetBucketPolicyStatusOutput) string {
			return need(o.PolicyStatus != nil && o.PolicyStatus.IsPublic != nil, "no PolicyStatus.IsPublic")
		})},
	// An absent flag is false: nothing blocked (toward an alarm).
	"s3:GetBucketPublicAccessBlock": {roots: []string{"PublicAccessBlockConfiguration"},
		check: shapeOf(func(o *s3.GetPublicAccessBlockOutput) string {
			return need(o.PublicAccessBlockConfiguration != nil, "no PublicAccessBlockConfiguration")
		})},
	"s3:GetAccountPublicAccessBlock": {roots: []string{"PublicAccessBlockConfiguration"},
		check: shapeOf(func(o *s3control.GetPublicAccessBlockOutput) string {
			return need(o.PublicAccessBlockConfiguration != nil, "no PublicAccessBlockConfiguration")
		})},
	// BucketOwnerEnforced turns ACLs off, so the value must be known.
	"s3:GetBucketOwnershipControls": {roots: []string{"OwnershipControls"},
		check: shapeOf(func(o *s3.GetBucketOwnershipControlsOutput) string {
			oc := o.OwnershipControls
			if oc == nil || len(oc.Rules) == 0 {
				return "no OwnershipControls rule"
			}
			return oneOf("ObjectOwnership", oc.Rules[0].ObjectOwnership, s3types.ObjectOwnershipBucketOwnerEnforced,
				s3types.ObjectOwnershipBucketOwnerPreferred, s3types.ObjectOwnershipObjectWriter)
		})},
	// Only the tags columns read it. A bucket without tags is the
	// NoSuchTagSet error, not an empty TagSet; a tag without its Key, or a
	// key given twice, would make the map say something S3 did not. An
	// absent Value is the empty value (S3 allows one).
	"s3:GetBucketTagging": {roots: []string{"Tagging"},
		check: shapeOf(func(o *s3.GetBucketTaggingOutput) string {
			seen := map[string]bool{}
			return listMissing(o.TagSet, "TagSet", false, func(t s3types.Tag) string {
				k := aws.ToString(t.Key)
				if k == "" {
					return "a tag without Key"
				}
				if seen[k] {
					return fmt.Sprintf("tag key %q given twice", k)
				}
				seen[k] = true
				return ""
			})
		})},
}

// objectsMissing says what a listing's objects lack: each needs its Key.
// No Contents at all is an empty listing.
func objectsMissing(objects []s3types.Object) string {
	for _, c := range objects {
		if aws.ToString(c.Key) == "" {
			return "an object without Key"
		}
	}
	return ""
}

// optionalOneOf is oneOf for an element that may be absent.
func optionalOneOf[S ~string](name string, value S, known ...S) string {
	if value == "" {
		return ""
	}
	return oneOf(name, value, known...)
}

// grantMissing says what an ACL grant lacks: a known permission and a
// grantee identified as its type requires (a group by its URI, which the
// publicity rule reads).
func grantMissing(g s3types.Grant) string {
	if what := oneOf("grant Permission", g.Permission, s3types.PermissionFullControl, s3types.PermissionWrite,
		s3types.PermissionWriteAcp, s3types.PermissionRead, s3types.PermissionReadAcp); what != "" {
		return what
	}
	ge := g.Grantee
	if ge == nil {
		return "a grant without Grantee"
	}
	switch ge.Type {
	case s3types.TypeGroup:
		return need(aws.ToString(ge.URI) != "", "a Group grantee without URI")
	case s3types.TypeCanonicalUser:
		return need(aws.ToString(ge.ID) != "", "a CanonicalUser grantee without ID")
	case s3types.TypeAmazonCustomerByEmail:
		return need(aws.ToString(ge.EmailAddress) != "", "an AmazonCustomerByEmail grantee without EmailAddress")
	case "":
		return need(aws.ToString(ge.URI) != "" || aws.ToString(ge.ID) != "", "a grantee without type, URI or ID")
	}
	return oneOf("grantee type", ge.Type)
}

// AccountState is the state of an organization account as ListAccounts
// gives it: State, or the older Status when State is absent.
func AccountState(a orgtypes.Account) string {
	if a.State != "" {
		return string(a.State)
	}
	return string(a.Status)
}
