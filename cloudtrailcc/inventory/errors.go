package inventory

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// SetupError is a problem that stops every read: no or invalid credentials,
// an unreachable endpoint, a missing profile. Error() is one line a user can
// act on; Err keeps the underlying error.
type SetupError struct {
	// Reason says what is missing or wrong and how to fix it.
	Reason string
	// Err is the underlying error.
	Err error
}

// Error returns Reason.
func (e *SetupError) Error() string { return e.Reason }

// Unwrap returns the underlying error.
func (e *SetupError) Unwrap() error { return e.Err }

// CallTimeoutError is an attempt that got no answer within the configured
// call timeout. It is not retried: a service or region that does not answer
// would otherwise hold the run for every retry.
type CallTimeoutError struct {
	// Timeout is the configured call timeout.
	Timeout time.Duration
}

// Error says what did not answer and which setting bounds it.
func (e *CallTimeoutError) Error() string {
	return fmt.Sprintf("no answer within %s (call_timeout)", e.Timeout)
}

// CanceledError tells the SDK's retryer not to retry the attempt.
func (e *CallTimeoutError) CanceledError() bool { return true }

// RegionRefusedError is a call to one region refused as if the access key
// were unknown, from credentials that GetCallerIdentity has accepted: AWS
// answers that way in a region the account has not enabled, and a region
// name AWS does not know (as a hostile DescribeRegions may list) has no
// working endpoint. It fails the reads of that region only, never the run.
type RegionRefusedError struct {
	// Region is the region whose endpoint refused the call.
	Region string
	// Err is the SDK's error, carrying the code.
	Err error
}

// Error names the region and why it may refuse.
func (e *RegionRefusedError) Error() string {
	return fmt.Sprintf("region %s refused credentials that AWS accepts elsewhere: the region is not enabled for the account, or is not a region AWS serves", e.Region)
}

// Unwrap returns the SDK's error.
func (e *RegionRefusedError) Unwrap() error { return e.Err }

// unknownKeyCodes are the codes of a key an endpoint does not know: in
// another region than the one that checked the identity, they mean the
// region, not the key.
var unknownKeyCodes = map[string]bool{"InvalidClientTokenId": true, "UnrecognizedClient": true, "InvalidAccessKeyId": true, "AuthFailure": true}

// regionRefusal wraps err as a *RegionRefusedError when a call to region,
// which is not identityRegion, was refused as with an unknown key.
func regionRefusal(err error, region, identityRegion string) error {
	if err == nil || region == identityRegion {
		return err
	}
	if code, _ := errorCode(err); unknownKeyCodes[snapshot.BaseCode(code)] {
		return &RegionRefusedError{Region: region, Err: err}
	}
	return err
}

// credentialCodes are the error codes that make every call fail: setup
// errors, each with the reason a user reads.
var credentialCodes = map[string]string{
	"InvalidClientTokenId":       "AWS does not recognise the access key ID (%s): check access_key, AWS_ACCESS_KEY_ID or the profile's credentials",
	"InvalidAccessKeyId":         "AWS does not recognise the access key ID (%s): check access_key, AWS_ACCESS_KEY_ID or the profile's credentials",
	"UnrecognizedClient":         "AWS does not recognise the access key ID (%s): check access_key, AWS_ACCESS_KEY_ID or the profile's credentials",
	"AuthFailure":                "AWS could not validate the credentials (%s): check access_key/secret_key or the profile's credentials",
	"SignatureDoesNotMatch":      "AWS rejected the request signature (%s): the secret key does not match the access key; check secret_key, AWS_SECRET_ACCESS_KEY or the profile's credentials",
	"InvalidSignature":           "AWS rejected the request signature (%s): the secret key does not match the access key; check secret_key, AWS_SECRET_ACCESS_KEY or the profile's credentials",
	"IncompleteSignature":        "AWS rejected the request signature (%s): check the credentials",
	"ExpiredToken":               "the AWS session credentials have expired (%s): refresh session_token / AWS_SESSION_TOKEN or log in again (e.g. aws sso login)",
	"TokenRefreshRequired":       "the AWS session credentials have expired (%s): refresh session_token / AWS_SESSION_TOKEN or log in again (e.g. aws sso login)",
	"RequestExpired":             "AWS rejected the request time (%s): the local clock is off; synchronise it",
	"MissingAuthenticationToken": "the request carried no credentials (%s): set a profile, access_key/secret_key, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY",
}

// errorCode returns the AWS error code and message of err ("" when it is
// not an API error).
func errorCode(err error) (code, msg string) {
	if m := asMalformed(err); m != nil {
		return m.ErrorCode(), m.ErrorMessage()
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode(), apiErr.ErrorMessage()
	}
	return "", ""
}

// readError turns a failed call into a ReadError for action.
func readError(action string, err error) *snapshot.ReadError {
	re := newReadError(action, err)
	var ignored *IgnoredError
	if errors.As(err, &ignored) {
		re.Ignored = ignored.By
	}
	return re
}

// newReadError records the code and message of a failed call.
func newReadError(action string, err error) *snapshot.ReadError {
	var timeout *CallTimeoutError
	if errors.As(err, &timeout) {
		return snapshot.NewReadError(action, "", timeout.Error())
	}
	code, msg := errorCode(err)
	if code == "" {
		msg = shortMessage(err)
	}
	re := snapshot.NewReadError(action, code, msg)
	var refused *RegionRefusedError
	if errors.As(err, &refused) {
		re.Message = refused.Error()
	}
	return re
}

// shortMessage reduces a non-API error (network, timeout) to its innermost
// useful text, without the SDK's operation and retry wrapping.
func shortMessage(err error) string {
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return opErr.Error()
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return (&url.Error{Op: urlErr.Op, URL: RedactURL(urlErr.URL), Err: urlErr.Err}).Error()
	}
	var smErr *smithy.OperationError
	if errors.As(err, &smErr) && smErr.Err != nil {
		return smErr.Err.Error()
	}
	return err.Error()
}

// fatalError returns a *SetupError when err means no call can succeed
// (bad or missing credentials), nil otherwise.
func fatalError(err error) *SetupError {
	var se *SetupError
	if errors.As(err, &se) {
		return se
	}
	var refused *RegionRefusedError
	if errors.As(err, &refused) {
		return nil
	}
	code, _ := errorCode(err)
	if format, ok := credentialCodes[snapshot.BaseCode(code)]; ok {
		return &SetupError{Reason: fmt.Sprintf(format, code), Err: err}
	}
	return nil
}

// identityError turns a failed sts:GetCallerIdentity (sent to region) into a *SetupError:
// without the caller's account nothing can be evaluated.
func identityError(err error, endpoint, region string) *SetupError {
	if se := fatalError(err); se != nil {
		if code, _ := errorCode(err); snapshot.BaseCode(code) == "InvalidClientTokenId" && region != defaultRegion {
			// AWS answers the same for a region the account has not enabled.
			se.Reason += fmt.Sprintf(", or enable region %s (used for this call; set AWS_REGION) for the account", region)
		}
		return se
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &SetupError{Reason: "reading the AWS caller identity was cancelled: " + err.Error(), Err: err}
	}
	code, msg := errorCode(err)
	if code != "" {
		return &SetupError{Reason: fmt.Sprintf("sts:GetCallerIdentity failed: %s: %s", code, msg), Err: err}
	}
	var urlErr *url.Error
	var opErr *net.OpError
	var dnsErr *net.DNSError
	if errors.As(err, &urlErr) || errors.As(err, &opErr) || errors.As(err, &dnsErr) {
		target := RedactURL(endpoint)
		if target == "" && urlErr != nil {
			if u, perr := url.Parse(urlErr.URL); perr == nil {
				target = u.Scheme + "://" + u.Host
			}
		}
		cause := shortMessage(err)
		if opErr != nil && opErr.Err != nil {
			cause = opErr.Err.Error()
		}
		return &SetupError{Reason: fmt.Sprintf("cannot reach the AWS endpoint %s (%s): check endpoint_url / AWS_ENDPOINT_URL and the network", target, cause), Err: err}
	}
	return &SetupError{Reason: "sts:GetCallerIdentity failed: " + shortMessage(err), Err: err}
}

// iamActionNames maps SDK service id and operation to the IAM action where
// the two differ (S3 and S3 Control); elsewhere the action is
// lower-case-service:Operation.
var iamActionNames = map[string]string{
	"S3 ListBuckets":                     "s3:ListAllMyBuckets",
	"S3 HeadBucket":                      "s3:ListBucket",
	"S3 GetPublicAccessBlock":            "s3:GetBucketPublicAccessBlock",
	"S3 Control GetPublicAccessBlock":    "s3:GetAccountPublicAccessBlock",
	"S3 Control PutPublicAccessBlock":    "s3:PutAccountPublicAccessBlock",
	"S3 PutPublicAccessBlock":            "s3:PutBucketPublicAccessBlock",
	"S3 DeleteBucketOwnershipControls":   "s3:PutBucketOwnershipControls",
	"S3 Control DeletePublicAccessBlock": "s3:PutAccountPublicAccessBlock",
}

// iamAction maps an SDK service id and operation to the IAM action that
// authorises it, e.g. ("S3", "ListBuckets") -> "s3:ListAllMyBuckets".
func iamAction(serviceID, operation string) string {
	if a, ok := iamActionNames[serviceID+" "+operation]; ok {
		return a
	}
	if serviceID == "S3 Control" {
		return "s3:" + operation
	}
	return strings.ToLower(strings.ReplaceAll(serviceID, " ", "")) + ":" + operation
}

// actionFromContext is iamAction for the operation running in ctx.
func actionFromContext(ctx context.Context) string {
	return iamAction(awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx))
}
