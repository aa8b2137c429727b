package inventory

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// passedGuard is the stack-value key of the flag the response guard sets
// once a 2xx reply passed it.
type passedGuard struct{}

// addResponseGuard adds two middlewares around the operation's
// deserializer. Beneath it, every successful (2xx) reply must be the
// document its operation's declared shape says (replyShape): a JSON object
// for the JSON protocols, a well-formed XML document with one of the
// declared root elements for the XML ones; never an empty body. The
// reply is judged by its body: Content-Type is not evidence (an honest
// server may label a correct JSON body text/html), though a refusal names
// it. Above it, a reply that passed but does not parse as the
// operation's output is malformed too. The body is read whole first, so a
// connection that drops mid-body fails as a network error (retried), never
// as a malformed reply.
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
			if shape, serr := shapeFor(actionFromContext(ctx)); serr == nil && shape.stream {
				return out, md, nil // the object's reader judges it as it streams
			}
			body, rerr := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			resp.Body = io.NopCloser(bytes.NewReader(body))
			if rerr != nil {
				return out, md, fmt.Errorf("read response body: %w", rerr)
			}
			if what := replyMissing(actionFromContext(ctx), resp.Header.Get("Content-Type"), body); what != "" {
				return out, md, malformed(what)
			}
			if passed, ok := middleware.GetStackValue(ctx, passedGuard{}).(*bool); ok {
				*passed = true
			}
			return out, md, nil
		}), middleware.After)
}

// replyMissing says why the body of a 2xx reply of action is not the
// document its declared shape says ("" when it is).
func replyMissing(action, contentType string, body []byte) string {
	shape, err := shapeFor(action)
	if err != nil {
		return asMalformed(err).what
	}
	labelled := func() string {
		if contentType == "" {
			return ""
		}
		return fmt.Sprintf(" (Content-Type %q)", contentType)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return "empty body"
	}
	if shape.roots == nil {
		if isJSONObject(body) {
			return ""
		}
		return "the body is not a JSON object" + labelled()
	}
	root, err := xmlDocumentRoot(body)
	if err != nil {
		return "the body is not an XML document" + labelled() + ": " + err.Error()
	}
	if !slices.Contains(shape.roots, root) {
		return fmt.Sprintf("root element <%s>, want <%s>", root, strings.Join(shape.roots, "> or <"))
	}
	return ""
}

// isJSONObject reports whether body is one well-formed JSON object.
func isJSONObject(body []byte) bool {
	b := bytes.TrimSpace(body)
	return len(b) > 0 && b[0] == '{' && json.Valid(b)
}

// xmlDocumentRoot returns the local name of the root element of a
// well-formed XML document: one element, nothing but markup and space
// around it. HTML that is not XML (a login page) fails here.
func xmlDocumentRoot(body []byte) (string, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	root, depth := "", 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if root == "" {
				return "", fmt.Errorf("no root element")
			}
			return root, nil
		}
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				if root != "" {
					return "", fmt.Errorf("a second root element <%s>", t.Name.Local)
				}
				root = t.Name.Local
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return "", fmt.Errorf("text outside the root element")
			}
		}
	}
}
