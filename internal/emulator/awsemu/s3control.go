package awsemu

import (
	"encoding/xml"
	"net/http"
	"strings"
)

// S3 Control (account-level Public Access Block) is served at
// /v20180820/configuration/publicAccessBlock with the x-amz-account-id
// header. The SDK's s3control client puts the account id in front of the
// host ("123456789012.127.0.0.1:PORT"), which does not resolve; callers must
// pin the endpoint with an EndpointResolverV2 that keeps the host of
// BaseEndpoint (see the package documentation and S3ControlEndpoint in the
// tests). The signing name is "s3".

const s3ControlPathPrefix = "/v20180820/"

var s3ControlIAMActions = map[string]string{
	"GetPublicAccessBlock":    "GetAccountPublicAccessBlock",
	"PutPublicAccessBlock":    "PutAccountPublicAccessBlock",
	"DeletePublicAccessBlock": "PutAccountPublicAccessBlock",
}

func s3ControlOperation(r *http.Request) string {
	if strings.TrimSuffix(r.URL.Path, "/") != s3ControlPathPrefix+"configuration/publicAccessBlock" {
		return "Unknown"
	}
	switch r.Method {
	case http.MethodGet:
		return "GetPublicAccessBlock"
	case http.MethodPut:
		return "PutPublicAccessBlock"
	case http.MethodDelete:
		return "DeletePublicAccessBlock"
	}
	return "Unknown"
}

func (s *Server) s3ControlOps() map[string]handlerFunc {
	return map[string]handlerFunc{
		"GetPublicAccessBlock":    s.accountOp(s.getAccountPAB),
		"PutPublicAccessBlock":    s.accountOp(s.putAccountPAB),
		"DeletePublicAccessBlock": s.accountOp(s.deleteAccountPAB),
	}
}

// accountOp checks x-amz-account-id against the caller and runs fn locked.
func (s *Server) accountOp(fn func(q *request) (any, *apiError)) handlerFunc {
	return func(q *request) (any, *apiError) {
		id := q.r.Header.Get("x-amz-account-id")
		if id == "" {
			return nil, newErr("InvalidRequest", "Missing x-amz-account-id header")
		}
		if id != q.account {
			return nil, s3AccessDenied()
		}
		return s.locked(func() (any, *apiError) { return fn(q) })
	}
}

func (s *Server) getAccountPAB(q *request) (any, *apiError) {
	p := s.st.accountPAB[q.account]
	if p == nil {
		return nil, noSuchPAB()
	}
	return pabXML{Xmlns: s3ControlXMLNS, publicAccessBlock: *p}, nil
}

func (s *Server) putAccountPAB(q *request) (any, *apiError) {
	var in pabXML
	if err := xml.Unmarshal(q.body, &in); err != nil {
		return nil, malformedXML()
	}
	p := in.publicAccessBlock
	s.st.accountPAB[q.account] = &p
	return nil, nil
}

func (s *Server) deleteAccountPAB(q *request) (any, *apiError) {
	delete(s.st.accountPAB, q.account)
	return noContent, nil
}
