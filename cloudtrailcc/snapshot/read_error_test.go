package snapshot

import "testing"

// TestClassOfGroupsEveryServicesSpelling: each service spells a denial, a
// missing resource, throttling or a rejected request its own way (with or
// without an "Exception" suffix); each spelling gets its group's class, and
// a code of no group — or no code at all, a call without an answer — is
// "other", never a class a rule may turn into skip or info.
func TestClassOfGroupsEveryServicesSpelling(t *testing.T) {
	for class, codes := range map[ErrorClass][]string{
		ClassAccessDenied: {"AccessDenied", "AccessDeniedException", "AuthorizationError", "UnauthorizedOperation", "OptInRequired"},
		ClassNotFound: {"NotFound", "NotFoundException", "NoSuchBucket", "NoSuchEntity", "TrailNotFoundException",
			"KmsKeyNotFoundException", "OwnershipControlsNotFoundError"},
		ClassThrottled: {"Throttling", "ThrottlingException", "SlowDown", "RequestLimitExceeded", "TooManyRequestsException"},
		ClassInvalid:   {"CloudTrailARNInvalidException", "EventDataStoreARNInvalidException", "InvalidParameterValue", "ValidationException"},
		ClassOther:     {"", "InternalFailure", "InternalError", "ServiceUnavailable", "MalformedResponse", "NotRead"},
	} {
		for _, code := range codes {
			if got := ClassOf(code); got != class {
				t.Errorf("ClassOf(%q) = %s, want %s", code, got, class)
			}
			if e := NewReadError("x:Y", code, "m"); e.Class != class || e.Code != code || e.Action != "x:Y" || e.Message != "m" {
				t.Errorf("NewReadError(%q) = %+v, want class %s", code, e, class)
			}
		}
	}
}
