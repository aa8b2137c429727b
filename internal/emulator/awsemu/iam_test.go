package awsemu

import (
	"encoding/json"
	"net/url"
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func (e *env) iam() *iam.Client { return iam.NewFromConfig(e.cfg("us-east-1")) }

// policyJSON decodes a policy document as IAM returns it (percent-encoded).
func policyJSON(t *testing.T, encoded *string) map[string]any {
	t.Helper()
	doc, err := url.QueryUnescape(aws.ToString(encoded))
	if err != nil {
		t.Fatalf("policy document %q is not percent-encoded: %v", aws.ToString(encoded), err)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatalf("policy document %q is not JSON: %v", doc, err)
	}
	return v
}

func mustJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

const cloudWatchRoleTrust = `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "sts:AssumeRole"}]}`

func TestIAMRoleWithInlinePolicyForCloudTrail(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.iam()
	created := must(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ct-logs"), Path: aws.String("/service-role/"),
		AssumeRolePolicyDocument: aws.String(cloudWatchRoleTrust), Description: aws.String("CloudTrail to CloudWatch Logs")}))
	wantARN := "arn:aws:iam::123456789012:role/service-role/ct-logs"
	if aws.ToString(created.Role.Arn) != wantARN || aws.ToString(created.Role.Path) != "/service-role/" || created.Role.CreateDate == nil {
		t.Fatalf("created role = %+v", created.Role)
	}
	got := must(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("ct-logs")}))
	if aws.ToString(got.Role.Arn) != wantARN || aws.ToString(got.Role.Description) != "CloudTrail to CloudWatch Logs" ||
		!reflect.DeepEqual(policyJSON(t, got.Role.AssumeRolePolicyDocument), mustJSON(t, cloudWatchRoleTrust)) {
		t.Fatalf("GetRole = %+v (trust %s)", got.Role, aws.ToString(got.Role.AssumeRolePolicyDocument))
	}
	_, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ct-logs"), AssumeRolePolicyDocument: aws.String(cloudWatchRoleTrust)})
	wantCode(t, err, "EntityAlreadyExists")

	logsPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"arn:aws:logs:us-east-1:123456789012:log-group:trail:*"}]}`
	must(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("ct-logs"), PolicyName: aws.String("deliver"), PolicyDocument: aws.String(logsPolicy)}))
	p := must(c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("ct-logs"), PolicyName: aws.String("deliver")}))
	if !reflect.DeepEqual(policyJSON(t, p.PolicyDocument), mustJSON(t, logsPolicy)) {
		t.Fatalf("GetRolePolicy document = %s", aws.ToString(p.PolicyDocument))
	}
	names := must(c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("ct-logs")}))
	if !reflect.DeepEqual(names.PolicyNames, []string{"deliver"}) {
		t.Fatalf("ListRolePolicies = %v", names.PolicyNames)
	}
	_, err = c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("ct-logs"), PolicyName: aws.String("bad"), PolicyDocument: aws.String(`{"Version":`)})
	wantCode(t, err, "MalformedPolicyDocument")
	_, err = c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("missing"), PolicyName: aws.String("p"), PolicyDocument: aws.String(logsPolicy)})
	wantCode(t, err, "NoSuchEntity")

	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("ct-logs")})
	wantCode(t, err, "DeleteConflict")
	must(c.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String("ct-logs"), PolicyName: aws.String("deliver")}))
	_, err = c.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("ct-logs"), PolicyName: aws.String("deliver")})
	wantCode(t, err, "NoSuchEntity")
	must(c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("ct-logs")}))
	_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("ct-logs")})
	wantCode(t, err, "NoSuchEntity")
}

func TestIAMCreateRoleRefusesBadTrustPolicies(t *testing.T) {
	e := newEnv(t, Options{})
	for name, doc := range map[string]string{
		"not JSON":            `{"Statement": [`,
		"no statement":        `{"Version":"2012-10-17"}`,
		"bad AWS principal":   `{"Statement":{"Effect":"Allow","Principal":{"AWS":"someone"},"Action":"sts:AssumeRole"}}`,
		"principal not a map": `{"Statement":{"Effect":"Allow","Principal":"everyone","Action":"sts:AssumeRole"}}`,
	} {
		_, err := e.iam().CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(doc)})
		if errCode(err) != "MalformedPolicyDocument" {
			t.Errorf("%s: error %v, want MalformedPolicyDocument", name, err)
		}
	}
	_, err := e.iam().GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("r")})
	wantCode(t, err, "NoSuchEntity")
}

// TestIAMAndSTSShareRoles: a role created with IAM is the role STS assumes
// (its trust policy decides who may, its ExternalId condition is checked,
// its path is part of the ARN), and a role added on the control endpoint
// is listed by IAM with the trust policy it stands for.
func TestIAMAndSTSShareRoles(t *testing.T) {
	e := newEnv(t, Options{})
	e.srv.AddAccount("member", "member-secret", "222222222222")
	member := e.as("member", "member-secret")
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:root"]},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"xyz"}}}]}`
	must(member.iam().CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("Audit"), Path: aws.String("/ops/"), AssumeRolePolicyDocument: aws.String(trust)}))
	assume := func(arn, externalID string) error {
		in := &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("check")}
		if externalID != "" {
			in.ExternalId = aws.String(externalID)
		}
		_, err := e.sts("us-east-1").AssumeRole(ctx, in)
		return err
	}
	if err := assume("arn:aws:iam::222222222222:role/ops/Audit", "xyz"); err != nil {
		t.Fatalf("AssumeRole of a role created with IAM: %v", err)
	}
	wantCode(t, assume("arn:aws:iam::222222222222:role/ops/Audit", "other"), "AccessDenied")
	wantCode(t, assume("arn:aws:iam::222222222222:role/Audit", "xyz"), "AccessDenied")
	_, err := member.sts("us-east-1").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::222222222222:role/ops/Audit"),
		RoleSessionName: aws.String("check"), ExternalId: aws.String("xyz")})
	wantCode(t, err, "AccessDenied")

	if err := e.srv.AddRole(Role{AccountID: "123456789012", RoleName: "Reader", TrustedAccountIDs: []string{"222222222222"}, ExternalID: "abc"}); err != nil {
		t.Fatal(err)
	}
	roles := must(e.iam().ListRoles(ctx, &iam.ListRolesInput{}))
	if len(roles.Roles) != 1 || aws.ToString(roles.Roles[0].Arn) != "arn:aws:iam::123456789012:role/Reader" {
		t.Fatalf("ListRoles = %+v", roles.Roles)
	}
	want := mustJSON(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::222222222222:root"]},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"abc"}}}]}`)
	if got := policyJSON(t, roles.Roles[0].AssumeRolePolicyDocument); !reflect.DeepEqual(got, want) {
		t.Fatalf("trust policy of a control-endpoint role = %v", got)
	}
	must(e.iam().DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("Reader")}))
	_, err = member.sts("us-east-1").AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/Reader"),
		RoleSessionName: aws.String("check"), ExternalId: aws.String("abc")})
	wantCode(t, err, "AccessDenied")
}

func TestIAMListRolesPages(t *testing.T) {
	e := newEnv(t, Options{})
	for _, n := range []string{"c", "a", "b"} {
		must(e.iam().CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(n), AssumeRolePolicyDocument: aws.String(cloudWatchRoleTrust)}))
	}
	var names []string
	p := iam.NewListRolesPaginator(e.iam(), &iam.ListRolesInput{MaxItems: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		out := must(p.NextPage(ctx))
		pages++
		for _, r := range out.Roles {
			names = append(names, aws.ToString(r.RoleName))
		}
	}
	if pages != 2 || !reflect.DeepEqual(names, []string{"a", "b", "c"}) {
		t.Fatalf("%d pages: %v", pages, names)
	}
}
