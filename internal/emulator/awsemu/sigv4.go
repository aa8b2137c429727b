package awsemu

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// sigV4Auth is the parsed Authorization header of a SigV4 request.
type sigV4Auth struct {
	AccessKey     string
	Date          string
	Region        string
	Service       string
	SignedHeaders []string
	Signature     string
}

func parseAuthorization(h string) (sigV4Auth, bool) {
	var a sigV4Auth
	rest, ok := strings.CutPrefix(h, "AWS4-HMAC-SHA256 ")
	if !ok {
		return a, false
	}
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			f := strings.Split(v, "/")
			if len(f) != 5 {
				return a, false
			}
			a.AccessKey, a.Date, a.Region, a.Service = f[0], f[1], f[2], f[3]
		case "SignedHeaders":
			a.SignedHeaders = strings.Split(v, ";")
		case "Signature":
			a.Signature = v
		}
	}
	return a, a.AccessKey != "" && a.Signature != ""
}

// scopeRegion is the region of the request's credential scope ("" when unsigned).
func scopeRegion(r *http.Request) string {
	a, _ := parseAuthorization(r.Header.Get("Authorization"))
	return a.Region
}

// scopeService is the signing name of the request's credential scope.
func scopeService(r *http.Request) string {
	a, _ := parseAuthorization(r.Header.Get("Authorization"))
	return a.Service
}

// authenticate verifies the request's SigV4 signature and sets the caller's
// account and access key. The signature is recomputed with the SDK's own
// signer over a copy of the request that holds only the signed headers.
func (s *Server) authenticate(q *request) *apiError {
	h := q.r.Header.Get("Authorization")
	if h == "" {
		if q.svc.name == "s3" || q.svc.name == "s3control" {
			return q.svc.errs.noAuth.withMessage("Access Denied")
		}
		return q.svc.errs.noAuth.withMessage("Request is missing Authentication Token")
	}
	a, ok := parseAuthorization(h)
	if !ok {
		return newErr("IncompleteSignature", "Authorization header is not a valid AWS Signature Version 4 header", q.svc.errs.badSignature.Status)
	}
	q.accessKey = a.AccessKey
	q.region = a.Region
	cred, known := s.st.credential(a.AccessKey)
	if !known {
		if q.svc.name == "s3" || q.svc.name == "s3control" {
			return q.svc.errs.unknownKey.withMessage("The AWS Access Key Id you provided does not exist in our records.")
		}
		return q.svc.errs.unknownKey.withMessage("The security token included in the request is invalid.")
	}
	signed, err := time.Parse("20060102T150405Z", q.r.Header.Get("X-Amz-Date"))
	if err == nil && (q.now.Sub(signed) > maxClockSkew || signed.Sub(q.now) > maxClockSkew) {
		if q.svc.name == "s3" || q.svc.name == "s3control" {
			return newErr("RequestTimeTooSkewed", "The difference between the request time and the current time is too large.", 403)
		}
		return q.svc.errs.badSignature.withMessage("Signature expired: " + q.r.Header.Get("X-Amz-Date") + " is now earlier than the allowed window.")
	}
	if h := q.r.Header.Get("X-Amz-Content-Sha256"); isHexSHA256(h) {
		sum := sha256.Sum256(q.body)
		if hex.EncodeToString(sum[:]) != strings.ToLower(h) {
			return newErr("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.")
		}
	}
	want, err := s.expectedSignature(q, a, cred.secret)
	if err != nil || subtle.ConstantTimeCompare([]byte(want), []byte(a.Signature)) != 1 {
		return q.svc.errs.badSignature.withMessage("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.")
	}
	if aerr := checkSession(q, cred); aerr != nil {
		return aerr
	}
	q.account = cred.account
	q.principal, q.principalID = cred.principal, cred.principalID
	return nil
}

func (s *Server) expectedSignature(q *request, a sigV4Auth, secret string) (string, error) {
	r := q.r
	signingTime, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return "", err
	}
	u := &url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	c, err := http.NewRequest(r.Method, u.String(), nil)
	if err != nil {
		return "", err
	}
	c.Host = r.Host
	for _, name := range a.SignedHeaders {
		switch name {
		case "host":
		case "content-length":
			c.ContentLength = r.ContentLength
		default:
			c.Header[http.CanonicalHeaderKey(name)] = r.Header.Values(name)
		}
	}
	payloadHash := r.Header.Get("X-Amz-Content-Sha256")
	if payloadHash == "" {
		sum := sha256.Sum256(q.body)
		payloadHash = hex.EncodeToString(sum[:])
	}
	signer := v4.NewSigner(func(o *v4.SignerOptions) {
		// S3 does not double-escape the path.
		o.DisableURIPathEscaping = a.Service == "s3"
	})
	creds := aws.Credentials{AccessKeyID: a.AccessKey, SecretAccessKey: secret}
	if err := signer.SignHTTP(context.Background(), creds, c, payloadHash, a.Service, a.Region, signingTime); err != nil {
		return "", err
	}
	got, ok := parseAuthorization(c.Header.Get("Authorization"))
	if !ok {
		return "", err
	}
	return got.Signature, nil
}

// maxClockSkew is how far a request's signing time may be from the server's.
const maxClockSkew = 15 * time.Minute

func isHexSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// checkSession checks the session token and expiry of temporary credentials.
func checkSession(q *request, cred credential) *apiError {
	if cred.token == "" {
		return nil
	}
	if q.r.Header.Get("X-Amz-Security-Token") != cred.token {
		return q.svc.errs.unknownKey.withMessage("The security token included in the request is invalid.")
	}
	if q.now.After(cred.expires) {
		code := "ExpiredToken"
		if _, ok := q.svc.proto.(jsonProtocol); ok {
			code = "ExpiredTokenException"
		}
		return newErr(code, "The security token included in the request is expired")
	}
	return nil
}
