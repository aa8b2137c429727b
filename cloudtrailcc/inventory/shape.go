package inventory

import (
	"cmp"
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	ctypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// codeMalformed is the error code of a reply that does not have the shape
// of its API: a fact read from it is a read error, never a fact.
const codeMalformed = "MalformedResponse"

// malformedError is a successful (2xx) reply that lacks what its API always
// returns: an empty body, a body of another content type (a proxy's login
// page), a document that does not parse, or one without a required element.
// It is an API error with code MalformedResponse (so a rule names it), of
// class other, and never retried: the same server gives the same answer.
type malformedError struct{ what string }

func malformed(what string) error { return &malformedError{what: what} }

// Error returns "malformed response: WHAT".
func (e *malformedError) Error() string { return "malformed response: " + e.what }

// ErrorCode returns MalformedResponse.
func (e *malformedError) ErrorCode() string { return codeMalformed }

// ErrorMessage returns Error().
func (e *malformedError) ErrorMessage() string { return e.Error() }

// ErrorFault blames the server.
func (e *malformedError) ErrorFault() smithy.ErrorFault { return smithy.FaultServer }

// asMalformed returns err as a *malformedError, nil when it is not one.
func asMalformed(err error) *malformedError {
	var m *malformedError
	if errors.As(err, &m) {
		return m
	}
	return nil
}

// addShapeCheck adds the middleware that refuses a parsed reply without
// the elements its API always returns (shapeMissing).
func addShapeCheck(st *middleware.Stack) error {
	return st.Initialize.Add(middleware.InitializeMiddlewareFunc("cloudtrailccShapeCheck",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleInitialize(ctx, in)
			if err == nil {
				if what := shapeMissing(out.Result); what != "" {
					return out, md, malformed(what)
				}
			}
			return out, md, err
		}), middleware.After)
}

// shapeMissing says what a parsed reply lacks of its API's shape ("" when
// nothing): the elements AWS always returns and the readers rely on.
func shapeMissing(out any) string {
	switch o := out.(type) {
	case *sts.GetCallerIdentityOutput:
		return cmp.Or(need(aws.ToString(o.Account) != "", "no Account"), need(aws.ToString(o.Arn) != "", "no Arn"))
	case *ec2.DescribeRegionsOutput:
		return listMissing(o.Regions, "regions", true, func(r ec2types.Region) string {
			return need(validRegion(aws.ToString(r.RegionName)), "a region without a valid RegionName")
		})
	case *cloudtrail.DescribeTrailsOutput:
		return listMissing(o.TrailList, "trailList", false, func(t ctypes.Trail) string {
			return cmp.Or(need(aws.ToString(t.TrailARN) != "", "a trail without TrailARN"),
				need(aws.ToString(t.Name) != "", "a trail without Name"),
				need(validRegion(aws.ToString(t.HomeRegion)), "a trail without a valid HomeRegion"))
		})
	case *cloudtrail.GetTrailStatusOutput:
		return need(o.IsLogging != nil, "no IsLogging")
	case *cloudtrail.GetEventSelectorsOutput:
		return need(o.EventSelectors != nil || o.AdvancedEventSelectors != nil, "neither EventSelectors nor AdvancedEventSelectors")
	case *cloudtrail.GetInsightSelectorsOutput:
		return need(o.InsightSelectors != nil, "no InsightSelectors")
	case *cloudtrail.ListTagsOutput:
		return listMissing(o.ResourceTagList, "ResourceTagList", false, func(rt ctypes.ResourceTag) string {
			return need(aws.ToString(rt.ResourceId) != "", "a resource without ResourceId")
		})
	case *cloudtrail.LookupEventsOutput:
		return listMissing(o.Events, "Events", false, func(e ctypes.Event) string {
			return need(aws.ToString(e.EventName) != "" && e.EventTime != nil, "an event without EventName or EventTime")
		})
	case *sns.GetTopicAttributesOutput:
		return need(o.Attributes["TopicArn"] != "", "no TopicArn attribute")
	case *kms.DescribeKeyOutput:
		return need(o.KeyMetadata != nil && o.KeyMetadata.KeyState != "", "no KeyMetadata.KeyState")
	case *s3.ListBucketsOutput:
		return need(o.Owner != nil, "no Owner")
	case *s3.GetBucketAclOutput:
		return need(o.Owner != nil && aws.ToString(o.Owner.ID) != "", "no Owner")
	case *s3.GetBucketPolicyStatusOutput:
		return need(o.PolicyStatus != nil && o.PolicyStatus.IsPublic != nil, "no PolicyStatus.IsPublic")
	case *s3.GetBucketOwnershipControlsOutput:
		oc := o.OwnershipControls
		return need(oc != nil && len(oc.Rules) > 0 && oc.Rules[0].ObjectOwnership != "", "no OwnershipControls rule")
	}
	// Replies whose elements are all optional (versioning, logging, location,
	// Public Access Block) are checked by their root element (xmlRoot).
	return ""
}

// need returns what when ok is false, "" otherwise.
func need(ok bool, what string) string {
	if ok {
		return ""
	}
	return what
}

// listMissing checks a list of a reply: present (and not empty when
// nonEmpty), each item complete (item says what it lacks).
func listMissing[T any](list []T, name string, nonEmpty bool, item func(T) string) string {
	if list == nil || (nonEmpty && len(list) == 0) {
		return "no " + name
	}
	for _, v := range list {
		if what := item(v); what != "" {
			return what
		}
	}
	return ""
}

// xmlRoot is the root element of the XML reply of action: S3's from its
// API reference, the query protocols' (STS, SNS, EC2) OPERATIONResponse.
// "" for JSON protocols.
func xmlRoot(service, operation, action string) string {
	switch service {
	case "S3", "S3 Control":
		return s3Roots[action]
	case "STS", "SNS", "EC2":
		return operation + "Response"
	}
	return ""
}

// s3Roots are the root elements of the S3 replies read, by IAM action.
var s3Roots = map[string]string{
	"s3:ListAllMyBuckets":            "ListAllMyBucketsResult",
	"s3:GetBucketAcl":                "AccessControlPolicy",
	"s3:GetBucketLocation":           "LocationConstraint",
	"s3:GetBucketLogging":            "BucketLoggingStatus",
	"s3:GetBucketVersioning":         "VersioningConfiguration",
	"s3:GetBucketPolicyStatus":       "PolicyStatus",
	"s3:GetBucketPublicAccessBlock":  "PublicAccessBlockConfiguration",
	"s3:GetAccountPublicAccessBlock": "PublicAccessBlockConfiguration",
	"s3:GetBucketOwnershipControls":  "OwnershipControls",
}

// validRegion reports whether name is a syntactically valid region name
// (regionPattern): nothing else (no dots, slashes, spaces or newlines) may
// reach an endpoint or a signature.
func validRegion(name string) bool { return regionPattern.MatchString(name) }

// regionPartitions maps region-name prefixes to their partition; any other
// valid name is in "aws". Longest prefixes first.
var regionPartitions = []struct{ prefix, partition string }{
	{"us-gov-", "aws-us-gov"},
	{"us-isob-", "aws-iso-b"},
	{"us-isof-", "aws-iso-f"},
	{"us-iso-", "aws-iso"},
	{"eu-isoe-", "aws-iso-e"},
	{"cn-", "aws-cn"},
}

// regionPartition returns the partition of a valid region name.
func regionPartition(name string) string {
	for _, p := range regionPartitions {
		if strings.HasPrefix(name, p.prefix) {
			return p.partition
		}
	}
	return "aws"
}
