package inventory

import (
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go"
)

// IgnoredError is a failed call that ignore_error_codes or
// ignore_error_messages names. It is not retried, and the fact it hides is
// recorded as a read error marked ignored (snapshot.ReadError.Ignored).
type IgnoredError struct {
	// By names the option and the entry that matched, e.g.
	// `ignore_error_codes "AccessDenied*"`.
	By string
	// Err is the call's error.
	Err error
}

// Error returns the call's error text.
func (e *IgnoredError) Error() string { return e.Err.Error() }

// Unwrap returns the call's error.
func (e *IgnoredError) Unwrap() error { return e.Err }

// errorFilter matches errors against ignore_error_codes and
// ignore_error_messages.
type errorFilter struct {
	codes    []string
	messages []*regexp.Regexp
}

// newErrorFilter compiles the patterns of a validated Config.
func newErrorFilter(cfg Config) *errorFilter {
	f := &errorFilter{codes: cfg.IgnoreErrorCodes}
	for _, m := range cfg.IgnoreErrorMessages {
		f.messages = append(f.messages, regexp.MustCompile(m)) // Validate compiled it
	}
	return f
}

// match says which entry ignores err, an attempt of the operation ctx
// describes ("" for none): a code pattern matching the AWS error code, or a
// message pattern matching the error text as the SDK gives it to
// steampipe-plugin-aws ("operation error CloudTrail: GetTrailStatus, ...").
func (f *errorFilter) match(ctx context.Context, err error) string {
	if f == nil || err == nil {
		return ""
	}
	if code, _ := errorCode(err); code != "" {
		for _, p := range f.codes {
			if ok, _ := path.Match(p, code); ok {
				return fmt.Sprintf("ignore_error_codes %q", p)
			}
		}
	}
	if len(f.messages) == 0 {
		return ""
	}
	text := (&smithy.OperationError{ServiceID: awsmiddleware.GetServiceID(ctx), OperationName: awsmiddleware.GetOperationName(ctx), Err: err}).Error()
	for _, re := range f.messages {
		if re.MatchString(text) {
			return fmt.Sprintf("ignore_error_messages %q", re.String())
		}
	}
	return ""
}

// mark wraps the error of an attempt of the operation ctx describes as an
// *IgnoredError when the filter ignores it; the retryer then gives up.
func (f *errorFilter) mark(ctx context.Context, err error) error {
	by := f.match(ctx, err)
	if by == "" {
		return err
	}
	return &IgnoredError{By: by, Err: err}
}

// isIgnored reports whether err was marked ignored.
func isIgnored(err error) bool {
	var ignored *IgnoredError
	return errors.As(err, &ignored)
}
