package awsemu

import (
	"errors"
	"fmt"
	"time"
)

// Organization describes the emulated AWS Organization: its management
// account and its accounts (the management account is listed too, as
// ListAccounts lists it).
type Organization struct {
	ManagementAccountID string       `json:"management_account_id"`
	Accounts            []OrgAccount `json:"accounts"`
}

// OrgAccount is one account of the organization.
type OrgAccount struct {
	AccountID string `json:"account_id"`
	Name      string `json:"name,omitempty"`
	Email     string `json:"email,omitempty"`
	// Status is ACTIVE (default), SUSPENDED or PENDING_CLOSURE.
	Status string `json:"status,omitempty"`
}

// organization is the stored organization.
type organization struct {
	id         string
	management string
	accounts   []OrgAccount
	joined     time.Time
}

func (o *organization) arn() string {
	return "arn:aws:organizations::" + o.management + ":organization/" + o.id
}

func (o *organization) accountARN(id string) string {
	return "arn:aws:organizations::" + o.management + ":account/" + o.id + "/" + id
}

// status is the account's status in the organization ("" when not a member).
func (o *organization) status(account string) string {
	if o == nil {
		return ""
	}
	for _, a := range o.accounts {
		if a.AccountID == account {
			return a.Status
		}
	}
	return ""
}

// activeMembers are the ACTIVE accounts other than the management account:
// the accounts an organization trail applies to.
func (o *organization) activeMembers() map[string]bool {
	out := map[string]bool{}
	for _, a := range o.accounts {
		if a.Status == "ACTIVE" && a.AccountID != o.management {
			out[a.AccountID] = true
		}
	}
	return out
}

// SetOrganization creates (or replaces) the organization. Organization
// trails of the management account then apply to its ACTIVE members.
func (s *Server) SetOrganization(o Organization) error {
	if len(o.ManagementAccountID) != 12 {
		return errors.New("awsemu: organization needs a 12-digit management_account_id")
	}
	org := &organization{id: "o-" + shortHash(o.ManagementAccountID, 10), management: o.ManagementAccountID, joined: time.Now().UTC()}
	seen := map[string]bool{}
	for _, a := range append([]OrgAccount{{AccountID: o.ManagementAccountID, Name: "management"}}, o.Accounts...) {
		if len(a.AccountID) != 12 {
			return fmt.Errorf("awsemu: organization account id %q is not 12 digits", a.AccountID)
		}
		if seen[a.AccountID] {
			continue
		}
		seen[a.AccountID] = true
		switch a.Status {
		case "":
			a.Status = "ACTIVE"
		case "ACTIVE", "SUSPENDED", "PENDING_CLOSURE":
		default:
			return fmt.Errorf("awsemu: account %s status %q: want ACTIVE, SUSPENDED or PENDING_CLOSURE", a.AccountID, a.Status)
		}
		if a.Name == "" {
			a.Name = "account-" + a.AccountID
		}
		if a.Email == "" {
			a.Email = "aws+" + a.AccountID + "@example.com"
		}
		org.accounts = append(org.accounts, a)
	}
	s.st.lock(func() {
		s.st.org = org
		for _, t := range s.st.trails {
			if t.Org && t.Account == org.management {
				t.OrgMembers = org.activeMembers()
			}
		}
	})
	return nil
}

// orgOf is the organization the account belongs to, or nil. State must be
// locked.
func (st *state) orgOf(account string) *organization {
	if st.org.status(account) == "" {
		return nil
	}
	return st.org
}

func (s *Server) organizationsOps() map[string]handlerFunc {
	return map[string]handlerFunc{
		"DescribeOrganization": s.describeOrganization,
		"ListAccounts":         s.listAccounts,
	}
}

var errOrgNotInUse = newErr("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")

func (s *Server) describeOrganization(q *request) (any, *apiError) {
	return s.locked(func() (any, *apiError) {
		o := s.st.orgOf(q.account)
		if o == nil {
			return nil, errOrgNotInUse
		}
		return map[string]any{"Organization": map[string]any{
			"Id": o.id, "Arn": o.arn(), "FeatureSet": "ALL",
			"MasterAccountArn":     "arn:aws:organizations::" + o.management + ":account/" + o.id + "/" + o.management,
			"MasterAccountId":      o.management,
			"MasterAccountEmail":   "aws+" + o.management + "@example.com",
			"AvailablePolicyTypes": []any{},
		}}, nil
	})
}

// listAccountsMaxResults is ListAccounts' largest (and default) page size.
const listAccountsMaxResults = 20

type orgAccountJSON struct {
	Id              string     `json:"Id"`
	Arn             string     `json:"Arn"`
	Email           string     `json:"Email"`
	Name            string     `json:"Name"`
	Status          string     `json:"Status"`
	JoinedMethod    string     `json:"JoinedMethod"`
	JoinedTimestamp *epochTime `json:"JoinedTimestamp"`
}

// listAccounts pages through the organization's accounts. Only the
// management account may call it; members get AccessDeniedException.
func (s *Server) listAccounts(q *request) (any, *apiError) {
	var in struct {
		NextToken  string
		MaxResults *int
	}
	if e := decodeJSON(q, &in); e != nil {
		return nil, e
	}
	size := listAccountsMaxResults
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > listAccountsMaxResults {
			return nil, newErr("InvalidInputException", "You provided a value that does not match the required pattern: MaxResults must be between 1 and 20.")
		}
		size = *in.MaxResults
	}
	start, aerr := decodeOffsetToken(in.NextToken)
	if aerr != nil {
		return nil, newErr("InvalidInputException", "The NextToken value is not valid.")
	}
	return s.locked(func() (any, *apiError) {
		o := s.st.orgOf(q.account)
		if o == nil {
			return nil, errOrgNotInUse
		}
		if o.management != q.account {
			return nil, newErr("AccessDeniedException", "You don't have permissions to access this resource.")
		}
		end := min(start+size, len(o.accounts))
		page := []orgAccountJSON{}
		for _, a := range o.accounts[min(start, end):end] {
			method := "CREATED"
			if a.AccountID == o.management {
				method = "INVITED"
			}
			page = append(page, orgAccountJSON{Id: a.AccountID, Arn: o.accountARN(a.AccountID), Email: a.Email, Name: a.Name,
				Status: a.Status, JoinedMethod: method, JoinedTimestamp: epoch(o.joined)})
		}
		out := map[string]any{"Accounts": page}
		if end < len(o.accounts) {
			out["NextToken"] = encodeOffsetToken(end)
		}
		return out, nil
	})
}
