package snapshot

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// ErrorClass groups AWS error codes by what a rule must do with them.
type ErrorClass string

// The error classes a read can fail with.
const (
	// ClassNotFound: the resource does not exist (NoSuchBucket, NotFound, TrailNotFoundException...).
	ClassNotFound ErrorClass = "not_found"
	// ClassAccessDenied: the caller may not read it (AccessDenied, AuthorizationError, UnauthorizedOperation...).
	ClassAccessDenied ErrorClass = "access_denied"
	// ClassThrottled: the call was throttled and retries were exhausted.
	ClassThrottled ErrorClass = "throttled"
	// ClassInvalid: the request named something the service rejects (CloudTrailARNInvalidException...).
	ClassInvalid ErrorClass = "invalid"
	// ClassOther: anything else (5xx, network, timeouts).
	ClassOther ErrorClass = "other"
)

// ReadError records one AWS read that failed: which IAM action, the AWS error
// code and message, and its class.
type ReadError struct {
	// Action is the IAM action of the failed call, e.g. "cloudtrail:GetTrailStatus".
	Action string `json:"action"`
	// Code is the AWS error code, e.g. "AccessDenied"; empty for network errors.
	Code string `json:"code,omitempty"`
	// Message is the error message as returned.
	Message string `json:"message,omitempty"`
	// Class groups the code.
	Class ErrorClass `json:"class"`
	// Ignored names the connection option and entry that ignore this
	// error (`ignore_error_codes "AccessDenied"`), empty when none does:
	// the rules then report the facts it hides as skip instead of error.
	Ignored string `json:"ignored,omitempty"`
}

// Error implements error: "cloudtrail:GetTrailStatus failed: AccessDenied: ...".
func (e *ReadError) Error() string {
	if e == nil {
		return ""
	}
	if e.Code == "" {
		return fmt.Sprintf("%s failed: %s", e.Action, e.Message)
	}
	if e.Message == "" {
		return fmt.Sprintf("%s failed: %s", e.Action, e.Code)
	}
	return fmt.Sprintf("%s failed: %s: %s", e.Action, e.Code, e.Message)
}

// NewReadError records a failed read of action with the AWS error code
// (empty for a call that got no answer) and message; its class is
// ClassOf(code), the one place where codes are grouped.
func NewReadError(action, code, message string) *ReadError {
	return &ReadError{Action: action, Code: code, Message: message, Class: ClassOf(code)}
}

// Error-code groups. Codes are compared without an "Exception" suffix
// (CloudTrail answers "TrailNotFoundException", the docs say "TrailNotFound").
var (
	notFoundCodes = codeSet("NoSuchBucket", "NotFound", "TrailNotFound", "ResourceNotFound",
		"NoSuchEntity", "NoSuchKey")
	accessDeniedCodes = codeSet("AccessDenied", "AuthorizationError", "UnauthorizedOperation",
		"Forbidden", "AllAccessDisabled", "InsufficientDependencyServiceAccessPermission",
		"OptInRequired", "UnauthorizedAccess", "NotAuthorized")
	invalidCodes = codeSet("CloudTrailARNInvalid", "InvalidTrailName", "InvalidParameter",
		"InvalidParameterValue", "InvalidParameterCombination", "Validation", "InvalidArn",
		"InvalidLookupAttributes", "InvalidTimeRange", "InvalidNextToken", "InvalidMaxResults",
		"InvalidBucketName", "InvalidHomeRegion", "InvalidRequest", "UnsupportedOperation",
		"OperationNotPermitted", "KMSInvalidState")
)

func codeSet(codes ...string) map[string]bool {
	m := make(map[string]bool, len(codes))
	for _, c := range codes {
		m[c] = true
	}
	return m
}

// BaseCode strips the "Exception" suffix some protocols add to error codes.
func BaseCode(code string) string { return strings.TrimSuffix(code, "Exception") }

// ClassOf maps an AWS error code to its class. An empty code (no answer)
// and a code of no group (a 5xx, a malformed reply) are ClassOther: never
// "not found" or "access denied", which rules may turn into skip or info.
// Throttling codes are the SDK retryer's, so a throttled read is one the
// retryer gave up on.
func ClassOf(code string) ErrorClass {
	b := BaseCode(code)
	switch {
	case code == "":
		return ClassOther
	case notFoundCodes[b] || strings.HasPrefix(b, "NoSuch") || strings.Contains(b, "NotFound"):
		return ClassNotFound
	case accessDeniedCodes[b] || strings.Contains(b, "AccessDenied") || strings.Contains(b, "AuthorizationError"):
		return ClassAccessDenied
	case isThrottleCode(code):
		return ClassThrottled
	case invalidCodes[b] || strings.Contains(b, "ARNInvalid"):
		return ClassInvalid
	}
	return ClassOther
}

// isThrottleCode reports whether code is one of the SDK's throttling codes.
func isThrottleCode(code string) bool {
	_, ok := retry.DefaultThrottleErrorCodes[code]
	return ok
}
