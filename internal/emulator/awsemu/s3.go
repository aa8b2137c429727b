package awsemu

import (
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// S3 is served path-style only ("http://HOST/BUCKET?acl"): clients must set
// s3.Options.UsePathStyle = true. A bucket lives in one region; calls signed
// for another region answer 301 PermanentRedirect with the
// x-amz-bucket-region header, as AWS does (GetBucketLocation answers from any
// region). Buckets of another account answer AccessDenied, missing ones
// NoSuchBucket.

// bucket is one S3 bucket. Names are global across accounts.
type bucket struct {
	Name, Owner, Region string
	Created             time.Time
	Logging             *loggingEnabledXML
	VersioningStatus    string // "", Enabled, Suspended
	MFADelete           string // "" until ever configured; Enabled / Disabled
	Grants              []grant
	Policy              string
	PAB                 *publicAccessBlock
	Ownership           string // "" = no ownership controls
	Tags                []s3Tag
	Objects             map[string]*object
}

type grant struct {
	Type, ID, DisplayName, URI, Email string
	Permission                        string
}

type publicAccessBlock struct {
	BlockPublicAcls       bool `xml:"BlockPublicAcls"`
	IgnorePublicAcls      bool `xml:"IgnorePublicAcls"`
	BlockPublicPolicy     bool `xml:"BlockPublicPolicy"`
	RestrictPublicBuckets bool `xml:"RestrictPublicBuckets"`
}

// Group grantee URIs.
const (
	allUsersURI           = "http://acs.amazonaws.com/groups/global/AllUsers"
	authenticatedUsersURI = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
	logDeliveryURI        = "http://acs.amazonaws.com/groups/s3/LogDelivery"
)

var s3IAMActions = map[string]string{
	"ListBuckets":                   "ListAllMyBuckets",
	"HeadBucket":                    "ListBucket",
	"GetPublicAccessBlock":          "GetBucketPublicAccessBlock",
	"PutPublicAccessBlock":          "PutBucketPublicAccessBlock",
	"DeletePublicAccessBlock":       "PutBucketPublicAccessBlock",
	"DeleteBucketOwnershipControls": "PutBucketOwnershipControls",
	"DeleteBucketTagging":           "PutBucketTagging",
	"HeadObject":                    "GetObject",
	"ListObjects":                   "ListBucket",
	"ListObjectsV2":                 "ListBucket",
}

// s3ObjectOps names the operation of an object request per HTTP method.
var s3ObjectOps = map[string]string{
	http.MethodGet: "GetObject", http.MethodHead: "HeadObject",
	http.MethodPut: "PutObject", http.MethodDelete: "DeleteObject",
}

// s3Subresources maps a bucket sub-resource query key to the operation per
// HTTP method.
var s3Subresources = map[string]map[string]string{
	"location":          {"GET": "GetBucketLocation"},
	"logging":           {"GET": "GetBucketLogging", "PUT": "PutBucketLogging"},
	"versioning":        {"GET": "GetBucketVersioning", "PUT": "PutBucketVersioning"},
	"acl":               {"GET": "GetBucketAcl", "PUT": "PutBucketAcl"},
	"policy":            {"GET": "GetBucketPolicy", "PUT": "PutBucketPolicy", "DELETE": "DeleteBucketPolicy"},
	"policyStatus":      {"GET": "GetBucketPolicyStatus"},
	"publicAccessBlock": {"GET": "GetPublicAccessBlock", "PUT": "PutPublicAccessBlock", "DELETE": "DeletePublicAccessBlock"},
	"ownershipControls": {"GET": "GetBucketOwnershipControls", "PUT": "PutBucketOwnershipControls", "DELETE": "DeleteBucketOwnershipControls"},
	"tagging":           {"GET": "GetBucketTagging", "PUT": "PutBucketTagging", "DELETE": "DeleteBucketTagging"},
}

// s3Operation names the S3 operation of a path-style request.
func s3Operation(r *http.Request) string {
	path := strings.TrimPrefix(r.URL.Path, "/")
	if path == "" {
		if r.Method == http.MethodGet {
			return "ListBuckets"
		}
		return "Unknown"
	}
	if _, key, _ := strings.Cut(path, "/"); key != "" {
		if op, ok := s3ObjectOps[r.Method]; ok {
			return op
		}
		return "ObjectOperation" + r.Method
	}
	query := r.URL.Query()
	for sub, byMethod := range s3Subresources {
		if _, ok := query[sub]; ok {
			if op, ok := byMethod[r.Method]; ok {
				return op
			}
			return "Unknown" + sub
		}
	}
	switch r.Method {
	case http.MethodPut:
		return "CreateBucket"
	case http.MethodDelete:
		return "DeleteBucket"
	case http.MethodHead:
		return "HeadBucket"
	case http.MethodGet:
		if r.URL.Query().Get("list-type") == "2" {
			return "ListObjectsV2"
		}
		return "ListObjects"
	}
	return "Unknown"
}

func bucketName(q *request) string {
	name, _, _ := strings.Cut(strings.TrimPrefix(q.r.URL.Path, "/"), "/")
	return name
}

func (s *Server) s3Ops() map[string]handlerFunc {
	return map[string]handlerFunc{
		"ListBuckets":                   s.listBuckets,
		"CreateBucket":                  s.createBucket,
		"DeleteBucket":                  s.bucketOp(s.deleteBucket),
		"HeadBucket":                    s.bucketOp(s.headBucket),
		"GetBucketLocation":             s.getBucketLocation,
		"GetBucketLogging":              s.bucketOp(s.getBucketLogging),
		"PutBucketLogging":              s.bucketOp(s.putBucketLogging),
		"GetBucketVersioning":           s.bucketOp(s.getBucketVersioning),
		"PutBucketVersioning":           s.bucketOp(s.putBucketVersioning),
		"GetBucketAcl":                  s.bucketOp(s.getBucketAcl),
		"PutBucketAcl":                  s.bucketOp(s.putBucketAcl),
		"GetBucketPolicy":               s.bucketOp(s.getBucketPolicy),
		"PutBucketPolicy":               s.bucketOp(s.putBucketPolicy),
		"DeleteBucketPolicy":            s.bucketOp(s.deleteBucketPolicy),
		"GetBucketPolicyStatus":         s.bucketOp(s.getBucketPolicyStatus),
		"GetPublicAccessBlock":          s.bucketOp(s.getBucketPAB),
		"PutPublicAccessBlock":          s.bucketOp(s.putBucketPAB),
		"DeletePublicAccessBlock":       s.bucketOp(s.deleteBucketPAB),
		"GetBucketOwnershipControls":    s.bucketOp(s.getOwnershipControls),
		"PutBucketOwnershipControls":    s.bucketOp(s.putOwnershipControls),
		"DeleteBucketOwnershipControls": s.bucketOp(s.deleteOwnershipControls),
		"GetBucketTagging":              s.bucketOp(s.getBucketTagging),
		"PutBucketTagging":              s.bucketOp(s.putBucketTagging),
		"DeleteBucketTagging":           s.bucketOp(s.deleteBucketTagging),
		"GetObject":                     s.bucketOp(s.getObject),
		"HeadObject":                    s.bucketOp(s.getObject),
		"PutObject":                     s.bucketOp(s.putObject),
		"DeleteObject":                  s.bucketOp(s.deleteObject),
		"ListObjects":                   s.bucketOp(s.listObjects),
		"ListObjectsV2":                 s.bucketOp(s.listObjects),
	}
}

func noSuchBucket(name string) *apiError {
	e := newErr("NoSuchBucket", "The specified bucket does not exist", http.StatusNotFound)
	e.Extra = map[string]string{"BucketName": name}
	return e
}

func s3AccessDenied() *apiError { return newErr("AccessDenied", "Access Denied", http.StatusForbidden) }

// bucketOp wraps a handler of one existing bucket: NoSuchBucket when it is
// missing, PermanentRedirect when the call is signed for another region,
// AccessDenied when another account owns it. The handler runs locked.
func (s *Server) bucketOp(fn func(q *request, b *bucket) (any, *apiError)) handlerFunc {
	return func(q *request) (any, *apiError) {
		name := bucketName(q)
		expected := q.r.Header.Get("x-amz-expected-bucket-owner")
		return s.locked(func() (any, *apiError) {
			b := s.st.buckets[name]
			switch {
			case b == nil:
				return nil, noSuchBucket(name)
			case b.Region != q.region:
				e := newErr("PermanentRedirect", "The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.", http.StatusMovedPermanently)
				e.Extra = map[string]string{"Bucket": name, "Endpoint": "s3." + b.Region + ".amazonaws.com"}
				e.Header = map[string]string{"x-amz-bucket-region": b.Region}
				return nil, e
			case b.Owner != q.account, expected != "" && expected != b.Owner:
				return nil, s3AccessDenied()
			}
			return fn(q, b)
		})
	}
}

// noContent is the 204 answer of S3 deletes and PutBucketPolicy.
var noContent = &rawResponse{Status: http.StatusNoContent}

type ownerXML struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName,omitempty"`
}

func ownerOf(account string) ownerXML { return ownerXML{ID: canonicalID(account)} }

type listBucketsXML struct {
	XMLName           xml.Name        `xml:"ListAllMyBucketsResult"`
	Xmlns             string          `xml:"xmlns,attr"`
	Owner             ownerXML        `xml:"Owner"`
	Buckets           []bucketItemXML `xml:"Buckets>Bucket"`
	ContinuationToken string          `xml:"ContinuationToken,omitempty"`
	Prefix            string          `xml:"Prefix,omitempty"`
}

type bucketItemXML struct {
	Name         string `xml:"Name"`
	CreationDate string `xml:"CreationDate"`
	BucketRegion string `xml:"BucketRegion"`
}

// listBuckets lists the caller's buckets by name, paginated with max-buckets
// and continuation-token like AWS's ListBuckets.
func (s *Server) listBuckets(q *request) (any, *apiError) {
	query := q.r.URL.Query()
	limit := 10000
	if v := query.Get("max-buckets"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return nil, newErr("InvalidArgument", "Argument max-buckets must be an integer between 1 and 10000.")
		}
		limit = n
	}
	after := ""
	if tok := query.Get("continuation-token"); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil {
			return nil, newErr("InvalidArgument", "The continuation token provided is incorrect")
		}
		after = string(b)
	}
	prefix, region := query.Get("prefix"), query.Get("bucket-region")
	var names []string
	items := map[string]bucketItemXML{}
	s.st.lock(func() {
		for _, b := range s.st.bucketsOf[q.account] {
			if !strings.HasPrefix(b.Name, prefix) || (region != "" && b.Region != region) || b.Name <= after {
				continue
			}
			names = append(names, b.Name)
			items[b.Name] = bucketItemXML{Name: b.Name, CreationDate: iso8601(b.Created), BucketRegion: b.Region}
		}
	})
	sort.Strings(names)
	out := listBucketsXML{Xmlns: s3XMLNS, Owner: ownerOf(q.account), Buckets: []bucketItemXML{}, Prefix: prefix}
	for i, n := range names {
		if i == limit {
			out.ContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(names[i-1]))
			break
		}
		out.Buckets = append(out.Buckets, items[n])
	}
	return out, nil
}

var bucketNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

type createBucketXML struct {
	LocationConstraint string `xml:"LocationConstraint"`
}

// createBucket creates a bucket in the region named by LocationConstraint
// (none = us-east-1, "EU" = eu-west-1), which must be the region the call is
// signed for.
func (s *Server) createBucket(q *request) (any, *apiError) {
	name := bucketName(q)
	if !bucketNameRE.MatchString(name) || strings.Contains(name, "..") {
		e := newErr("InvalidBucketName", "The specified bucket is not valid.")
		e.Extra = map[string]string{"BucketName": name}
		return nil, e
	}
	var cfg createBucketXML
	if len(q.body) > 0 {
		if err := xml.Unmarshal(q.body, &cfg); err != nil {
			return nil, newErr("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
		}
	}
	region := cfg.LocationConstraint
	switch region {
	case "us-east-1":
		// AWS refuses the explicit constraint for us-east-1: omit it instead.
		return nil, newErr("InvalidLocationConstraint", "The specified location-constraint is not valid")
	case "":
		region = "us-east-1"
	case "EU":
		region = "eu-west-1"
	}
	if region != q.region {
		if cfg.LocationConstraint == "" {
			return nil, newErr("IllegalLocationConstraintException", "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.")
		}
		return nil, newErr("IllegalLocationConstraintException", "The "+cfg.LocationConstraint+" location constraint is incompatible for the region specific endpoint this request was sent to.")
	}
	if !s.enabled[region] {
		return nil, newErr("InvalidLocationConstraint", "The specified location-constraint is not valid")
	}
	grants, aerr := cannedGrants(q.account, q.r.Header.Get("x-amz-acl"))
	if aerr != nil {
		return nil, aerr
	}
	ownership := q.r.Header.Get("x-amz-object-ownership")
	if ownership != "" && !validOwnership(ownership) {
		return nil, newErr("InvalidArgument", "Invalid x-amz-object-ownership header: "+ownership)
	}
	return s.locked(func() (any, *apiError) {
		if b := s.st.buckets[name]; b != nil {
			e := newErr("BucketAlreadyExists", "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.", http.StatusConflict)
			if b.Owner == q.account {
				e = newErr("BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.", http.StatusConflict)
			}
			e.Extra = map[string]string{"BucketName": name}
			return nil, e
		}
		b := &bucket{Name: name, Owner: q.account, Region: region, Created: q.now, Grants: grants, Ownership: ownership}
		if s.opts.ModernBucketDefaults {
			b.PAB = &publicAccessBlock{true, true, true, true}
			if b.Ownership == "" {
				b.Ownership = "BucketOwnerEnforced"
			}
		}
		s.st.putBucket(b)
		return &rawResponse{Header: map[string]string{"Location": "/" + name}}, nil
	})
}

func (s *Server) deleteBucket(_ *request, b *bucket) (any, *apiError) {
	if len(b.Objects) > 0 {
		e := newErr("BucketNotEmpty", "The bucket you tried to delete is not empty", http.StatusConflict)
		e.Extra = map[string]string{"BucketName": b.Name}
		return nil, e
	}
	s.st.dropBucket(b)
	return noContent, nil
}

func (s *Server) headBucket(_ *request, b *bucket) (any, *apiError) {
	return &rawResponse{Header: map[string]string{"x-amz-bucket-region": b.Region}}, nil
}

type locationXML struct {
	XMLName            xml.Name `xml:"LocationConstraint"`
	Xmlns              string   `xml:"xmlns,attr"`
	LocationConstraint string   `xml:",chardata"`
}

// getBucketLocation answers from any region; us-east-1 is the empty string.
func (s *Server) getBucketLocation(q *request) (any, *apiError) {
	name := bucketName(q)
	return s.locked(func() (any, *apiError) {
		b := s.st.buckets[name]
		switch {
		case b == nil:
			return nil, noSuchBucket(name)
		case b.Owner != q.account:
			return nil, s3AccessDenied()
		}
		loc := b.Region
		if loc == "us-east-1" {
			loc = ""
		}
		return locationXML{Xmlns: s3XMLNS, LocationConstraint: loc}, nil
	})
}

type loggingEnabledXML struct {
	TargetBucket string `xml:"TargetBucket"`
	TargetPrefix string `xml:"TargetPrefix"`
}

type bucketLoggingXML struct {
	XMLName        xml.Name           `xml:"BucketLoggingStatus"`
	Xmlns          string             `xml:"xmlns,attr"`
	LoggingEnabled *loggingEnabledXML `xml:"LoggingEnabled,omitempty"`
}

func (s *Server) getBucketLogging(_ *request, b *bucket) (any, *apiError) {
	return bucketLoggingXML{Xmlns: s3XMLNS, LoggingEnabled: b.Logging}, nil
}

// putBucketLogging sets or (with an empty status) clears server access
// logging; the target bucket must exist.
func (s *Server) putBucketLogging(q *request, b *bucket) (any, *apiError) {
	var in bucketLoggingXML
	if err := xml.Unmarshal(q.body, &in); err != nil {
		return nil, malformedXML()
	}
	if in.LoggingEnabled != nil {
		target := s.st.buckets[in.LoggingEnabled.TargetBucket]
		if target == nil || target.Owner != b.Owner || target.Region != b.Region {
			e := newErr("InvalidTargetBucketForLogging", "The target bucket for logging does not exist, is not owned by you, or does not have the appropriate grants for the log-delivery group.")
			e.Extra = map[string]string{"TargetBucket": in.LoggingEnabled.TargetBucket}
			return nil, e
		}
	}
	b.Logging = in.LoggingEnabled
	return nil, nil
}

func malformedXML() *apiError {
	return newErr("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
}

type versioningXML struct {
	XMLName   xml.Name `xml:"VersioningConfiguration"`
	Xmlns     string   `xml:"xmlns,attr,omitempty"`
	Status    string   `xml:"Status,omitempty"`
	MfaDelete string   `xml:"MfaDelete,omitempty"`
}

// getBucketVersioning omits Status until versioning was ever set and
// MfaDelete until MFA Delete was ever configured.
func (s *Server) getBucketVersioning(_ *request, b *bucket) (any, *apiError) {
	return versioningXML{Xmlns: s3XMLNS, Status: b.VersioningStatus, MfaDelete: b.MFADelete}, nil
}

// putBucketVersioning needs the x-amz-mfa header to configure MFA Delete, or
// to change anything while MFA Delete is enabled (on AWS only the root user
// with its MFA device can).
func (s *Server) putBucketVersioning(q *request, b *bucket) (any, *apiError) {
	var in versioningXML
	if err := xml.Unmarshal(q.body, &in); err != nil {
		return nil, malformedXML()
	}
	hasMFA := q.r.Header.Get("x-amz-mfa") != ""
	if (in.MfaDelete != "" || b.MFADelete == "Enabled") && !hasMFA {
		return nil, newErr("AccessDenied", "Mfa Authentication must be used for this request", http.StatusForbidden)
	}
	if in.Status != "" && in.Status != "Enabled" && in.Status != "Suspended" {
		return nil, malformedXML()
	}
	if in.MfaDelete != "" && in.MfaDelete != "Enabled" && in.MfaDelete != "Disabled" {
		return nil, malformedXML()
	}
	if in.Status != "" {
		b.VersioningStatus = in.Status
	}
	if in.MfaDelete != "" {
		b.MFADelete = in.MfaDelete
	}
	return nil, nil
}

func (s *Server) getBucketPolicy(_ *request, b *bucket) (any, *apiError) {
	if b.Policy == "" {
		return nil, noSuchBucketPolicy(b.Name)
	}
	return &rawResponse{ContentType: "application/json", Body: []byte(b.Policy)}, nil
}

func noSuchBucketPolicy(name string) *apiError {
	e := newErr("NoSuchBucketPolicy", "The bucket policy does not exist", http.StatusNotFound)
	e.Extra = map[string]string{"BucketName": name}
	return e
}

// putBucketPolicy stores a policy; a public one is refused while
// BlockPublicPolicy is on at bucket or account level.
func (s *Server) putBucketPolicy(q *request, b *bucket) (any, *apiError) {
	doc, err := parsePolicy(q.body)
	if err != nil {
		return nil, newErr("MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'")
	}
	if doc.isPublic() && s.effectivePAB(b).BlockPublicPolicy {
		return nil, s3AccessDenied()
	}
	b.Policy = string(q.body)
	return noContent, nil
}

func (s *Server) deleteBucketPolicy(_ *request, b *bucket) (any, *apiError) {
	b.Policy = ""
	return noContent, nil
}

type policyStatusXML struct {
	XMLName  xml.Name `xml:"PolicyStatus"`
	Xmlns    string   `xml:"xmlns,attr"`
	IsPublic bool     `xml:"IsPublic"`
}

// getBucketPolicyStatus evaluates the policy with AWS's definition of
// public; NoSuchBucketPolicy when there is none.
func (s *Server) getBucketPolicyStatus(_ *request, b *bucket) (any, *apiError) {
	if b.Policy == "" {
		return nil, noSuchBucketPolicy(b.Name)
	}
	doc, err := parsePolicy([]byte(b.Policy))
	return policyStatusXML{Xmlns: s3XMLNS, IsPublic: err == nil && doc.isPublic()}, nil
}

type pabXML struct {
	XMLName xml.Name `xml:"PublicAccessBlockConfiguration"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	publicAccessBlock
}

func noSuchPAB() *apiError {
	return newErr("NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found", http.StatusNotFound)
}

func (s *Server) getBucketPAB(_ *request, b *bucket) (any, *apiError) {
	if b.PAB == nil {
		return nil, noSuchPAB()
	}
	return pabXML{Xmlns: s3XMLNS, publicAccessBlock: *b.PAB}, nil
}

func (s *Server) putBucketPAB(q *request, b *bucket) (any, *apiError) {
	var in pabXML
	if err := xml.Unmarshal(q.body, &in); err != nil {
		return nil, malformedXML()
	}
	p := in.publicAccessBlock
	b.PAB = &p
	return nil, nil
}

func (s *Server) deleteBucketPAB(_ *request, b *bucket) (any, *apiError) {
	b.PAB = nil
	return noContent, nil
}

// effectivePAB combines bucket and account settings. State must be locked.
func (s *Server) effectivePAB(b *bucket) publicAccessBlock {
	var out publicAccessBlock
	for _, p := range []*publicAccessBlock{b.PAB, s.st.accountPAB[b.Owner]} {
		if p == nil {
			continue
		}
		out.BlockPublicAcls = out.BlockPublicAcls || p.BlockPublicAcls
		out.IgnorePublicAcls = out.IgnorePublicAcls || p.IgnorePublicAcls
		out.BlockPublicPolicy = out.BlockPublicPolicy || p.BlockPublicPolicy
		out.RestrictPublicBuckets = out.RestrictPublicBuckets || p.RestrictPublicBuckets
	}
	return out
}

type ownershipXML struct {
	XMLName xml.Name `xml:"OwnershipControls"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Rules   []struct {
		ObjectOwnership string `xml:"ObjectOwnership"`
	} `xml:"Rule"`
}

func validOwnership(v string) bool {
	return v == "BucketOwnerPreferred" || v == "ObjectWriter" || v == "BucketOwnerEnforced"
}

func (s *Server) getOwnershipControls(_ *request, b *bucket) (any, *apiError) {
	if b.Ownership == "" {
		e := newErr("OwnershipControlsNotFoundError", "The bucket ownership controls were not found", http.StatusNotFound)
		e.Extra = map[string]string{"BucketName": b.Name}
		return nil, e
	}
	out := ownershipXML{Xmlns: s3XMLNS}
	out.Rules = append(out.Rules, struct {
		ObjectOwnership string `xml:"ObjectOwnership"`
	}{b.Ownership})
	return out, nil
}

// putOwnershipControls refuses BucketOwnerEnforced while the bucket ACL grants
// anything beyond the owner's full control, as AWS does.
func (s *Server) putOwnershipControls(q *request, b *bucket) (any, *apiError) {
	var in ownershipXML
	if err := xml.Unmarshal(q.body, &in); err != nil || len(in.Rules) != 1 || !validOwnership(in.Rules[0].ObjectOwnership) {
		return nil, malformedXML()
	}
	v := in.Rules[0].ObjectOwnership
	if v == "BucketOwnerEnforced" && !onlyOwnerGrants(b) {
		return nil, newErr("InvalidBucketAclWithObjectOwnership", "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting")
	}
	b.Ownership = v
	return nil, nil
}

func (s *Server) deleteOwnershipControls(_ *request, b *bucket) (any, *apiError) {
	b.Ownership = ""
	return noContent, nil
}
