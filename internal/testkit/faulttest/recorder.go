// Package faulttest proves that the plugin survives AWS faults — throttling
// storms, 5xx bursts, slow calls, a region that does not answer — against
// the AWS emulator: the run completes, facts that could not be read give
// error findings naming the action and code, every other finding is as in
// the fault-free run, and no call is attempted more than the configured
// retries allow; and that a reply without its API's shape (an empty 200, a
// proxy's login page, garbage) makes the facts it carries errors, never
// ok. This file holds the request recorder the tests put in front of the
// emulator, mangle.go the proxy that mangles replies and the one that
// keeps them, elements.go the element paths of a reply and the mangling
// that drops one; the tests are in the _test files.
package faulttest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
)

// Attempt is one HTTP request that reached the emulator.
type Attempt struct {
	// Action is the IAM action ("s3:GetBucketAcl"); Region the credential
	// scope's region.
	Action, Region string
	// Status is the HTTP status answered, 0 when the client gave up
	// waiting (a timeout); Code the AWS error code ("" on success).
	Status int
	Code   string
}

// Recorder is an http.Handler middleware that groups the requests reaching
// the emulator by operation and resource: retries of a call send the same
// method, path, query and body, so each group is one call and its attempts.
type Recorder struct {
	next http.Handler
	mu   sync.Mutex
	byOp map[string][]Attempt
}

// NewRecorder wraps next.
func NewRecorder(next http.Handler) *Recorder {
	return &Recorder{next: next, byOp: map[string][]Attempt{}}
}

// ServeHTTP records the request and its answer.
func (rec *Recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_emulator/") {
		rec.next.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	region, service := scope(r.Header.Get("Authorization"))
	cw := &captureWriter{ResponseWriter: w, status: http.StatusOK}
	rec.next.ServeHTTP(cw, r)
	a := Attempt{Action: service + ":" + operation(r, body), Region: region, Status: cw.status}
	switch {
	case r.Context().Err() != nil:
		a.Status = 0
	case cw.status >= 300:
		a.Code = errorCode(cw.Header(), cw.body.Bytes())
	}
	key := strings.Join([]string{region, r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("X-Amz-Target"), string(body)}, "\x00")
	rec.mu.Lock()
	rec.byOp[key] = append(rec.byOp[key], a)
	rec.mu.Unlock()
}

// Reset forgets every request.
func (rec *Recorder) Reset() {
	rec.mu.Lock()
	rec.byOp = map[string][]Attempt{}
	rec.mu.Unlock()
}

// Unread reports whether the attempt failed in a way that leaves its fact
// unread: no answer (timeout), a server error, or throttling (a code of
// class throttled, as the inventory classes it). Other 4xx
// answers (NoSuchBucketPolicy, NoSuchPublicAccessBlockConfiguration, ...)
// are facts.
func (a Attempt) Unread() bool {
	return a.Status == 0 || a.Status >= 500 || a.Status == http.StatusTooManyRequests ||
		snapshot.ClassOf(a.Code) == snapshot.ClassThrottled
}

// Calls returns each call's attempts, in order.
func (rec *Recorder) Calls() [][]Attempt {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	out := make([][]Attempt, 0, len(rec.byOp))
	for _, as := range rec.byOp {
		out = append(out, append([]Attempt(nil), as...))
	}
	return out
}

type captureWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (c *captureWriter) WriteHeader(status int) {
	c.status = status
	c.ResponseWriter.WriteHeader(status)
}

func (c *captureWriter) Write(p []byte) (int, error) {
	if c.status >= 300 && c.body.Len() < 4096 {
		c.body.Write(p)
	}
	return c.ResponseWriter.Write(p)
}

var credentialScope = regexp.MustCompile(`Credential=[^/]+/[0-9]+/([^/]+)/([^/]+)/aws4_request`)

// scope returns the region and signing service of a SigV4 Authorization header.
func scope(auth string) (region, service string) {
	if m := credentialScope.FindStringSubmatch(auth); m != nil {
		return m[1], m[2]
	}
	return "", ""
}

// s3Subresources name S3's GET operations by their query subresource.
var s3Subresources = []struct{ query, op string }{
	{"location", "GetBucketLocation"}, {"logging", "GetBucketLogging"}, {"versioning", "GetBucketVersioning"},
	{"acl", "GetBucketAcl"}, {"policyStatus", "GetBucketPolicyStatus"}, {"publicAccessBlock", "GetBucketPublicAccessBlock"},
	{"ownershipControls", "GetBucketOwnershipControls"}, {"tagging", "GetBucketTagging"},
}

// operation names the request's operation as IAM does: the JSON
// protocols' X-Amz-Target, the query protocols' Action, or S3's path and
// subresource (a GET of a key is s3:GetObject, of a bucket without a
// subresource s3:ListBucket).
func operation(r *http.Request, body []byte) string {
	if t := r.Header.Get("X-Amz-Target"); t != "" {
		return t[strings.LastIndex(t, ".")+1:]
	}
	if r.Method == http.MethodPost && strings.Contains(r.Header.Get("Content-Type"), "x-www-form-urlencoded") {
		if m := queryAction.FindSubmatch(body); m != nil {
			return string(m[1])
		}
	}
	switch {
	case strings.HasSuffix(r.URL.Path, "/configuration/publicAccessBlock"):
		return "GetAccountPublicAccessBlock"
	case r.URL.Path == "/" || r.URL.Path == "":
		return "ListAllMyBuckets"
	}
	q := r.URL.Query()
	for _, s := range s3Subresources {
		if q.Has(s.query) {
			return s.op
		}
	}
	// Path-style: /BUCKET lists objects (IAM s3:ListBucket), /BUCKET/KEY
	// reads one (s3:GetObject).
	if r.Method == http.MethodGet {
		switch bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/"); {
		case key != "":
			return "GetObject"
		case bucket != "":
			return "ListBucket" // ListObjects and ListObjectsV2
		}
	}
	return r.Method + " " + r.URL.Path
}

var queryAction = regexp.MustCompile(`(?:^|&)Action=([A-Za-z]+)`)

var xmlCode = regexp.MustCompile(`<Code>([^<]+)</Code>`)

// errorCode reads the AWS error code of an error answer in any protocol.
func errorCode(h http.Header, body []byte) string {
	if t := h.Get("X-Amzn-ErrorType"); t != "" {
		t, _, _ = strings.Cut(t, ":")
		return t[strings.LastIndex(t, "#")+1:]
	}
	if m := xmlCode.FindSubmatch(body); m != nil {
		return string(m[1])
	}
	var j struct {
		Type string `json:"__type"`
	}
	if json.Unmarshal(body, &j) == nil && j.Type != "" {
		return j.Type[strings.LastIndex(j.Type, "#")+1:]
	}
	return ""
}
