package awsemu

import (
	"encoding/xml"
	"net/http"
	"strings"
)

type aclXML struct {
	XMLName xml.Name   `xml:"AccessControlPolicy"`
	Xmlns   string     `xml:"xmlns,attr"`
	Owner   ownerXML   `xml:"Owner"`
	Grants  []grantXML `xml:"AccessControlList>Grant"`
}

type grantXML struct {
	Grantee    granteeXML `xml:"Grantee"`
	Permission string     `xml:"Permission"`
}

type granteeXML struct {
	XSI          string `xml:"xmlns:xsi,attr"`
	Type         string `xml:"xsi:type,attr"`
	ID           string `xml:"ID,omitempty"`
	DisplayName  string `xml:"DisplayName,omitempty"`
	URI          string `xml:"URI,omitempty"`
	EmailAddress string `xml:"EmailAddress,omitempty"`
}

// aclInputXML parses an AccessControlPolicy body (xsi:type resolved by
// namespace, so the local name is matched).
type aclInputXML struct {
	Grants []struct {
		Grantee struct {
			Type         string `xml:"type,attr"`
			ID           string `xml:"ID"`
			DisplayName  string `xml:"DisplayName"`
			URI          string `xml:"URI"`
			EmailAddress string `xml:"EmailAddress"`
		} `xml:"Grantee"`
		Permission string `xml:"Permission"`
	} `xml:"AccessControlList>Grant"`
}

var aclPermissions = map[string]bool{"FULL_CONTROL": true, "WRITE": true, "WRITE_ACP": true, "READ": true, "READ_ACP": true}

func ownerGrant(account string) grant {
	return grant{Type: "CanonicalUser", ID: canonicalID(account), Permission: "FULL_CONTROL"}
}

func groupGrant(uri, perm string) grant { return grant{Type: "Group", URI: uri, Permission: perm} }

// cannedGrants expands an x-amz-acl value ("" = private).
func cannedGrants(account, canned string) ([]grant, *apiError) {
	g := []grant{ownerGrant(account)}
	switch canned {
	case "", "private", "bucket-owner-full-control", "bucket-owner-read":
	case "public-read":
		g = append(g, groupGrant(allUsersURI, "READ"))
	case "public-read-write":
		g = append(g, groupGrant(allUsersURI, "READ"), groupGrant(allUsersURI, "WRITE"))
	case "authenticated-read":
		g = append(g, groupGrant(authenticatedUsersURI, "READ"))
	case "log-delivery-write":
		g = append(g, groupGrant(logDeliveryURI, "WRITE"), groupGrant(logDeliveryURI, "READ_ACP"))
	default:
		return nil, newErr("InvalidArgument", "Invalid canned ACL: "+canned)
	}
	return g, nil
}

// headerGrants reads x-amz-grant-* headers (id="...", uri="...",
// emailAddress="...").
func headerGrants(h http.Header) ([]grant, bool) {
	var out []grant
	found := false
	for hdr, perm := range map[string]string{
		"x-amz-grant-full-control": "FULL_CONTROL", "x-amz-grant-read": "READ", "x-amz-grant-write": "WRITE",
		"x-amz-grant-read-acp": "READ_ACP", "x-amz-grant-write-acp": "WRITE_ACP",
	} {
		v := h.Get(hdr)
		if v == "" {
			continue
		}
		found = true
		for _, part := range strings.Split(v, ",") {
			k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
			val = strings.Trim(val, `"`)
			switch strings.ToLower(k) {
			case "id":
				out = append(out, grant{Type: "CanonicalUser", ID: val, Permission: perm})
			case "uri":
				out = append(out, grant{Type: "Group", URI: val, Permission: perm})
			case "emailaddress":
				out = append(out, grant{Type: "AmazonCustomerByEmail", Email: val, Permission: perm})
			}
		}
	}
	return out, found
}

func isPublicGrant(g grant) bool {
	return g.Type == "Group" && (g.URI == allUsersURI || g.URI == authenticatedUsersURI)
}

// onlyOwnerGrants says whether the ACL grants nothing beyond the owner's own
// access (what BucketOwnerEnforced allows).
func onlyOwnerGrants(b *bucket) bool {
	for _, g := range b.Grants {
		if !(g.Type == "CanonicalUser" && g.ID == canonicalID(b.Owner)) {
			return false
		}
	}
	return true
}

func (s *Server) getBucketAcl(_ *request, b *bucket) (any, *apiError) {
	out := aclXML{Xmlns: s3XMLNS, Owner: ownerOf(b.Owner), Grants: []grantXML{}}
	for _, g := range b.Grants {
		out.Grants = append(out.Grants, grantXML{
			Grantee: granteeXML{
				XSI: "http://www.w3.org/2001/XMLSchema-instance", Type: g.Type,
				ID: g.ID, DisplayName: g.DisplayName, URI: g.URI, EmailAddress: g.Email,
			},
			Permission: g.Permission,
		})
	}
	return out, nil
}

// putBucketAcl sets a canned ACL (x-amz-acl), x-amz-grant-* headers or an
// AccessControlPolicy body. Public grants are refused while BlockPublicAcls
// is on; any grant beyond the owner is refused when ACLs are disabled
// (BucketOwnerEnforced).
func (s *Server) putBucketAcl(q *request, b *bucket) (any, *apiError) {
	var grants []grant
	if canned := q.r.Header.Get("x-amz-acl"); canned != "" {
		var e *apiError
		if grants, e = cannedGrants(b.Owner, canned); e != nil {
			return nil, e
		}
	} else if hg, ok := headerGrants(q.r.Header); ok {
		grants = hg
	} else {
		var in aclInputXML
		if err := xml.Unmarshal(q.body, &in); err != nil || len(q.body) == 0 {
			return nil, malformedXML()
		}
		for _, g := range in.Grants {
			if !aclPermissions[g.Permission] {
				return nil, malformedXML()
			}
			typ := g.Grantee.Type
			if typ != "CanonicalUser" && typ != "Group" && typ != "AmazonCustomerByEmail" {
				return nil, malformedXML()
			}
			grants = append(grants, grant{Type: typ, ID: g.Grantee.ID, DisplayName: g.Grantee.DisplayName, URI: g.Grantee.URI, Email: g.Grantee.EmailAddress, Permission: g.Permission})
		}
	}
	candidate := &bucket{Owner: b.Owner, Grants: grants}
	if b.Ownership == "BucketOwnerEnforced" && !onlyOwnerGrants(candidate) {
		return nil, newErr("AccessControlListNotSupported", "The bucket does not allow ACLs")
	}
	for _, g := range grants {
		if isPublicGrant(g) && s.effectivePAB(b).BlockPublicAcls {
			return nil, s3AccessDenied()
		}
	}
	b.Grants = grants
	return nil, nil
}
