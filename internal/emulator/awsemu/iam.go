package awsemu

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// IAM is served for the calls a CloudTrail set-up needs: the role CloudTrail
// assumes to write to a CloudWatch Logs group (CreateRole, GetRole,
// PutRolePolicy and their list, read and delete counterparts). It is the
// query protocol, Version 2010-05-08, and global: clients sign it for
// us-east-1. Its roles are the ones STS AssumeRole assumes.

const iamXMLNS = "https://iam.amazonaws.com/doc/2010-05-08/"

func (s *Server) iamOps() map[string]handlerFunc {
	return map[string]handlerFunc{
		"CreateRole":       s.iamCreateRole,
		"GetRole":          s.iamRoleOp(func(_ *request, r *Role) (any, *apiError) { return iamRoleResult{Role: r.xml()}, nil }),
		"DeleteRole":       s.iamRoleOp(s.iamDeleteRole),
		"ListRoles":        s.iamListRoles,
		"PutRolePolicy":    s.iamRoleOp(iamPutRolePolicy),
		"GetRolePolicy":    s.iamRoleOp(iamGetRolePolicy),
		"ListRolePolicies": s.iamRoleOp(iamListRolePolicies),
		"DeleteRolePolicy": s.iamRoleOp(iamDeleteRolePolicy),
	}
}

// iamRoleXML is the Role element of IAM's answers.
type iamRoleXML struct {
	Path                     string `xml:"Path"`
	RoleName                 string `xml:"RoleName"`
	RoleId                   string `xml:"RoleId"`
	Arn                      string `xml:"Arn"`
	CreateDate               string `xml:"CreateDate"`
	AssumeRolePolicyDocument string `xml:"AssumeRolePolicyDocument"`
	Description              string `xml:"Description,omitempty"`
	MaxSessionDuration       int    `xml:"MaxSessionDuration"`
}

func (r *Role) xml() iamRoleXML {
	return iamRoleXML{
		Path:                     r.rolePath(),
		RoleName:                 r.RoleName,
		RoleId:                   r.id,
		Arn:                      r.ARN(),
		CreateDate:               r.created.Format(time.RFC3339),
		AssumeRolePolicyDocument: iamEscape(r.assumeRolePolicy()),
		Description:              r.description,
		MaxSessionDuration:       3600,
	}
}

// iamEscape encodes a policy document as IAM returns it: percent-encoded
// (RFC 3986, so a space is %20), which botocore decodes and SDK users
// decode with url.QueryUnescape.
func iamEscape(doc string) string { return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20") }

type iamRoleResult struct {
	Role iamRoleXML `xml:"Role"`
}

var (
	iamNameRE = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	iamPathRE = regexp.MustCompile(`^/([\x21-\x7E]{0,510}/)?$`)
)

func iamValidation(field, value string) *apiError {
	return newErr("ValidationError", "1 validation error detected: Value '"+value+"' at '"+field+"' failed to satisfy constraint")
}

func noSuchEntity(msg string) *apiError { return newErr("NoSuchEntity", msg, http.StatusNotFound) }

// iamPolicyDocument checks that doc is a policy document, as IAM does.
func iamPolicyDocument(doc string) *apiError {
	if !json.Valid([]byte(doc)) {
		return malformedPolicy("This policy contains invalid Json")
	}
	if st, err := policyStatements[json.RawMessage]([]byte(doc)); err != nil || len(st) == 0 {
		return malformedPolicy("Syntax errors in policy.")
	}
	return nil
}

// iamRoleOp finds the caller's role named by RoleName and runs fn on it
// with the state locked.
func (s *Server) iamRoleOp(fn func(q *request, r *Role) (any, *apiError)) handlerFunc {
	return func(q *request) (any, *apiError) {
		name := formOf(q).Get("RoleName")
		if !iamNameRE.MatchString(name) {
			return nil, iamValidation("roleName", name)
		}
		return s.locked(func() (any, *apiError) {
			r := s.st.role(q.account, name)
			if r == nil {
				return nil, noSuchEntity("The role with name " + name + " cannot be found.")
			}
			return fn(q, r)
		})
	}
}

func (s *Server) iamCreateRole(q *request) (any, *apiError) {
	f := formOf(q)
	name, trust, path := f.Get("RoleName"), f.Get("AssumeRolePolicyDocument"), f.Get("Path")
	if !iamNameRE.MatchString(name) {
		return nil, iamValidation("roleName", name)
	}
	if path == "" {
		path = "/"
	}
	if !iamPathRE.MatchString(path) {
		return nil, iamValidation("path", path)
	}
	accounts, externalID, aerr := trustOf(trust)
	if aerr != nil {
		return nil, aerr
	}
	return s.locked(func() (any, *apiError) {
		if s.st.role(q.account, name) != nil {
			return nil, newErr("EntityAlreadyExists", "Role with name "+name+" already exists.", http.StatusConflict)
		}
		r := &Role{AccountID: q.account, RoleName: name, TrustedAccountIDs: accounts, ExternalID: externalID,
			path: path, description: f.Get("Description"), trustPolicy: trust}
		s.st.putRole(r, q.now)
		return iamRoleResult{Role: r.xml()}, nil
	})
}

func (s *Server) iamDeleteRole(_ *request, r *Role) (any, *apiError) {
	if len(r.policies) > 0 {
		return nil, newErr("DeleteConflict", "Cannot delete entity, must delete policies first.", http.StatusConflict)
	}
	delete(s.st.roles, roleKey(r.AccountID, r.RoleName))
	return nil, nil
}

type iamRolesResult struct {
	Roles       []iamRoleXML `xml:"Roles>member"`
	IsTruncated bool         `xml:"IsTruncated"`
	Marker      string       `xml:"Marker,omitempty"`
}

func (s *Server) iamListRoles(q *request) (any, *apiError) {
	f := formOf(q)
	prefix := f.Get("PathPrefix")
	if prefix == "" {
		prefix = "/"
	}
	return s.locked(func() (any, *apiError) {
		var roles []*Role
		for _, r := range s.st.roles {
			if r.AccountID == q.account && strings.HasPrefix(r.rolePath(), prefix) {
				roles = append(roles, r)
			}
		}
		slices.SortFunc(roles, func(a, b *Role) int { return strings.Compare(a.RoleName, b.RoleName) })
		page, marker, aerr := iamPage(f, roles)
		if aerr != nil {
			return nil, aerr
		}
		out := iamRolesResult{Roles: []iamRoleXML{}, IsTruncated: marker != "", Marker: marker}
		for _, r := range page {
			out.Roles = append(out.Roles, r.xml())
		}
		return out, nil
	})
}

// iamPage cuts one page out of items by the Marker and MaxItems (1 to 1000,
// default 100) of the request, and returns the marker of the next page ("" on
// the last).
func iamPage[T any](f url.Values, items []T) ([]T, string, *apiError) {
	limit := 100
	if v := f.Get("MaxItems"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return nil, "", iamValidation("maxItems", v)
		}
		limit = n
	}
	page, next, ok := pageOf(items, f.Get("Marker"), limit)
	if !ok {
		return nil, "", newErr("InvalidInput", "Invalid Marker.")
	}
	return page, next, nil
}

func iamPutRolePolicy(q *request, r *Role) (any, *apiError) {
	f := formOf(q)
	name, doc := f.Get("PolicyName"), f.Get("PolicyDocument")
	if !iamNameRE.MatchString(name) {
		return nil, iamValidation("policyName", name)
	}
	if aerr := iamPolicyDocument(doc); aerr != nil {
		return nil, aerr
	}
	r.policies[name] = doc
	return nil, nil
}

type iamRolePolicyResult struct {
	RoleName       string `xml:"RoleName"`
	PolicyName     string `xml:"PolicyName"`
	PolicyDocument string `xml:"PolicyDocument"`
}

// rolePolicy returns the named inline policy of r.
func rolePolicy(q *request, r *Role) (string, string, *apiError) {
	name := formOf(q).Get("PolicyName")
	doc, ok := r.policies[name]
	if !ok {
		return name, "", noSuchEntity("The role policy with name " + name + " cannot be found.")
	}
	return name, doc, nil
}

func iamGetRolePolicy(q *request, r *Role) (any, *apiError) {
	name, doc, aerr := rolePolicy(q, r)
	if aerr != nil {
		return nil, aerr
	}
	return iamRolePolicyResult{RoleName: r.RoleName, PolicyName: name, PolicyDocument: iamEscape(doc)}, nil
}

func iamDeleteRolePolicy(q *request, r *Role) (any, *apiError) {
	name, _, aerr := rolePolicy(q, r)
	if aerr != nil {
		return nil, aerr
	}
	delete(r.policies, name)
	return nil, nil
}

type iamPolicyNamesResult struct {
	PolicyNames []string `xml:"PolicyNames>member"`
	IsTruncated bool     `xml:"IsTruncated"`
	Marker      string   `xml:"Marker,omitempty"`
}

func iamListRolePolicies(q *request, r *Role) (any, *apiError) {
	names := slices.Sorted(maps.Keys(r.policies))
	page, marker, aerr := iamPage(formOf(q), names)
	if aerr != nil {
		return nil, aerr
	}
	return iamPolicyNamesResult{PolicyNames: append([]string{}, page...), IsTruncated: marker != "", Marker: marker}, nil
}
