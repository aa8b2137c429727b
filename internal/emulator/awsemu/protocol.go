package awsemu

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// apiError is an AWS error response: the code the SDK surfaces as
// smithy.APIError.ErrorCode(), its message and HTTP status.
type apiError struct {
	Code    string
	Message string
	Status  int
	// Extra elements for S3 error bodies (BucketName, ...).
	Extra map[string]string
	// Header values to set on the error response.
	Header map[string]string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// errSpec is an error code with its HTTP status.
type errSpec struct {
	Code   string
	Status int
}

func (e errSpec) withMessage(msg string) *apiError {
	return &apiError{Code: e.Code, Message: msg, Status: e.Status}
}

// newErr builds a client error (HTTP 400 unless status is given).
func newErr(code, msg string, status ...int) *apiError {
	st := http.StatusBadRequest
	if len(status) > 0 {
		st = status[0]
	}
	return &apiError{Code: code, Message: msg, Status: st}
}

// protocol writes results and errors in one AWS wire protocol.
type protocol interface {
	writeResult(w http.ResponseWriter, q *request, v any) int
	writeError(w http.ResponseWriter, q *request, e *apiError) (int, string)
}

// rawResponse lets a handler choose the status, headers and body itself
// (S3 operations whose result is not an XML document).
type rawResponse struct {
	Status      int
	ContentType string
	Header      map[string]string
	Body        []byte
}

func writeRaw(w http.ResponseWriter, rr *rawResponse) int {
	for k, v := range rr.Header {
		if strings.HasPrefix(k, "x-amz-meta-") {
			// S3 sends user metadata names in lower case, as stored;
			// botocore keeps the case it receives.
			w.Header()[k] = []string{v}
			continue
		}
		w.Header().Set(k, v)
	}
	if rr.ContentType != "" {
		w.Header().Set("Content-Type", rr.ContentType)
	}
	st := rr.Status
	if st == 0 {
		st = http.StatusOK
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(rr.Body)))
	w.WriteHeader(st)
	_, _ = w.Write(rr.Body)
	return st
}

// jsonProtocol is awsJson1_1 (CloudTrail, KMS, CloudWatch Logs).
type jsonProtocol struct{}

func (jsonProtocol) writeResult(w http.ResponseWriter, q *request, v any) int {
	if v == nil {
		v = struct{}{}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return jsonProtocol{}.writeErrorOnly(w, q, newErr("InternalFailure", "encode response: "+err.Error(), 500))
	}
	w.Header().Set("x-amzn-RequestId", q.requestID)
	return writeRaw(w, &rawResponse{ContentType: "application/x-amz-json-1.1", Body: b})
}

func (p jsonProtocol) writeError(w http.ResponseWriter, q *request, e *apiError) (int, string) {
	return p.writeErrorOnly(w, q, e), e.Code
}

func (jsonProtocol) writeErrorOnly(w http.ResponseWriter, q *request, e *apiError) int {
	b, _ := json.Marshal(map[string]string{"__type": e.Code, "message": e.Message})
	w.Header().Set("x-amzn-RequestId", q.requestID)
	w.Header().Set("X-Amzn-ErrorType", e.Code)
	for k, v := range e.Header {
		w.Header().Set(k, v)
	}
	return writeRaw(w, &rawResponse{Status: e.Status, ContentType: "application/x-amz-json-1.1", Body: b})
}

// queryProtocol is awsQuery (STS, SNS): form-encoded requests, XML
// <OpResponse><OpResult>...</OpResult><ResponseMetadata/></OpResponse>.
type queryProtocol struct{ xmlns string }

func (p queryProtocol) writeResult(w http.ResponseWriter, q *request, v any) int {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, `<%sResponse xmlns="%s">`, q.op, p.xmlns)
	if v != nil {
		enc := xml.NewEncoder(&buf)
		if err := enc.EncodeElement(v, xml.StartElement{Name: xml.Name{Local: q.op + "Result"}}); err != nil {
			return p.writeErrorOnly(w, q, newErr("InternalFailure", "encode response: "+err.Error(), 500))
		}
	}
	fmt.Fprintf(&buf, `<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`, q.requestID, q.op)
	w.Header().Set("x-amzn-RequestId", q.requestID)
	return writeRaw(w, &rawResponse{ContentType: "text/xml", Body: buf.Bytes()})
}

func (p queryProtocol) writeError(w http.ResponseWriter, q *request, e *apiError) (int, string) {
	return p.writeErrorOnly(w, q, e), e.Code
}

func (p queryProtocol) writeErrorOnly(w http.ResponseWriter, q *request, e *apiError) int {
	typ := "Sender"
	if e.Status >= 500 {
		typ = "Receiver"
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, `<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`,
		p.xmlns, typ, xmlEscape(e.Code), xmlEscape(e.Message), q.requestID)
	w.Header().Set("x-amzn-RequestId", q.requestID)
	return writeRaw(w, &rawResponse{Status: e.Status, ContentType: "text/xml", Body: buf.Bytes()})
}

// ec2Protocol is ec2Query: <OpResponse xmlns><requestId/>...fields...</OpResponse>
// and <Response><Errors><Error>...</Error></Errors><RequestID/></Response>.
type ec2Protocol struct{}

const ec2XMLNS = "http://ec2.amazonaws.com/doc/2016-11-15/"

func (p ec2Protocol) writeResult(w http.ResponseWriter, q *request, v any) int {
	var buf bytes.Buffer
	start := xml.StartElement{
		Name: xml.Name{Local: q.op + "Response"},
		Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: ec2XMLNS}},
	}
	if err := xml.NewEncoder(&buf).EncodeElement(v, start); err != nil {
		_, _ = p.writeError(w, q, newErr("InternalError", "encode response: "+err.Error(), 500))
		return 500
	}
	return writeRaw(w, &rawResponse{ContentType: "text/xml;charset=UTF-8", Body: buf.Bytes()})
}

func (ec2Protocol) writeError(w http.ResponseWriter, q *request, e *apiError) (int, string) {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>`,
		xmlEscape(e.Code), xmlEscape(e.Message), q.requestID)
	return writeRaw(w, &rawResponse{Status: e.Status, ContentType: "text/xml;charset=UTF-8", Body: buf.Bytes()}), e.Code
}

// s3Protocol is REST-XML as S3 (unwrapped <Error>) and S3 Control (wrapped
// <ErrorResponse><Error>) speak it.
type s3Protocol struct{}

// S3 namespaces.
const (
	s3XMLNS        = "http://s3.amazonaws.com/doc/2006-03-01/"
	s3ControlXMLNS = "http://awss3control.amazonaws.com/doc/2018-08-20/"
)

func (p s3Protocol) writeResult(w http.ResponseWriter, q *request, v any) int {
	setS3IDs(w, q)
	switch rv := v.(type) {
	case nil:
		return writeRaw(w, &rawResponse{})
	case *rawResponse:
		return writeRaw(w, rv)
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).Encode(v); err != nil {
		_, _ = p.writeError(w, q, newErr("InternalError", "encode response: "+err.Error(), 500))
		return 500
	}
	return writeRaw(w, &rawResponse{ContentType: "application/xml", Body: buf.Bytes()})
}

func (s3Protocol) writeError(w http.ResponseWriter, q *request, e *apiError) (int, string) {
	setS3IDs(w, q)
	for k, v := range e.Header {
		w.Header().Set(k, v)
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	control := q.svc != nil && q.svc.name == "s3control"
	if control {
		buf.WriteString("<ErrorResponse>")
	}
	fmt.Fprintf(&buf, "<Error><Code>%s</Code><Message>%s</Message>", xmlEscape(e.Code), xmlEscape(e.Message))
	for _, k := range slices.Sorted(maps.Keys(e.Extra)) {
		fmt.Fprintf(&buf, "<%s>%s</%s>", k, xmlEscape(e.Extra[k]), k)
	}
	if control {
		fmt.Fprintf(&buf, "</Error><RequestId>%s</RequestId><HostId>%s</HostId></ErrorResponse>", q.requestID, hostID(q))
	} else {
		fmt.Fprintf(&buf, "<RequestId>%s</RequestId><HostId>%s</HostId></Error>", q.requestID, hostID(q))
	}
	if q.r.Method == http.MethodHead {
		return writeRaw(w, &rawResponse{Status: e.Status}), e.Code
	}
	return writeRaw(w, &rawResponse{Status: e.Status, ContentType: "application/xml", Body: buf.Bytes()}), e.Code
}

func setS3IDs(w http.ResponseWriter, q *request) {
	w.Header().Set("x-amz-request-id", q.requestID)
	w.Header().Set("x-amz-id-2", hostID(q))
}

func hostID(q *request) string { return "emulator/" + q.requestID }

func xmlEscape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
