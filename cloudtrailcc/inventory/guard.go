package inventory

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"mime"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Content types of the wire protocols, by SDK service id. CloudTrail and
// KMS and Organizations speak awsJson1_1 (application/json is accepted from AWS-compatible
// servers); STS, SNS and EC2 the XML query protocols; S3 and S3 Control
// REST-XML.
var (
	jsonTypes = map[string]bool{"application/x-amz-json-1.1": true, "application/x-amz-json-1.0": true, "application/json": true}
	xmlTypes  = map[string]bool{"text/xml": true, "application/xml": true}
)

// protocolTypes returns the content types service answers with, and
// whether it may leave the header out: S3 documents Content-Type as a
// response header without a default, so an S3 reply without one is
// accepted when its body then has the right root element.
func protocolTypes(service string) (types map[string]bool, mayOmit bool) {
	switch service {
	case "CloudTrail", "KMS", "Organizations":
		return jsonTypes, false
	case "S3", "S3 Control":
		return xmlTypes, true
	}
	return xmlTypes, false
}

// passedGuard is the stack-value key of the flag the response guard sets
// once a 2xx reply passed it.
type passedGuard struct{}

// addResponseGuard adds two middlewares around the operation's
// deserializer. Beneath it, every successful (2xx) reply must have a body
// (every read has one; S3 answers even "not configured" with an empty
// document), the protocol's content type (never a proxy's text/html login
// page) and, for XML, the operation's root element. Above it, a reply that
// passed but does not parse (truncated, garbage) is malformed too. The body
// is read whole first, so a connection that drops mid-body fails as a
// network error (retried), never as a malformed reply.
func addResponseGuard(st *middleware.Stack) error {
	unparsable := middleware.DeserializeMiddlewareFunc("cloudtrailccUnparsableReply",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			passed := new(bool)
			out, md, err := next.HandleDeserialize(middleware.WithStackValue(ctx, passedGuard{}, passed), in)
			if err != nil && *passed && asMalformed(err) == nil {
				err = malformed("the body does not parse: " + oneLine(err))
			}
			return out, md, err
		})
	if err := st.Deserialize.Insert(unparsable, "OperationDeserializer", middleware.Before); err != nil {
		return err
	}
	return st.Deserialize.Add(middleware.DeserializeMiddlewareFunc("cloudtrailccResponseGuard",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleDeserialize(ctx, in)
			if err != nil {
				return out, md, err
			}
			resp, ok := out.RawResponse.(*smithyhttp.Response)
			if !ok || resp.StatusCode < 200 || resp.StatusCode > 299 {
				return out, md, err
			}
			body, rerr := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			resp.Body = io.NopCloser(bytes.NewReader(body))
			if rerr != nil {
				return out, md, fmt.Errorf("read response body: %w", rerr)
			}
			service, op := awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx)
			if what := replyMissing(service, op, iamAction(service, op), resp.Header.Get("Content-Type"), body); what != "" {
				return out, md, malformed(what)
			}
			if passed, ok := middleware.GetStackValue(ctx, passedGuard{}).(*bool); ok {
				*passed = true
			}
			return out, md, nil
		}), middleware.After)
}

// replyMissing says what a 2xx reply of operation lacks ("" when nothing).
func replyMissing(service, operation, action, contentType string, body []byte) string {
	if len(bytes.TrimSpace(body)) == 0 {
		return "empty body"
	}
	types, mayOmit := protocolTypes(service)
	if contentType == "" && !mayOmit {
		return "no Content-Type"
	}
	if contentType != "" {
		mt, _, err := mime.ParseMediaType(contentType)
		if err != nil || !types[mt] {
			return fmt.Sprintf("Content-Type %q", contentType)
		}
	}
	if root := xmlRoot(service, operation, action); root != "" {
		switch got := xmlRootOf(body); got {
		case root:
		case "":
			return fmt.Sprintf("not an XML document, want <%s>", root)
		default:
			return fmt.Sprintf("root element <%s>, want <%s>", got, root)
		}
	}
	return ""
}

// xmlRootOf returns the name of the first element of an XML document, ""
// when there is none.
func xmlRootOf(body []byte) string {
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local
		}
	}
}
