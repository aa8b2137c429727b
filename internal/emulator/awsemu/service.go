package awsemu

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// handlerFunc serves one operation. It returns the value the service's
// protocol encodes, or an error response.
type handlerFunc func(q *request) (any, *apiError)

// serviceErrors are the error codes a service answers for the situations the
// pipeline handles generically (authentication, faults).
type serviceErrors struct {
	denied       errSpec // access denied
	throttled    errSpec // rate exceeded
	internal     errSpec // 5xx
	badSignature errSpec // wrong secret
	unknownKey   errSpec // unknown access key / region not enabled
	noAuth       errSpec // no Authorization header
}

// service is one AWS service the emulator speaks.
type service struct {
	name      string // internal id: organizations, sts, ec2, cloudtrail, s3, s3control, sns, kms, logs, iam
	iamPrefix string // IAM action prefix
	proto     protocol
	errs      serviceErrors
	ops       map[string]handlerFunc
	// iamActions maps operation names whose IAM action differs (S3).
	iamActions map[string]string
}

func (sv *service) actionName(op string, _ *http.Request) string {
	if a, ok := sv.iamActions[op]; ok {
		return sv.iamPrefix + ":" + a
	}
	return sv.iamPrefix + ":" + op
}

func (sv *service) unknownOperation(op string) *apiError {
	if sv.name == "s3" || sv.name == "s3control" {
		return newErr("NotImplemented", "A header or query you provided implies functionality that is not implemented: "+op, http.StatusNotImplemented)
	}
	if sv.name == "ec2" {
		return newErr("InvalidAction", "The action "+op+" is not valid for this web service.")
	}
	if _, ok := sv.proto.(queryProtocol); ok {
		return newErr("InvalidAction", "Could not find operation "+op)
	}
	return newErr("UnknownOperationException", "Unknown operation "+op)
}

// faultError converts an injected fault into this service's error shape:
// generic codes (AccessDenied, Throttling, InternalError and their
// per-service spellings) become the service's own; other codes pass as given.
func (sv *service) faultError(f *Fault) *apiError {
	var e errSpec
	switch f.ErrorCode {
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError":
		e = sv.errs.denied
	case "Throttling", "ThrottlingException", "SlowDown", "RequestLimitExceeded", "Throttled":
		e = sv.errs.throttled
	case "InternalError", "InternalFailure", "InternalServerError", "ServiceUnavailable", "KMSInternalException":
		e = sv.errs.internal
	default:
		e = errSpec{Code: f.ErrorCode, Status: http.StatusBadRequest}
	}
	if f.HTTPStatus != 0 {
		e.Status = f.HTTPStatus
	}
	msg := "injected fault"
	switch e.Code {
	case sv.errs.denied.Code:
		msg = "User is not authorized to perform: " + f.Action + " (injected fault)"
	case sv.errs.throttled.Code:
		msg = "Rate exceeded (injected fault)"
	}
	return e.withMessage(msg)
}

func (s *Server) newServices() []*service {
	jsonErrs := serviceErrors{
		denied:       errSpec{"AccessDeniedException", 400},
		throttled:    errSpec{"ThrottlingException", 400},
		internal:     errSpec{"InternalFailure", 500},
		badSignature: errSpec{"InvalidSignatureException", 400},
		unknownKey:   errSpec{"UnrecognizedClientException", 400},
		noAuth:       errSpec{"MissingAuthenticationTokenException", 400},
	}
	queryErrs := serviceErrors{
		denied:       errSpec{"AccessDenied", 403},
		throttled:    errSpec{"Throttling", 400},
		internal:     errSpec{"InternalFailure", 500},
		badSignature: errSpec{"SignatureDoesNotMatch", 403},
		unknownKey:   errSpec{"InvalidClientTokenId", 403},
		noAuth:       errSpec{"MissingAuthenticationToken", 403},
	}
	snsErrs := queryErrs
	snsErrs.denied = errSpec{"AuthorizationError", 403}
	ec2Errs := serviceErrors{
		denied:       errSpec{"UnauthorizedOperation", 403},
		throttled:    errSpec{"RequestLimitExceeded", 503},
		internal:     errSpec{"InternalError", 500},
		badSignature: errSpec{"SignatureDoesNotMatch", 403},
		unknownKey:   errSpec{"AuthFailure", 401},
		noAuth:       errSpec{"MissingAuthenticationToken", 401},
	}
	s3Errs := serviceErrors{
		denied:       errSpec{"AccessDenied", 403},
		throttled:    errSpec{"SlowDown", 503},
		internal:     errSpec{"InternalError", 500},
		badSignature: errSpec{"SignatureDoesNotMatch", 403},
		unknownKey:   errSpec{"InvalidAccessKeyId", 403},
		noAuth:       errSpec{"AccessDenied", 403},
	}
	orgErrs := jsonErrs
	orgErrs.throttled = errSpec{"TooManyRequestsException", 400}
	return []*service{
		{name: "organizations", iamPrefix: "organizations", proto: jsonProtocol{}, errs: orgErrs, ops: s.organizationsOps()},
		{name: "sts", iamPrefix: "sts", proto: queryProtocol{xmlns: "https://sts.amazonaws.com/doc/2011-06-15/"}, errs: queryErrs, ops: s.stsOps()},
		{name: "ec2", iamPrefix: "ec2", proto: ec2Protocol{}, errs: ec2Errs, ops: s.ec2Ops()},
		{name: "sns", iamPrefix: "sns", proto: queryProtocol{xmlns: "http://sns.amazonaws.com/doc/2010-03-31/"}, errs: snsErrs, ops: s.snsOps()},
		{name: "cloudtrail", iamPrefix: "cloudtrail", proto: jsonProtocol{}, errs: jsonErrs, ops: s.cloudtrailOps()},
		{name: "kms", iamPrefix: "kms", proto: jsonProtocol{}, errs: jsonErrs, ops: s.kmsOps()},
		{name: "logs", iamPrefix: "logs", proto: jsonProtocol{}, errs: jsonErrs, ops: s.logsOps()},
		{name: "s3", iamPrefix: "s3", proto: s3Protocol{}, errs: s3Errs, ops: s.s3Ops(), iamActions: s3IAMActions},
		{name: "iam", iamPrefix: "iam", proto: queryProtocol{xmlns: iamXMLNS}, errs: queryErrs, ops: s.iamOps()},
		{name: "s3control", iamPrefix: "s3", proto: s3Protocol{}, errs: s3Errs, ops: s.s3ControlOps(), iamActions: s3ControlIAMActions},
	}
}

func (s *Server) serviceNamed(name string) *service {
	for _, sv := range s.services {
		if sv.name == name {
			return sv
		}
	}
	return nil
}

// jsonTargets maps each X-Amz-Target prefix AWS accepts to its awsJson
// service. The target is PREFIX.Operation; aws-sdk-go-v2 sends the short
// prefix and botocore the fully qualified one where the service has one
// (CloudTrail), and AWS answers both.
var jsonTargets = map[string]string{
	"CloudTrail_20131101": "cloudtrail",
	"com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101": "cloudtrail",
	"TrentService":              "kms",
	"Logs_20140328":             "logs",
	"AWSOrganizationsV20161128": "organizations",
}

// splitTarget splits an X-Amz-Target header at its last dot into the
// service prefix and the operation.
func splitTarget(t string) (prefix, op string, ok bool) {
	i := strings.LastIndexByte(t, '.')
	if i <= 0 || i == len(t)-1 {
		return "", "", false
	}
	return t[:i], t[i+1:], true
}

// formContentType is the media type of awsQuery and ec2Query requests.
const formContentType = "application/x-www-form-urlencoded"

// queryVersions maps the Version parameter of query services.
var queryVersions = map[string]string{
	"2011-06-15": "sts",
	"2010-03-31": "sns",
	"2016-11-15": "ec2",
	"2010-05-08": "iam",
}

// route finds the service and operation of a request from its wire shape.
func (s *Server) route(r *http.Request, body []byte) (*service, string, error) {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		prefix, op, ok := splitTarget(t)
		if name, known := jsonTargets[prefix]; ok && known {
			return s.serviceNamed(name), op, nil
		}
		return nil, "", errors.New("unknown X-Amz-Target " + t)
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), formContentType) && r.Method == http.MethodPost {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, "", errors.New("malformed form body")
		}
		action := form.Get("Action")
		name := scopeService(r)
		if name == "" || name == "s3" {
			name = queryVersions[form.Get("Version")]
		}
		if sv := s.serviceNamed(name); sv != nil && action != "" {
			return sv, action, nil
		}
		return nil, "", errors.New("unknown query service or action")
	}
	if strings.HasPrefix(r.URL.Path, s3ControlPathPrefix) {
		return s.serviceNamed("s3control"), s3ControlOperation(r), nil
	}
	return s.serviceNamed("s3"), s3Operation(r), nil
}

// formOf parses a query-protocol body.
func formOf(q *request) url.Values {
	v, _ := url.ParseQuery(string(q.body))
	return v
}

// formList reads a flattened list (Name.1, Name.2, ...) or member list
// (Name.member.1, ...).
func formList(form url.Values, name string) []string {
	var out []string
	for i := 1; ; i++ {
		idx := itoa(i)
		if v, ok := form[name+"."+idx]; ok {
			out = append(out, v[0])
			continue
		}
		if v, ok := form[name+".member."+idx]; ok {
			out = append(out, v[0])
			continue
		}
		return out
	}
}
