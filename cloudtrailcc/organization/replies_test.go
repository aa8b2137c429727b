package organization_test

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/inventory"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/organization"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/rules"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/cloudtrailcc/snapshot"
	"github.com/cloudtrailcc/steampipe-plugin-cloudtrailcc/internal/testkit/faulttest"
)

// mangled returns cfg pointed at a proxy in front of the emulator that
// replaces every reply of action with what m makes of it.
func mangled(t *testing.T, cfg organization.Config, action string, m faulttest.Mangling) (organization.Config, *faulttest.Mangler) {
	t.Helper()
	upstream, err := url.Parse(cfg.Inventory.EndpointURL)
	if err != nil {
		t.Fatal(err)
	}
	mg := faulttest.NewMangler(upstream, action, m)
	srv := httptest.NewServer(mg)
	t.Cleanup(srv.Close)
	cfg.Inventory.EndpointURL = srv.URL
	return cfg, mg
}

// editAccounts is a mangling of ListAccounts that edits each listed account.
func editAccounts(name string, edit func(i int, a map[string]any)) faulttest.Mangling {
	return faulttest.Mangling{Name: name, Reply: func(u faulttest.Reply) faulttest.Reply {
		var page map[string]any
		if err := json.Unmarshal(u.Body, &page); err != nil {
			panic(err)
		}
		accounts, _ := page["Accounts"].([]any)
		for i, a := range accounts {
			edit(i, a.(map[string]any))
		}
		u.Body, _ = json.Marshal(page)
		return u
	}}
}

// TestMalformedAccountListIsAnError checks that a ListAccounts reply that
// lists nobody, or accounts without an id or a state, stops the audit
// with an error naming the action: never an audit of nobody (0 findings,
// exit 0), never an account with an empty id audited, never an account taken for
// suspended because its state is missing.
func TestMalformedAccountListIsAnError(t *testing.T) {
	_, _, cfg := seeded(t)
	for _, m := range []faulttest.Mangling{
		{Name: "empty object", Reply: func(u faulttest.Reply) faulttest.Reply { u.Body = []byte(`{}`); return u }},
		{Name: "empty list", Reply: func(u faulttest.Reply) faulttest.Reply { u.Body = []byte(`{"Accounts":[]}`); return u }},
		editAccounts("no Status or State", func(_ int, a map[string]any) { delete(a, "Status"); delete(a, "State") }),
		editAccounts("unknown Status", func(_ int, a map[string]any) { a["Status"] = "FROZEN" }),
		editAccounts("an empty Id", func(i int, a map[string]any) {
			if i == 1 {
				a["Id"] = ""
			}
		}),
		editAccounts("an Id that is not an account id", func(i int, a map[string]any) {
			if i == 1 {
				a["Id"] = "../123"
			}
		}),
	} {
		t.Run(strings.ReplaceAll(m.Name, " ", "_"), func(t *testing.T) {
			cfg, mg := mangled(t, cfg, "organizations:ListAccounts", m)
			col, err := organization.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			org, err := col.Snapshot(t.Context(), snapshot.NeedTrails)
			if mg.Mangled() == 0 {
				t.Fatal("ListAccounts was never called")
			}
			var se *inventory.SetupError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), "organizations:ListAccounts") || !strings.Contains(err.Error(), "MalformedResponse") {
				var read []string
				if org != nil {
					for a := range org.Each() {
						read = append(read, a.AccountID)
					}
					t.Fatalf("audited %q (suspended %q, failed %d), error %v; want a setup error naming organizations:ListAccounts and MalformedResponse",
						read, org.Suspended, len(org.Failed), err)
				}
				t.Fatalf("error %v, want a setup error naming organizations:ListAccounts and MalformedResponse", err)
			}
		})
	}
}

// TestAccountListKeepsStateOverStatus checks that an account's State
// (which replaces Status in ListAccounts) decides whether it is audited,
// and that a listing with State only is read.
func TestAccountListKeepsStateOverStatus(t *testing.T) {
	_, o, cfg := seeded(t)
	cfg, _ = mangled(t, cfg, "organizations:ListAccounts", editAccounts("State only", func(_ int, a map[string]any) {
		a["State"] = a["Status"]
		delete(a, "Status")
	}))
	org := readAll(t, cfg)
	if org.Len() != 6 || strings.Join(org.Suspended, ",") != o.Suspended {
		t.Fatalf("State only: %d accounts read, suspended %v", org.Len(), org.Suspended)
	}
}

// replaceXML returns a mangling that rewrites an XML reply with re.
func replaceXML(name, re, with string) faulttest.Mangling {
	r := regexp.MustCompile(re)
	return faulttest.Mangling{Name: name, Reply: func(u faulttest.Reply) faulttest.Reply {
		u.Body = r.ReplaceAll(u.Body, []byte(with))
		return u
	}}
}

// TestMalformedAssumeRoleFailsTheMember checks that an AssumeRole reply
// without complete credentials, or with the credentials of another
// account, makes the member an account that could not be audited: no
// panic, no audit of the member with the caller's own credentials (a
// false ok under the member's id), and one account-level error per rule
// naming the account, sts:AssumeRole and MalformedResponse.
func TestMalformedAssumeRoleFailsTheMember(t *testing.T) {
	_, o, cfg := seeded(t)
	for _, m := range []faulttest.Mangling{
		replaceXML("no Credentials", `(?s)<Credentials>.*</Credentials>`, ""),
		replaceXML("empty AccessKeyId", `<AccessKeyId>[^<]*</AccessKeyId>`, "<AccessKeyId></AccessKeyId>"),
		replaceXML("no SecretAccessKey", `<SecretAccessKey>[^<]*</SecretAccessKey>`, ""),
		replaceXML("no SessionToken", `<SessionToken>[^<]*</SessionToken>`, ""),
		replaceXML("another account's role", `(<AssumedRoleUser>.*?<Arn>arn:aws:sts::)[0-9]{12}`, "${1}"+o.Management.AccountID),
	} {
		t.Run(strings.ReplaceAll(m.Name, " ", "_"), func(t *testing.T) {
			cfg, mg := mangled(t, cfg, "sts:AssumeRole", m)
			org := readAll(t, cfg)
			if mg.Mangled() == 0 {
				t.Fatal("AssumeRole was never called")
			}
			if org.Len() != 1 || org.First().AccountID != o.Management.AccountID {
				var read []string
				for a := range org.Each() {
					read = append(read, a.AccountID)
				}
				t.Fatalf("accounts read %v, want only the management account (members' replies were malformed)", read)
			}
			// Every member with the audit role got a malformed reply (the
			// one without answers AccessDenied, unmangled).
			members := slices.DeleteFunc(o.AuditedAccounts(), func(id string) bool {
				return id == o.Management.AccountID || id == o.RoleMissing
			})
			slices.Sort(members)
			var failed []string
			for _, f := range org.Failed {
				if f.AccountID == o.RoleMissing {
					continue
				}
				failed = append(failed, f.AccountID)
				if f.Err.Action != "sts:AssumeRole" || f.Err.Code != "MalformedResponse" {
					t.Errorf("account %s failed with %s %s, want sts:AssumeRole MalformedResponse", f.AccountID, f.Err.Action, f.Err.Code)
				}
			}
			if !slices.Equal(failed, members) {
				t.Fatalf("failed accounts %v, want every member with the role %v", failed, members)
			}
			perRule := map[string]int{}
			for _, f := range rules.EvaluateOrganization(org) {
				if !slices.Contains(members, f.AccountID) {
					continue
				}
				want := "account " + f.AccountID + " could not be audited: sts:AssumeRole into " + f.AccountID + " failed: MalformedResponse"
				if f.Status != rules.StatusError || f.Reason != want {
					t.Errorf("member %s %s: %s %q, want error %q", f.AccountID, f.RuleID, f.Status, f.Reason, want)
				}
				perRule[f.AccountID+" "+f.RuleID]++
			}
			if len(perRule) != len(members)*len(rules.Catalogue()) {
				t.Errorf("%d member x rule findings, want %d", len(perRule), len(members)*len(rules.Catalogue()))
			}
			for k, n := range perRule {
				if n != 1 {
					t.Errorf("%s: %d findings, want one", k, n)
				}
			}
		})
	}
}
