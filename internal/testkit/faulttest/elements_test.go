package faulttest

import (
	"slices"
	"testing"
)

// Two ACL replies: one grant in the first, two in the second; only the
// second's public grant has a URI.
var aclReplies = []Reply{
	{200, "application/xml", []byte(`<?xml version="1.0" encoding="UTF-8"?>
<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>o1</ID></Owner><AccessControlList><Grant><Grantee><ID>o1</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>`)},
	{200, "application/xml", []byte(`<?xml version="1.0" encoding="UTF-8"?>
<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>o2</ID><DisplayName>me</DisplayName></Owner><AccessControlList><Grant><Grantee><ID>o2</ID></Grantee><Permission>FULL_CONTROL</Permission></Grant><Grant><Grantee><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>`)},
	// an error reply says nothing of the shape
	{404, "application/xml", []byte(`<Error><Code>NoSuchBucket</Code></Error>`)},
}

func TestRequiredPathsAreWhatEveryReplyHas(t *testing.T) {
	got := RequiredPaths(aclReplies)
	// DisplayName, ID and URI under Grantee are each missing somewhere;
	// Grant repeats (a list, which may be empty).
	want := []string{"AccessControlList", "AccessControlList/Grant/Grantee", "AccessControlList/Grant/Permission", "Owner", "Owner/ID"}
	if !slices.Equal(got, want) {
		t.Errorf("XML: got %v, want %v", got, want)
	}
	trails := []Reply{
		{200, "application/x-amz-json-1.1", []byte(`{"trailList":[{"Name":"a","SnsTopicARN":"t"},{"Name":"b"}]}`)},
		{200, "application/x-amz-json-1.1", []byte(`{"trailList":[]}`)},
	}
	if got, want := RequiredPaths(trails), []string{"trailList", "trailList/[]/Name"}; !slices.Equal(got, want) {
		t.Errorf("JSON: got %v, want %v", got, want)
	}
}

func TestDropElementKeepsTheRestOfTheDocument(t *testing.T) {
	r := DropElement("AccessControlList/Grant/Grantee").Reply(aclReplies[1])
	want := `<?xml version="1.0" encoding="UTF-8"?>
<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>o2</ID><DisplayName>me</DisplayName></Owner><AccessControlList><Grant><Permission>FULL_CONTROL</Permission></Grant><Grant><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>`
	if string(r.Body) != want || r.Status != 200 {
		t.Errorf("got %d %s\nwant %s", r.Status, r.Body, want)
	}
	if r := DropElement("Code").Reply(aclReplies[2]); string(r.Body) != string(aclReplies[2].Body) {
		t.Errorf("an error reply changed: %s", r.Body)
	}
	j := DropElement("trailList/[]/Name").Reply(Reply{200, "application/x-amz-json-1.1",
		[]byte(`{"trailList":[{"Name":"a","HomeRegion":"us-east-1","N":1.50},{"Name":"b"}]}`)})
	if want := `{"trailList":[{"HomeRegion":"us-east-1","N":1.50},{}]}`; string(j.Body) != want {
		t.Errorf("JSON: got %s, want %s", j.Body, want)
	}
}
