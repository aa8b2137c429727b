package awsemu

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
	"time"
)

func (s *Server) stsOps() map[string]handlerFunc {
	return map[string]handlerFunc{
		"GetCallerIdentity": s.getCallerIdentity,
		"AssumeRole":        s.assumeRole,
	}
}

type callerIdentityResult struct {
	Arn     string `xml:"Arn"`
	UserId  string `xml:"UserId"`
	Account string `xml:"Account"`
}

// getCallerIdentity answers as for IAM user "emulator" of the caller's
// account, or as the assumed role for temporary credentials.
func (s *Server) getCallerIdentity(q *request) (any, *apiError) {
	if q.principal != "" {
		return callerIdentityResult{Arn: q.principal, UserId: q.principalID, Account: q.account}, nil
	}
	return callerIdentityResult{Arn: callerARN(q.account), UserId: callerUserID(q.account), Account: q.account}, nil
}

type assumeRoleResult struct {
	Credentials struct {
		AccessKeyId     string `xml:"AccessKeyId"`
		SecretAccessKey string `xml:"SecretAccessKey"`
		SessionToken    string `xml:"SessionToken"`
		Expiration      string `xml:"Expiration"`
	} `xml:"Credentials"`
	AssumedRoleUser struct {
		AssumedRoleId string `xml:"AssumedRoleId"`
		Arn           string `xml:"Arn"`
	} `xml:"AssumedRoleUser"`
	PackedPolicySize int `xml:"PackedPolicySize"`
}

var roleSessionNameRE = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

// assumeRole issues temporary credentials of a role in another (or the
// same) account. The emulator then authenticates them as that account. As on
// AWS, a role that does not exist, a trust policy that does not name the
// caller's account, a wrong external id and a suspended account all answer
// the same AccessDenied.
func (s *Server) assumeRole(q *request) (any, *apiError) {
	form := formOf(q)
	arn, session := form.Get("RoleArn"), form.Get("RoleSessionName")
	if !roleSessionNameRE.MatchString(session) {
		return nil, newErr("ValidationError", "1 validation error detected: Value '"+session+"' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*")
	}
	a, ok := parseARN(arn)
	name, isRole := strings.CutPrefix(a.Resource, "role/")
	if !ok || a.Service != "iam" || !isRole || name == "" || len(a.Account) != 12 {
		return nil, newErr("ValidationError", "1 validation error detected: Value '"+arn+"' at 'roleArn' failed to satisfy constraint: Member must be a valid role ARN")
	}
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	duration := 3600
	if d := form.Get("DurationSeconds"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 900 || n > 43200 {
			return nil, newErr("ValidationError", "1 validation error detected: Value '"+d+"' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200")
		}
		duration = n
	}
	caller := q.principal
	if caller == "" {
		caller = callerARN(q.account)
	}
	denied := s.queryDenied("User: " + caller + " is not authorized to perform: sts:AssumeRole on resource: " + arn)
	var allowed bool
	s.st.lock(func() {
		r := s.st.role(a.Account, name)
		suspended := s.st.org.status(a.Account) == "SUSPENDED"
		allowed = r != nil && a.Resource == "role"+r.rolePath()+r.RoleName && !suspended && r.trusts(q.account, form.Get("ExternalId"))
	})
	if !allowed {
		return nil, denied
	}
	var out assumeRoleResult
	out.Credentials.AccessKeyId = "ASIA" + strings.ToUpper(randomHex(8))
	out.Credentials.SecretAccessKey = base64.RawStdEncoding.EncodeToString(randomBytes(30))
	out.Credentials.SessionToken = base64.StdEncoding.EncodeToString(randomBytes(96))
	expires := q.now.Add(time.Duration(duration) * time.Second)
	out.Credentials.Expiration = expires.UTC().Format(time.RFC3339)
	roleID := "AROA" + strings.ToUpper(shortHash(a.Account+"/"+name, 17))
	out.AssumedRoleUser.AssumedRoleId = roleID + ":" + session
	out.AssumedRoleUser.Arn = "arn:" + a.Partition + ":sts::" + a.Account + ":assumed-role/" + name + "/" + session
	s.st.addCredential(out.Credentials.AccessKeyId, credential{
		secret: out.Credentials.SecretAccessKey, account: a.Account, token: out.Credentials.SessionToken,
		expires: expires, principal: out.AssumedRoleUser.Arn, principalID: out.AssumedRoleUser.AssumedRoleId,
	})
	return out, nil
}

// queryDenied is STS's AccessDenied.
func (s *Server) queryDenied(msg string) *apiError {
	return s.serviceNamed("sts").errs.denied.withMessage(msg)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }
