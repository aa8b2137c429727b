package inventory

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// codeMalformed is the error code of a reply that does not have the shape
// of its API: a fact read from it is a read error, never a fact.
const codeMalformed = "MalformedResponse"

// malformedError is a successful (2xx) reply that lacks what its API always
// returns: an empty body, a body of another document (a proxy's login
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

// replyShape is the declared shape of the successful reply of one AWS
// operation: the document it comes in and the elements the verdicts need.
// Every operation called has one (replyShapes); a call without one fails
// as malformed, so a new call cannot go unchecked.
type replyShape struct {
	// roots are the root elements of an XML reply: AWS's first, then the
	// names other AWS-compatible servers give the same answer. nil for
	// the JSON protocols, whose reply must be a JSON object.
	roots []string
	// check says what a parsed reply lacks ("" when nothing); absent
	// elements it accepts read as documented in docs/replies.md.
	check func(out any) string
	// stream marks an object read (s3:GetObject): its body is the object
	// itself, streamed to the reader that judges it (log integrity:
	// gzip, JSON and hashes), never held whole by the guard.
	stream bool
}

// shapeOf turns a check of one SDK output type into a replyShape.check:
// a reply of another type is itself malformed.
func shapeOf[T any](check func(*T) string) func(any) string {
	return func(out any) string {
		o, ok := out.(*T)
		if !ok || o == nil {
			return fmt.Sprintf("a reply of type %T, want %T", out, o)
		}
		return check(o)
	}
}

// shapeFor returns the declared shape of action (an IAM action name).
func shapeFor(action string) (replyShape, error) {
	s, ok := replyShapes[action]
	if !ok {
		return replyShape{}, malformed("no reply shape is declared for " + action)
	}
	return s, nil
}

// ReplyGuards are the middlewares that judge every reply by its declared
// shape (replyShapes), for clients built outside the inventory from its
// configuration (Collector.LoadedAWS), such as log integrity's.
func ReplyGuards() []func(*middleware.Stack) error {
	return []func(*middleware.Stack) error{addResponseGuard, addShapeCheck}
}

// addShapeCheck adds the middleware that refuses a parsed reply without
// the elements its operation's declared shape requires.
func addShapeCheck(st *middleware.Stack) error {
	return st.Initialize.Add(middleware.InitializeMiddlewareFunc("cloudtrailccShapeCheck",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleInitialize(ctx, in)
			if err != nil {
				return out, md, err
			}
			shape, serr := shapeFor(actionFromContext(ctx))
			if serr != nil {
				return out, md, serr
			}
			if shape.stream {
				return out, md, nil
			}
			if what := shape.check(out.Result); what != "" {
				return out, md, malformed(what)
			}
			return out, md, nil
		}), middleware.After)
}

// need returns what when ok is false, "" otherwise.
func need(ok bool, what string) string {
	if ok {
		return ""
	}
	return what
}

// firstMissing returns the first non-empty of whats.
func firstMissing(whats ...string) string {
	for _, w := range whats {
		if w != "" {
			return w
		}
	}
	return ""
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

// oneOf says what is wrong with value of element name when it is not one
// of the known values ("" when it is).
func oneOf[S ~string](name string, value S, known ...S) string {
	for _, k := range known {
		if value == k {
			return ""
		}
	}
	if value == "" {
		return "no " + name
	}
	return fmt.Sprintf("%s %q is not a known value", name, string(value))
}

// accountIDPattern is a 12-digit AWS account id.
var accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)

// validAccountID reports whether id is a 12-digit AWS account id.
func validAccountID(id string) bool { return accountIDPattern.MatchString(id) }

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

// MalformedReply is the error of a successful reply that lacks what its
// API always returns, for checks that need more than the reply (the
// request it answers): code MalformedResponse, never retried.
func MalformedReply(what string) error { return malformed(what) }
